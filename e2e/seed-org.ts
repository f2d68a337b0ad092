import type { Tx } from "@/db";
import { orgMembers, orgs, users } from "@/db/schema";

/** An org and its admin, a verified account that signs in with the seeds' password, in the seed's transaction. */
export async function insertOrgWithAdmin(
  tx: Tx,
  o: { name: string; displayName: string; admin: string; passwordHash: string },
) {
  const [admin] = await tx
    .insert(users)
    .values({
      username: o.admin,
      email: `${o.admin}@example.com`,
      passwordHash: o.passwordHash,
      emailVerifiedAt: new Date(),
    })
    .returning();
  const [org] = await tx.insert(orgs).values({ name: o.name, displayName: o.displayName }).returning();
  await tx.insert(orgMembers).values({ orgId: org!.id, userId: admin!.id, role: "admin" });
  return org!;
}
