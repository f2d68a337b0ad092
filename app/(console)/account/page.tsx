import type { Metadata } from "next";
import { currentActor, loadPage, requireUserPage } from "@/app/_server/session";
import { VerifyEmailButton } from "@/components/invitations/verify-email-button";
import { Card } from "@/components/ui/card";
import { getDb } from "@/db";
import { getAccount } from "@/lib/accounts";
import { listMySessions } from "@/lib/sessions";
import { describeUserAgent } from "@/lib/user-agent";
import { SessionsCard } from "@/components/sessions/sessions-card";

export const metadata: Metadata = { title: "Account" };

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export default async function AccountPage() {
  await requireUserPage("/account");
  const db = await getDb();
  const actor = await currentActor();
  const [account, sessions] = await loadPage(async () =>
    Promise.all([getAccount(db, actor), listMySessions(db, actor)]),
  );
  const rows = [
    [
      "Username",
      <code key="u" className="font-mono">
        {account.username}
      </code>,
    ],
    [
      "Email",
      <span key="e">
        {account.email} <span className="text-muted">· {account.emailVerifiedAt ? "verified" : "not verified"}</span>
        {!account.emailVerifiedAt && (
          <span className="mt-2 block">
            <VerifyEmailButton />
          </span>
        )}
      </span>,
    ],
    ["Member since", dateFormat.format(account.createdAt)],
  ] as const;
  return (
    <main className="mx-auto w-full max-w-2xl px-4 py-10 sm:px-6">
      <h1 className="mb-6 text-xl font-semibold tracking-tight">Account</h1>
      <Card>
        <dl className="divide-y divide-border">
          {rows.map(([label, value]) => (
            <div key={label} className="grid gap-1 px-5 py-3 sm:grid-cols-3">
              <dt className="text-sm text-muted">{label}</dt>
              <dd className="text-sm sm:col-span-2">{value}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <div className="mt-6">
        <SessionsCard
          sessions={sessions.map((s) => ({
            id: s.id,
            device: describeUserAgent(s.userAgent),
            ipAddress: s.ipAddress,
            createdAt: s.createdAt.toISOString(),
            lastSeenAt: s.lastSeenAt.toISOString(),
            current: s.current,
          }))}
        />
      </div>
    </main>
  );
}
