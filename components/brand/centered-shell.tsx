import type { ReactNode } from "react";
import { Logo } from "./logo";

/** The signed-out frame (sign-in, sign-up, invitation pages): the logo on top, one centred column. */
export function CenteredShell({ children, className }: { children: ReactNode; className: string }) {
  return (
    <div className="flex min-h-dvh flex-col bg-surface">
      <header className="px-6 py-5">
        <Logo />
      </header>
      <main id="content" className="flex flex-1 items-start justify-center px-4 pt-6 pb-16 sm:pt-12">
        <div className={className}>{children}</div>
      </main>
    </div>
  );
}
