import Link from "next/link";
import { buttonClass } from "@/components/ui/button-class";

export default function NotFound() {
  return (
    <main
      id="content"
      className="mx-auto flex min-h-[70dvh] max-w-md flex-col items-center justify-center gap-3 px-6 text-center"
    >
      <p className="font-mono text-sm text-muted">404</p>
      <h1 className="text-xl font-semibold">Page not found</h1>
      <p className="text-sm text-muted">This page doesn&apos;t exist, or you don&apos;t have access to it.</p>
      <Link href="/" className={buttonClass("secondary", "md", "mt-2")}>
        Go to your console
      </Link>
    </main>
  );
}
