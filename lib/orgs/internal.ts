/**
 * System-only org operations, for `npm run admin` on the server: granting the platform admin flag and adding a
 * member without an invitation. They accept only the system caller; nothing a browser or a personal token
 * reaches calls them. scripts/ reaches them as `internal` from lib/orgs's index.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "@/db";
import { users } from "@/db/schema";
import { requireSystem, type Caller } from "../core/caller";
import { NotFound } from "../core/errors";
import type { Services } from "../core/services";
import { recordAudit } from "./audit";
import { addMemberDirectly } from "./membership";

/** `npm run admin -- grant-platform-admin NAME`: run by the operator on the server, not by a person in the console. */
export async function grantPlatformAdmin(db: Db, caller: Caller, username: string): Promise<void> {
  requireSystem(caller);
  await db.transaction(async (tx) => {
    const [before] = await tx
      .select({ id: users.id, flag: users.isPlatformAdmin })
      .from(users)
      .where(and(eq(users.username, username), isNull(users.deletedAt)))
      .for("update");
    if (!before) throw new NotFound(`No account with the username '${username}'.`);
    await tx.update(users).set({ isPlatformAdmin: true }).where(eq(users.id, before.id));
    // A system operation (the admin command on the server): no actor.
    await recordAudit(tx, {
      org: null,
      actor: null,
      action: "platform_admin.granted",
      target: { type: "user", id: before.id, label: username },
      before: { isPlatformAdmin: before.flag },
      after: { isPlatformAdmin: true, by: "system" },
    });
  });
}

/** `npm run admin -- add-member ORG NAME [ROLE]`: adds the account at once, as the system (no actor). */
export async function addMemberAsSystem(db: Db, caller: Caller, input: unknown, svc?: Services) {
  requireSystem(caller);
  return addMemberDirectly(db, null, input, svc);
}
