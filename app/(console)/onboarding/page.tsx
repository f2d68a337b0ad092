import type { Metadata } from "next";
import { currentCaller, requireUserPage } from "@/app/_server/session";
import { MyInvitations } from "@/components/invitations/my-invitations";
import { getDb } from "@/db";
import { getAccount } from "@/lib/accounts";
import { listMyInvitations } from "@/lib/orgs";
import { CreateOrgForm } from "@/components/console/create-org-form";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";

export const metadata: Metadata = { title: "Get started" };

/** The seed's two paths after sign-up: create your own organization, or send your username to an admin. */
export default async function OnboardingPage() {
  const user = await requireUserPage("/onboarding");
  const db = await getDb();
  const actor = await currentCaller();
  const [mine, account] = await Promise.all([listMyInvitations(db, actor), getAccount(db, actor)]);
  return (
    <main id="content" className="mx-auto w-full max-w-4xl px-4 py-10 sm:px-6">
      <h1 className="text-2xl font-semibold tracking-tight">Welcome to Apolo, {user.username}</h1>
      <p className="mt-2 max-w-2xl text-sm text-muted">
        Organizations are groups of people who share access to compute clusters and one credit balance. Create your own,
        or join your team&apos;s.
      </p>
      <section className="mt-8 space-y-3" aria-labelledby="invitations-heading">
        <h2 id="invitations-heading" className="font-semibold">
          Your invitations
        </h2>
        <MyInvitations
          verified={mine.verified}
          invitations={mine.invitations}
          email={account.email}
          verificationSent={account.verificationSentAt !== null}
        />
      </section>
      <div className="mt-8 grid gap-5 md:grid-cols-2">
        <Card className="p-5">
          <h2 className="font-semibold">Create an organization</h2>
          <p className="mt-1 mb-5 text-sm text-muted">You become its admin and can invite your team.</p>
          <CreateOrgForm autoFocus />
        </Card>
        <Card className="p-5">
          <h2 className="font-semibold">Join an existing organization</h2>
          <p className="mt-1 text-sm text-muted">
            Send your username to an admin or manager of that organization. When they invite you, the invitation shows
            here and in the header; once you accept, the organization appears in the menu at the top.
          </p>
          <div className="mt-5 flex items-center gap-2 rounded-md border border-border bg-subtle p-2 pl-3">
            <code className="flex-1 truncate font-mono text-sm" data-testid="my-username">
              {user.username}
            </code>
            <CopyButton value={user.username} label="Copy username" />
          </div>
        </Card>
      </div>
    </main>
  );
}
