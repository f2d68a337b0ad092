import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { Logo } from "@/components/brand/logo";
import { OrgPicker } from "@/components/console/org-picker";
import { UserMenu } from "@/components/console/user-menu";
import { currentActor, currentUser } from "@/app/_server/session";
import { getDb } from "@/db";
import { listMyOrgs } from "@/lib/orgs";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await currentUser();
  if (!user) redirect("/signin");
  const orgs = await listMyOrgs(await getDb(), await currentActor());
  const theme = (await cookies()).get("theme")?.value;
  return (
    <div className="flex min-h-dvh flex-col">
      <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-border bg-canvas/90 px-3 backdrop-blur sm:px-5">
        <Logo />
        <span className="text-border-strong select-none" aria-hidden>
          /
        </span>
        <OrgPicker orgs={orgs} />
        <div className="ml-auto">
          <UserMenu username={user.username} theme={theme === "light" || theme === "dark" ? theme : "system"} />
        </div>
      </header>
      <div className="flex flex-1 flex-col">{children}</div>
    </div>
  );
}
