// Seeds what the browser tests need before the server starts: an org with 65 members (for paging and the
// screenshot of a full Users tab), run against the same database the server will use. Idempotent.
import { eq } from "drizzle-orm";
import { openDatabase } from "@/db/client";
import { orgMembers, orgs, users } from "@/db/schema";
import { hashPassword } from "@/lib/accounts/passwords";
import { seedDefaultCluster } from "@/lib/compute/internal";
import { systemCaller } from "@/lib/core/caller";
import { seedApiAccounts } from "./api-seed";
import { BIG_ORG, BIG_ORG_ADMIN, BIG_ORG_MEMBERS, PASSWORD } from "./fixtures-data";
import { seedApoloProjects } from "./seed-apolo-projects";
import { seedApiConfig } from "./api-config-seed";
import { seedApiOrgs } from "./seed-api-orgs";
import { seedProjection } from "./seed-projection";
import { seedAutoTopUp } from "./seed-auto-topup";
import { seedHugeOrg } from "./seed-huge-org";
import { insertOrgWithAdmin } from "./seed-org";

const database = await openDatabase({
  url: process.env.DATABASE_URL || undefined,
  dataDir: process.env.PGLITE_DATA_DIR || undefined,
});
await database.migrate();
const db = database.db;
const [existing] = await db.select().from(orgs).where(eq(orgs.name, BIG_ORG));
if (!existing) {
  const passwordHash = await hashPassword(PASSWORD);
  await db.transaction(async (tx) => {
    const org = await insertOrgWithAdmin(tx, {
      name: BIG_ORG,
      displayName: "Big Research Lab",
      admin: BIG_ORG_ADMIN,
      passwordHash,
    });
    const people = await tx
      .insert(users)
      .values(
        Array.from({ length: BIG_ORG_MEMBERS }, (_, i) => {
          const username = `member-${String(i + 1).padStart(3, "0")}`;
          return { username, email: `${username}@example.com`, name: `Member ${i + 1}`, passwordHash };
        }),
      )
      .returning({ id: users.id });
    await tx.insert(orgMembers).values(
      people.map((p, i) => ({
        orgId: org.id,
        userId: p.id,
        role: i % 10 === 0 ? ("manager" as const) : ("user" as const),
        createdAt: new Date(Date.now() - (BIG_ORG_MEMBERS - i) * 3_600_000),
      })),
    );
  });
  console.log(`[e2e seed] ${BIG_ORG} with ${BIG_ORG_MEMBERS + 1} members`);
}
// The default cluster the server seeds at start (SEED_DEFAULT_CLUSTER) only when there is no cluster at all: the
// seeds below add clusters, so it is seeded here first (big-lab joins it, as at server start), and new orgs made
// in the specs land on it.
await seedDefaultCluster(db, systemCaller("startup"));
await seedApoloProjects(db);
// The API (issue 13): people with known tokens for e2e/api-config.spec.ts.
await seedApiConfig(db);
await seedApiOrgs(db);
// The API specs' accounts and tokens (e2e/api-fixtures.ts).
await seedApiAccounts(db);
await seedProjection(db); // Issue 16: an org that spends and one that doesn't (e2e/projection.spec.ts).
await seedAutoTopUp(db); // issue 16: e2e/auto-topup.spec.ts
await seedHugeOrg(db); // issue 14: the Users tab past the search count's cap (e2e/members.spec.ts)
await database.close();
