import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { createTestDatabase } from "@/db/testing";
import type { Database, Db } from "@/db/client";
import { eq } from "drizzle-orm";
import { invitations, orgMembers, orgs, users } from "@/db/schema";
import type { OrgRole } from "../authz";
import type { Mailer, MailMessage } from "../mail";
import { hashPassword } from "../passwords";
import { MemoryRateLimitStore } from "../rate-limit";
import type { Services } from "../services";
import { newToken } from "../tokens";

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
export async function makeUser(
  db: Db,
  username = uniqueName(),
  extra: { email?: string; name?: string | null; verified?: boolean } = {},
) {
  const passwordHash = await (cachedHash ??= hashPassword(TEST_PASSWORD));
  const [user] = await db
    .insert(users)
    .values({
      username,
      email: extra.email ?? `${username}@example.com`,
      name: extra.name ?? null,
      passwordHash,
      emailVerifiedAt: extra.verified ? new Date() : null,
    })
    .returning();
  return user!;
}

/** An org with members of the given roles; returns the org and an actor per member. */
export async function makeOrg(db: Db, members: Partial<Record<OrgRole, { id: string }>>) {
  const [org] = await db
    .insert(orgs)
    .values({ name: uniqueName("org-") })
    .returning();
  for (const [role, user] of Object.entries(members)) {
    await db.insert(orgMembers).values({ orgId: org!.id, userId: user.id, role: role as OrgRole });
  }
  return org!;
}

/** Adds one more member to an org (makeOrg takes one person per role). */
export async function addMember(db: Db, org: { id: string }, user: { id: string }, role: OrgRole, joinedAt?: Date) {
  await db
    .insert(orgMembers)
    .values({ orgId: org.id, userId: user.id, role, ...(joinedAt ? { createdAt: joinedAt } : {}) });
}

/** The caller as lib functions take it. */
export const as = (u: { id: string }) => ({ userId: u.id });

/** A Mailer that keeps what it was asked to send, for asserting on recipients and links. */
export class RecordingMailer implements Mailer {
  readonly kind = "outbox" as const;
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage) {
    this.sent.push(message);
  }
  /** The messages sent to `address` (case-insensitive). */
  to(address: string): MailMessage[] {
    return this.sent.filter((m) => m.to.toLowerCase() === address.toLowerCase());
  }
}

export const TEST_APP_URL = "http://console.test";

/** Services for operations that mail or count attempts: a fresh limiter, and a recording mailer unless given one. */
export function testServices<M extends Mailer = RecordingMailer>(mailer?: M): Services & { mailer: M } {
  return { mailer: (mailer ?? new RecordingMailer()) as M, appUrl: TEST_APP_URL, limiter: new MemoryRateLimitStore() };
}

/** The token of the first `<appUrl><path><token>` link in a text (invitation: "/invite/", verification: "/verify-email?token="). */
export function tokenFromLink(text: string, path = "/invite/"): string {
  const escaped = (TEST_APP_URL + path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${escaped}([A-Za-z0-9_-]+)`).exec(text);
  if (!m) throw new Error(`no ${path} link in: ${text}`);
  return m[1]!;
}

/** Inserts an open invitation directly; returns its id and the token that only the "mail" would carry. */
export async function makeInvitation(
  db: Db,
  org: { id: string },
  opts: { email: string; role?: OrgRole; invitedById?: string | null; expiresAt?: Date },
) {
  const { token, hash } = newToken();
  const [inv] = await db
    .insert(invitations)
    .values({
      orgId: org.id,
      email: opts.email,
      role: opts.role ?? "user",
      tokenHash: hash,
      invitedById: opts.invitedById ?? null,
      expiresAt: opts.expiresAt ?? new Date(Date.now() + 7 * 24 * 3600 * 1000),
    })
    .returning();
  return { id: inv!.id, token };
}

/** Marks an account's address as proven. */
export async function verifyUser(db: Db, user: { id: string }) {
  await db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, user.id));
}
