// An org of 1,200 members (and its admin) for the Users tab past the search count's cap, in set-based statements.
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { orgs } from "@/db/schema";
import { hashPassword } from "@/lib/accounts/passwords";
import { insertOrgWithAdmin } from "./seed-org";
import { HUGE_ORG, HUGE_ORG_ADMIN, HUGE_ORG_MEMBERS, PASSWORD } from "./fixtures-data";

export async function seedHugeOrg(db: Db) {
  const [existing] = await db.select().from(orgs).where(eq(orgs.name, HUGE_ORG));
  if (existing) return;
  const passwordHash = await hashPassword(PASSWORD);
  await db.transaction(async (tx) => {
    const org = await insertOrgWithAdmin(tx, {
      name: HUGE_ORG,
      displayName: "Huge Lab",
      admin: HUGE_ORG_ADMIN,
      passwordHash,
    });
    // Nobody signs in as these members: no password.
    await tx.execute(sql`
      insert into users (username, email, name)
      select ${HUGE_ORG} || '-m' || lpad(i::text, 4, '0'), ${HUGE_ORG} || '-m' || i || '@example.com', 'Huge Member ' || i
      from generate_series(1, ${HUGE_ORG_MEMBERS}) as i`);
    await tx.execute(sql`
      insert into org_members (org_id, user_id, role)
      select ${org.id}, id, (case when right(username, 4)::int % 10 = 0 then 'manager' else 'user' end)::org_role
      from users where username like ${`${HUGE_ORG}-m%`}`);
  });
  console.log(`[e2e seed] ${HUGE_ORG} with ${HUGE_ORG_MEMBERS + 1} members`);
}
