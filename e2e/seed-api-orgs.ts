// Seeds the people, org and personal access tokens of e2e/api-admin-orgs.spec.ts (tokens with known values:
// the console shows a token only once, and the spec talks to the API like the `apolo` CLI). Idempotent.
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { orgMembers, orgs } from "@/db/schema";
import { seedPerson, seedToken } from "./api-seed";
import { API_ADMIN_OTHER_ORG, API_ADMIN_READ_ONLY, API_ORG, API_OTHER_ORG, API_PEOPLE } from "./api-orgs-data";

export async function seedApiOrgs(db: Db) {
  const [existing] = await db.select().from(orgs).where(eq(orgs.name, API_ORG));
  if (existing) return;
  const ids: Record<string, string> = {};
  for (const [key, p] of Object.entries(API_PEOPLE)) {
    ids[key] = await seedPerson(db, { username: p.username, name: p.name, platformAdmin: key === "operator" });
    await seedToken(db, { userId: ids[key]!, name: `e2e ${key}`, token: p.token, scope: "write" });
  }
  const [org] = await db.insert(orgs).values({ name: API_ORG }).returning();
  const [other] = await db.insert(orgs).values({ name: API_OTHER_ORG }).returning();
  await db.insert(orgMembers).values([
    { orgId: org!.id, userId: ids.admin!, role: "admin" },
    { orgId: org!.id, userId: ids.manager!, role: "manager" },
    { orgId: org!.id, userId: ids.user!, role: "user", creditLimit: "40", spent: "0" },
    { orgId: other!.id, userId: ids.admin!, role: "admin" },
  ]);
  await seedToken(db, { userId: ids.admin!, name: "e2e admin read-only", token: API_ADMIN_READ_ONLY, scope: "read" });
  await seedToken(db, {
    userId: ids.admin!,
    name: "e2e admin other org",
    token: API_ADMIN_OTHER_ORG,
    scope: "write",
    orgId: other!.id,
  });
  console.log(`[e2e seed] ${API_ORG} with API tokens`);
}
