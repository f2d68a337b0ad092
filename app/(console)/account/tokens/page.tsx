import { appUrl } from "@/app/_server/services";
import { currentCaller, loadPage, requireUserPage } from "@/app/_server/session";
import { AccountTabs } from "@/components/account/account-tabs";
import { TokensCard } from "@/components/account/tokens-card";
import { getDb } from "@/db";
import { listTokens, MAX_TOKENS_PER_ACCOUNT, TOKEN_EXPIRIES, TOKEN_EXPIRY_LABELS } from "@/lib/accounts";
import { listMyOrgs } from "@/lib/orgs";
import type { Metadata } from "next";

export const metadata: Metadata = { title: "Tokens · Account" };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Account → Tokens: the person's personal access tokens for the REST API and the apolo CLI. */
export default async function AccountTokensPage() {
  await requireUserPage("/account/tokens");
  const db = await getDb();
  const actor = await currentCaller();
  const [tokens, orgs] = await loadPage(async () => Promise.all([listTokens(db, actor), listMyOrgs(db, actor)]));
  return (
    <main id="content" className="mx-auto w-full max-w-3xl space-y-6 px-4 py-8 sm:px-6 sm:py-10">
      <div className="space-y-4">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Account</h1>
          <p className="mt-1 text-sm text-muted">Tokens for the API and the apolo CLI.</p>
        </div>
        <AccountTabs />
      </div>
      <TokensCard
        tokens={tokens.map((t) => ({
          id: t.id,
          name: t.name,
          hint: t.hint,
          scope: t.scope,
          org: t.org,
          createdAt: t.createdAt.toISOString(),
          lastUsedAt: iso(t.lastUsedAt),
          expiresAt: iso(t.expiresAt),
          revokedAt: iso(t.revokedAt),
          state: t.state,
        }))}
        orgs={orgs.map((o) => ({ name: o.name, displayName: o.displayName }))}
        expiries={TOKEN_EXPIRIES.map((value) => ({ value, label: TOKEN_EXPIRY_LABELS[value] }))}
        max={MAX_TOKENS_PER_ACCOUNT}
        apiUrl={`${(await appUrl()).replace(/\/+$/, "")}/api/v1`}
      />
    </main>
  );
}
