import type { Metadata } from "next";
import { currentCaller, loadPage, requireUserPage } from "@/app/_server/session";
import { MyInvitations } from "@/components/invitations/my-invitations";
import { getDb } from "@/db";
import { getAccount } from "@/lib/accounts";
import { listMyInvitations } from "@/lib/orgs";

export const metadata: Metadata = { title: "Invitations" };

export default async function InvitesPage() {
  await requireUserPage("/invites");
  const db = await getDb();
  const actor = await currentCaller();
  const [mine, account] = await loadPage(() => Promise.all([listMyInvitations(db, actor), getAccount(db, actor)]));
  return (
    <main id="content" className="mx-auto w-full max-w-2xl px-4 py-10 sm:px-6">
      <h1 className="text-xl font-semibold tracking-tight">Invitations</h1>
      <p className="mt-1 mb-6 text-sm text-muted">
        Organizations that invited your account, <span className="font-medium text-fg">{account.username}</span>
        {account.email && account.emailVerifiedAt ? `, or ${account.email}` : ""}. Nothing changes until you accept.
      </p>
      <MyInvitations
        verified={mine.verified}
        invitations={mine.invitations}
        email={account.email}
        verificationSent={account.verificationSentAt !== null}
      />
    </main>
  );
}
