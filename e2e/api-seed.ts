// What the API specs' seeds share (called by e2e/seed.ts before the server starts): people with a password, and
// personal access tokens with known values (the console shows a token only once, and the specs talk to the API
// as the `apolo` CLI would; tokens are stored hashed, as createToken stores them). Idempotent. Also the accounts
// and tokens of e2e/api-console.spec.ts (e2e/api-fixtures.ts).
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { orgMembers, orgs, personalAccessTokens, users } from "@/db/schema";
import { hashPassword } from "@/lib/accounts/passwords";
import { hashToken } from "@/lib/core/tokens";
import { API_FUZZ_ORG, API_PEOPLE, API_TOKENS } from "./api-fixtures";
import { PASSWORD } from "./fixtures-data";

let passwordHash: Promise<string> | undefined;

/** An account (verified address `<username>@example.com`, the e2e password), made once; its id. */
export async function seedPerson(
  db: Db,
  p: { username: string; name?: string | null; platformAdmin?: boolean },
): Promise<string> {
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.username, p.username));
  if (existing) return existing.id;
  const [made] = await db
    .insert(users)
    .values({
      username: p.username,
      email: `${p.username}@example.com`,
      name: p.name ?? null,
      passwordHash: await (passwordHash ??= hashPassword(PASSWORD)),
      emailVerifiedAt: new Date(),
      isPlatformAdmin: p.platformAdmin ?? false,
    })
    .returning({ id: users.id });
  return made!.id;
}

/** A personal access token with a known value (`apolo_pat_` + 43 characters), made once. */
export async function seedToken(
  db: Db,
  t: { userId: string; name: string; token: string; scope: "read" | "write"; orgId?: string | null },
): Promise<void> {
  await db
    .insert(personalAccessTokens)
    .values({
      userId: t.userId,
      name: t.name,
      tokenHash: hashToken(t.token),
      hint: t.token.slice("apolo_pat_".length, "apolo_pat_".length + 4),
      scope: t.scope,
      orgId: t.orgId ?? null,
    })
    .onConflictDoNothing();
}

export async function seedApiAccounts(db: Db) {
  const ids: Record<string, string> = {};
  for (const username of Object.values(API_PEOPLE)) {
    ids[username] = await seedPerson(db, { username, platformAdmin: username === API_PEOPLE.fuzzer });
  }
  for (const t of Object.values(API_TOKENS)) {
    await seedToken(db, { userId: ids[t.user]!, name: t.name, token: t.token, scope: t.scope });
  }
  const [fuzzOrg] = await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.name, API_FUZZ_ORG));
  if (!fuzzOrg) {
    const [org] = await db.insert(orgs).values({ name: API_FUZZ_ORG }).returning({ id: orgs.id });
    await db.insert(orgMembers).values({ orgId: org!.id, userId: ids[API_PEOPLE.fuzzer]!, role: "admin" });
  }
}
