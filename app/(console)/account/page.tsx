import { currentCaller, loadPage, requireUserPage } from "@/app/_server/session";
import { AccountTabs } from "@/components/account/account-tabs";
import { DeleteAccountSection } from "@/components/account/delete-account";
import { ChangeEmailForm, PendingEmailChange } from "@/components/account/email-section";
import { PasswordForm } from "@/components/account/password-form";
import { DisplayNameForm } from "@/components/account/profile-form";
import { VerifyEmailNote } from "@/components/invitations/verify-email-button";
import { SessionsCard } from "@/components/sessions/sessions-card";
import { Card, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { getDb } from "@/db";
import { getAccount, getAccountSettings, listMySessions, lostEmailMessage } from "@/lib/accounts";
import { describeUserAgent } from "@/lib/core";
import type { Metadata } from "next";
import type { ReactNode } from "react";

export const metadata: Metadata = { title: "Account" };

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const dateTimeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const at = (d: Date) => `${dateTimeFormat.format(d)} UTC`;

function Badge({ tone, children }: { tone: "success" | "muted"; children: ReactNode }) {
  return (
    <span
      className={cn(
        "inline-flex items-center rounded-full border px-2 py-0.5 text-xs font-medium",
        tone === "success" ? "border-success/30 bg-success-soft text-success" : "border-border bg-subtle text-muted",
      )}
    >
      {children}
    </span>
  );
}

/** The warning of an account whose unverified address was claimed by someone who proved they own it. */
function LostEmailWarning({ email, testId }: { email: string; testId: string }) {
  return (
    <div
      data-testid={testId}
      className="flex gap-3 rounded-md border border-danger/30 bg-danger-soft px-3 py-2.5 text-sm text-danger"
    >
      <svg aria-hidden viewBox="0 0 20 20" fill="currentColor" className="mt-0.5 size-4 shrink-0">
        <path
          fillRule="evenodd"
          d="M8.485 2.495c.673-1.167 2.357-1.167 3.03 0l6.28 10.875c.673 1.167-.17 2.625-1.516 2.625H3.72c-1.347 0-2.189-1.458-1.515-2.625L8.485 2.495ZM10 6a.75.75 0 0 1 .75.75v3.5a.75.75 0 0 1-1.5 0v-3.5A.75.75 0 0 1 10 6Zm0 9a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z"
          clipRule="evenodd"
        />
      </svg>
      <p className="min-w-0 break-words">{lostEmailMessage(email)}</p>
    </div>
  );
}

export default async function AccountPage() {
  await requireUserPage("/account");
  const db = await getDb();
  const actor = await currentCaller();
  const [account, sessions, me] = await loadPage(async () =>
    Promise.all([getAccountSettings(db, actor), listMySessions(db, actor), getAccount(db, actor)]),
  );
  return (
    <main id="content" className="mx-auto w-full max-w-3xl space-y-6 px-4 py-8 sm:px-6 sm:py-10">
      <div className="space-y-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Account</h1>
          <p className="mt-1 text-sm text-muted">Your profile, sign-in details and account.</p>
        </div>
        <AccountTabs />
      </div>

      {account.lostEmail && <LostEmailWarning email={account.lostEmail} testId="account-lost-email" />}

      <Card>
        <CardHeader title="Profile" />
        <dl className="divide-y divide-border border-b border-border">
          <div className="grid gap-1 px-5 py-3 sm:grid-cols-3">
            <dt className="text-sm text-muted">Username</dt>
            <dd className="text-sm sm:col-span-2">
              <code className="font-mono" data-testid="account-username">
                {account.username}
              </code>
              <span className="block text-xs text-muted">Your username can&apos;t be changed.</span>
            </dd>
          </div>
          <div className="grid gap-1 px-5 py-3 sm:grid-cols-3">
            <dt className="text-sm text-muted">Member since</dt>
            <dd className="text-sm sm:col-span-2">{dateFormat.format(account.createdAt)}</dd>
          </div>
        </dl>
        <div className="px-5 py-4 sm:max-w-md">
          <DisplayNameForm name={account.name} />
        </div>
      </Card>

      {/* #email: the console's lost-address banner can link here. */}
      <div id="email" className="scroll-mt-20">
        <Card>
          <CardHeader
            title="Email address"
            description="Where invitations, password resets and notices go. A new address is used once you confirm it."
          />
          <div className="space-y-4 px-5 py-4">
            <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="account-email">
              {account.email ? (
                <>
                  <span className="font-medium break-all">{account.email}</span>
                  <Badge tone={account.emailVerified ? "success" : "muted"}>
                    {account.emailVerified ? "Verified" : "Not verified"}
                  </Badge>
                </>
              ) : (
                <span className="text-muted">No email address.</span>
              )}
            </div>
            {account.email && !account.emailVerified && (
              // A link already sent (sign-up sends one) says so, with resend, like onboarding.
              <div className="flex flex-wrap items-center gap-3 text-sm text-muted" data-testid="account-verify">
                <VerifyEmailNote
                  email={account.email}
                  sent={me.verificationSentAt !== null}
                  hint="Follow it to confirm this address and see invitations sent to it."
                >
                  <span>Confirm this address to see invitations sent to it.</span>
                </VerifyEmailNote>
              </div>
            )}
            {account.pendingEmail && (
              <PendingEmailChange
                email={account.pendingEmail.email}
                requestedAt={at(account.pendingEmail.requestedAt)}
                expiresAt={at(account.pendingEmail.expiresAt)}
                expired={account.pendingEmail.expired}
              />
            )}
            <div className="border-t border-border pt-4">
              <div className="sm:max-w-md">
                <h3 className="mb-3 text-sm font-semibold">
                  {account.email ? "Change email address" : "Add an email address"}
                </h3>
                <ChangeEmailForm hasPassword={account.hasPassword} hasEmail={Boolean(account.email)} />
              </div>
            </div>
          </div>
        </Card>
      </div>

      <Card>
        <CardHeader
          title={account.hasPassword ? "Password" : "Set a password"}
          description={
            account.hasPassword
              ? "Changing it signs out every other browser where you are signed in."
              : "You sign in with GitHub or Google. Set a password to also sign in with your username or email."
          }
        />
        <div className="px-5 py-4 sm:max-w-md">
          <PasswordForm hasPassword={account.hasPassword} username={account.username} />
        </div>
      </Card>

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

      <Card className="border-danger/40">
        <CardHeader title="Danger zone" />
        <DeleteAccountSection username={account.username} soleAdminOf={account.soleAdminOf} />
      </Card>
    </main>
  );
}
