// Seeds the people, org and personal access tokens of e2e/api-admin-orgs.spec.ts (tokens with known values:
// the console shows a token only once, and the spec talks to the API like the `apolo` CLI). Idempotent.
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { orgMembers, orgs, personalAccessTokens, users } from "@/db/schema";
import { hashPassword } from "@/lib/accounts/passwords";
import { hashToken } from "@/lib/core/tokens";
import { API_ADMIN_OTHER_ORG, API_ADMIN_READ_ONLY, API_ORG, API_OTHER_ORG, API_PEOPLE } from "./api-orgs-data";
import { PASSWORD } from "./fixtures-data";

export async function seedApiOrgs(db: Db) {
  const [existing] = await db.select().from(orgs).where(eq(orgs.name, API_ORG));
  if (existing) return;
  const passwordHash = await hashPassword(PASSWORD);
  await db.transaction(async (tx) => {
    const ids: Record<string, string> = {};
    for (const [key, p] of Object.entries(API_PEOPLE)) {
      const [u] = await tx
        .insert(users)
        .values({
          username: p.username,
          email: `${p.username}@example.com`,
          name: p.name,
          passwordHash,
          emailVerifiedAt: new Date(),
          isPlatformAdmin: key === "operator",
        })
        .returning({ id: users.id });
      ids[key] = u!.id;
      await tx.insert(personalAccessTokens).values({
        userId: u!.id,
        name: `e2e ${key}`,
        tokenHash: hashToken(p.token),
        hint: p.token.slice(10, 14),
        scope: "write",
      });
    }
    const [org] = await tx.insert(orgs).values({ name: API_ORG }).returning();
    const [other] = await tx.insert(orgs).values({ name: API_OTHER_ORG }).returning();
    await tx.insert(orgMembers).values([
      { orgId: org!.id, userId: ids.admin!, role: "admin" },
      { orgId: org!.id, userId: ids.manager!, role: "manager" },
      { orgId: org!.id, userId: ids.user!, role: "user", creditLimit: "40", spent: "0" },
      { orgId: other!.id, userId: ids.admin!, role: "admin" },
    ]);
    await tx.insert(personalAccessTokens).values([
      {
        userId: ids.admin!,
        name: "e2e admin read-only",
        tokenHash: hashToken(API_ADMIN_READ_ONLY),
        hint: API_ADMIN_READ_ONLY.slice(10, 14),
        scope: "read",
      },
      {
        userId: ids.admin!,
        name: "e2e admin other org",
        tokenHash: hashToken(API_ADMIN_OTHER_ORG),
        hint: API_ADMIN_OTHER_ORG.slice(10, 14),
        scope: "write",
        orgId: other!.id,
      },
    ]);
  });
  console.log(`[e2e seed] ${API_ORG} with API tokens`);
}
