// Seeds the API specs' accounts and their personal access tokens (e2e/api-fixtures.ts). Idempotent.
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { personalAccessTokens, users } from "@/db/schema";
import { hashPassword } from "@/lib/accounts/passwords";
import { hashToken } from "@/lib/core/tokens";
import { API_PEOPLE, API_TOKENS } from "./api-fixtures";
import { PASSWORD } from "./fixtures-data";

export async function seedApiAccounts(db: Db) {
  const passwordHash = await hashPassword(PASSWORD);
  for (const username of Object.values(API_PEOPLE)) {
    await db
      .insert(users)
      .values({ username, email: `${username}@example.com`, passwordHash, emailVerifiedAt: new Date() })
      .onConflictDoNothing();
  }
  for (const t of Object.values(API_TOKENS)) {
    const [u] = await db.select({ id: users.id }).from(users).where(eq(users.username, t.user));
    await db
      .insert(personalAccessTokens)
      .values({
        userId: u!.id,
        name: t.name,
        tokenHash: hashToken(t.token),
        hint: t.token.slice("apolo_pat_".length, "apolo_pat_".length + 4),
        scope: t.scope,
      })
      .onConflictDoNothing();
  }
}
