import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase } from "@/db/testing";
import type { Database, Db } from "@/db/client";
import { orgMembers, orgs, users } from "@/db/schema";
import type { OrgRole } from "../authz";
import { hashPassword } from "../passwords";
import { MemoryRateLimitStore } from "../rate-limit";

/** Gives the test file its own fresh database, opened before and closed after the file's tests. */
export function withTestDatabase(): { readonly db: Db; readonly database: Database } {
  let database: Database | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });
  return {
    get db() {
      return database!.db;
    },
    get database() {
      return database!;
    },
  };
}

export function uniqueName(prefix = "u"): string {
  return `${prefix}${randomBytes(5).toString("hex")}`;
}

export function testContext(clientAddress = "127.0.0.1") {
  return { limiter: new MemoryRateLimitStore(), clientAddress };
}

let cachedHash: Promise<string> | undefined;
export const TEST_PASSWORD = "correct horse battery";

/** Inserts an account directly (fast: the password hash is computed once per file). */
export async function makeUser(db: Db, username = uniqueName()) {
  const passwordHash = await (cachedHash ??= hashPassword(TEST_PASSWORD));
  const [user] = await db.insert(users).values({ username, email: `${username}@example.com`, passwordHash }).returning();
  return user!;
}

/** An org with members of the given roles; returns the org and an actor per member. */
export async function makeOrg(db: Db, members: Partial<Record<OrgRole, { id: string }>>) {
  const [org] = await db.insert(orgs).values({ name: uniqueName("org-") }).returning();
  for (const [role, user] of Object.entries(members)) {
    await db.insert(orgMembers).values({ orgId: org!.id, userId: user.id, role: role as OrgRole });
  }
  return org!;
}
