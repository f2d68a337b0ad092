import { currentCaller, currentUser, redirectToSignIn } from "@/app/_server/session";
import { Logo } from "@/components/brand/logo";
import { BalanceButton } from "@/components/console/balance-button";
import { OrgPicker } from "@/components/console/org-picker";
import { UserMenu } from "@/components/console/user-menu";
import { getDb } from "@/db";
import { getAccountNotice } from "@/lib/accounts";
import { describeProjection, getMyOrgProjections } from "@/lib/billing";
import { formatCredits } from "@/lib/core";
import { countMyInvitations, isPlatformAdmin, lastUsedOrgName, listMyOrgs } from "@/lib/orgs";
import { cookies } from "next/headers";
import Link from "next/link";

export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await currentUser();
  if (!user) return redirectToSignIn();
  const db = await getDb();
  const actor = await currentCaller();
  const now = new Date();
  const [orgs, invitationCount, operator, notice, projections, lastOrg] = await Promise.all([
    listMyOrgs(db, actor),
    countMyInvitations(db, actor),
    isPlatformAdmin(db, actor),
    getAccountNotice(db, actor),
    getMyOrgProjections(db, actor, now),
    // The org used last (its membership checked in the query): the header keeps it on /account, /invites, …
    lastUsedOrgName(db, actor),
  ]);
  // The balance tooltip's words per org (computed here: the button is a client component).
  const outlooks = new Map(
    projections.map((p) => [p.org, describeProjection(p.projection, now, p.intervals)] as const),
  );
  const theme = (await cookies()).get("theme")?.value;
  return (
    <div className="flex min-h-dvh flex-col">
      <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-border bg-canvas/90 px-3 backdrop-blur sm:px-5">
        <Logo />
        <span className="text-border-strong select-none" aria-hidden>
          /
        </span>
        <OrgPicker orgs={orgs} lastOrg={lastOrg} />
        <div className="ml-auto flex items-center gap-2">
          <BalanceButton
            lastOrg={lastOrg}
            balances={Object.fromEntries(
              orgs.map((o) => [
                o.name,
                {
                  text: formatCredits(o.balance ?? "0"),
                  negative: (o.balance ?? "0").startsWith("-"),
                  outlook: outlooks.get(o.name) ?? null,
                },
              ]),
            )}
          />
          {invitationCount > 0 && (
            <Link
              href="/invites"
              data-testid="invitations-badge"
              className="flex items-center gap-1.5 rounded-full border border-accent/30 bg-accent-soft px-2.5 py-1 text-xs font-medium text-accent hover:border-accent"
            >
              <span className="sr-only">Pending invitations:</span>
              {invitationCount} invitation{invitationCount === 1 ? "" : "s"}
            </Link>
          )}
          <UserMenu
            isPlatformAdmin={operator}
            username={user.username}
            theme={theme === "light" || theme === "dark" ? theme : "system"}
          />
        </div>
      </header>
      {notice && (
        <div
          role="status"
          data-testid="lost-email-notice"
          className="border-b border-warning/30 bg-warning-soft px-4 py-2.5 text-sm text-fg sm:px-6"
        >
          Your email address <strong className="font-medium">{notice.email}</strong> was claimed by an account that
          proved it owns it, so it was removed from yours.{" "}
          <Link href={notice.href} className="font-medium text-accent underline-offset-2 hover:underline">
            Add and verify another address
          </Link>{" "}
          to get invitations and mail.
        </div>
      )}
      <div className="flex flex-1 flex-col">{children}</div>
    </div>
  );
}
