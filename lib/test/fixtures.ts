import { randomBytes } from "node:crypto";
import type { ProjectRole } from "../projects/access";
import { afterAll, beforeAll, expect } from "vitest";
import { createTestDatabase } from "@/db/testing";
import type { Database, Db } from "@/db/client";
import { eq, sql } from "drizzle-orm";
import {
  clusters,
  invitations,
  jobs,
  orgClusters,
  orgMembers,
  orgs,
  presets,
  projectMembers,
  projects,
  users,
} from "@/db/schema";
import type { OrgRole } from "../core/authz";
import { installConfig, installedConfig, parseConfig, type Env } from "../core/config";
import { systemCaller, userCaller } from "../core/caller";
import { Invalid } from "../core/errors";
import { acceptInvitation, inviteMembers, listMyInvitations } from "../orgs/invitations";
import { postLedger } from "../billing/ledger";
import { deliverOutbox, type Mailer, type MailMessage, type MailQueue } from "../mail/mail";
import { SandboxProvider, type CheckoutRequest, type PaymentProvider, type Pricing } from "../billing/payments";
import { hashPassword } from "../accounts/passwords";
import { MemoryRateLimitStore } from "../core/rate-limit";
import type { Services } from "../core/services";
import { newToken } from "../core/tokens";

/** Runs `fn` with the settings of `env` (on top of a test server's, lib/test/setup.ts) installed for lib/. */
export async function withConfig<T>(env: Env, fn: () => Promise<T>): Promise<T> {
  const saved = installedConfig();
  installConfig(parseConfig({ NODE_ENV: "test", ...env }));
  try {
    return await fn();
  } finally {
    installConfig(saved);
  }
}

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
  // Accounts made here always have an address (only a verified claim by someone else takes it away).
  return { ...user!, email: user!.email! };
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
export const as = (u: { id: string }) => userCaller(u.id);

/** The system caller of the tests (as the runner tick, the webhook or the admin command would be). */
export const SYSTEM = systemCaller("test");

/**
 * The tests' mail: operations queue their mail in outbox_emails in their transaction, as in production; after
 * the commit (`committed`) this delivers exactly the rows that operation queued through the real worker code
 * (`deliverOutbox`), and keeps what it was handed, for asserting on recipients and links. Mail of a
 * transaction that rolled back has no rows, so it never arrives here.
 */
export class RecordingMailer implements Mailer, MailQueue {
  readonly kind = "memory" as const;
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage) {
    this.sent.push(message);
  }
  async committed(db: Db, ids: number[]) {
    await deliverOutbox(db, this, { ids });
  }
  /** The messages sent to `address` (case-insensitive). */
  to(address: string): MailMessage[] {
    return this.sent.filter((m) => m.to.toLowerCase() === address.toLowerCase());
  }
}

export const TEST_APP_URL = "http://console.test";

/** Services for operations that mail or count attempts: a fresh limiter, and a recording mailer unless given one. */
export function testServices<M extends MailQueue = RecordingMailer>(mailer?: M): Services & { mailer: M } {
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

/** Inserts an open invitation bound to an account (as an invitation by username makes): no address, no token. */
export async function makeAccountInvitation(
  db: Db,
  org: { id: string },
  opts: { inviteeId: string; role?: OrgRole; invitedById?: string | null; expiresAt?: Date },
) {
  const [inv] = await db
    .insert(invitations)
    .values({
      orgId: org.id,
      inviteeId: opts.inviteeId,
      email: null,
      tokenHash: null,
      role: opts.role ?? "user",
      invitedById: opts.invitedById ?? null,
      expiresAt: opts.expiresAt ?? new Date(Date.now() + 7 * 24 * 3600 * 1000),
    })
    .returning();
  return { id: inv!.id };
}

/** `inviter` invites `entries` (addresses or usernames, one a line) to the org as `role`, through inviteMembers. */
export function invite(
  db: Db,
  inviter: { id: string },
  orgName: string,
  entries: string,
  role: OrgRole,
  svc: Services = testServices(),
) {
  return inviteMembers(db, userCaller(inviter.id), orgName, { entries, role }, svc);
}

/**
 * How someone joins an org by username: `inviter` invites them (inviteMembers), they accept the invitation
 * from their own list (listMyInvitations → acceptInvitation). Throws unless they end up invited and joined.
 */
export async function joinByUsername(
  db: Db,
  org: { name: string },
  inviter: { id: string },
  person: { id: string; username: string },
  role: OrgRole = "user",
  svc: Services = testServices(),
) {
  const { results } = await invite(db, inviter, org.name, person.username, role, svc);
  if (results[0]?.outcome !== "invited") throw new Error(`not invited: ${JSON.stringify(results)}`);
  const mine = await listMyInvitations(db, userCaller(person.id));
  const inv = mine.invitations.find((i) => i.orgName === org.name);
  if (!inv) throw new Error(`${person.username} does not see the invitation to ${org.name}`);
  return acceptInvitation(db, userCaller(person.id), { id: inv.id });
}

/** Marks an account's address as proven. */
export async function verifyUser(db: Db, user: { id: string }) {
  await db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, user.id));
}

// ---------------------------------------------------------------------------------------------- credits

/** An account with users.is_platform_admin set (an operator), in no org. */
export async function makePlatformAdmin(db: Db, username = uniqueName("op")) {
  const user = await makeUser(db, username);
  await db.update(users).set({ isPlatformAdmin: true }).where(eq(users.id, user.id));
  return { ...user, isPlatformAdmin: true };
}

type Cluster = typeof clusters.$inferSelect;
type Preset = typeof presets.$inferSelect;

/**
 * A cluster with presets (name → credits per hour), inserted directly: the operator's own operations
 * (createCluster, createPreset) are tested in clusters.test.ts. External by default, so that the embedded
 * runner's tick (which charges every embedded cluster's jobs in the database) leaves it alone.
 */
export async function makeCluster(
  db: Db,
  opts: {
    name?: string;
    runner?: "embedded" | "external";
    isDefault?: boolean;
    presets?: Record<string, string>;
  } = {},
): Promise<Cluster & { presets: Record<string, Preset> }> {
  const [cluster] = await db
    .insert(clusters)
    .values({
      name: opts.name ?? uniqueName("cl-"),
      runner: opts.runner ?? "external",
      isDefault: opts.isDefault ?? false,
    })
    .returning();
  const byName: Record<string, Preset> = {};
  for (const [name, creditsPerHour] of Object.entries(opts.presets ?? { small: "1" })) {
    const [p] = await db
      .insert(presets)
      .values({ clusterId: cluster!.id, name, cpu: "1", memoryMb: 1024, gpu: 0, creditsPerHour })
      .returning();
    byName[name] = p!;
  }
  return { ...cluster!, presets: byName };
}

/** Puts an org on a cluster, optionally with a max-running-jobs quota there. */
export async function addOrgToCluster(
  db: Db,
  org: { id: string },
  cluster: { id: string },
  maxRunningJobs: number | null = null,
) {
  await db.insert(orgClusters).values({ orgId: org.id, clusterId: cluster.id, maxRunningJobs });
}

/** Credits an org through the ledger (a grant without actor), so balance = Σ ledger holds in tests too. */
export async function fundOrg(db: Db, org: { id: string }, amount: string) {
  return db.transaction((tx) => postLedger(tx, { orgId: org.id, kind: "grant", amount, note: "test funding" }));
}

/** A running job inserted directly (no quota or credit checks), started at `startedAt` (default: now). */
export async function makeJob(
  db: Db,
  p: { org: { id: string }; user: { id: string }; cluster: { id: string }; preset: Preset; startedAt?: Date },
) {
  const start = p.startedAt ?? new Date();
  const [job] = await db
    .insert(jobs)
    .values({
      orgId: p.org.id,
      userId: p.user.id,
      clusterId: p.cluster.id,
      presetId: p.preset.id,
      presetName: p.preset.name,
      name: uniqueName("job-"),
      creditsPerHour: p.preset.creditsPerHour,
      startedAt: start,
      chargedUntil: start,
    })
    .returning();
  return job!;
}

/** Moves a job's start (and charged-until) to a known moment, for exact metering arithmetic. */
export async function setJobStart(db: Db, jobId: string, startedAt: Date) {
  await db.update(jobs).set({ startedAt, chargedUntil: startedAt }).where(eq(jobs.id, jobId));
}

/** A whole second `s` seconds before now: earlier than the database's now(), and exact to meter from. */
export function secondsAgo(s: number): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000 - s * 1000);
}

/** `at` moved by `s` seconds. */
export const plusSeconds = (at: Date, s: number) => new Date(at.getTime() + s * 1000);

/** Meters a job's usage up to each step in turn (seconds after `from`, idempotency key), as its runner would. */
export async function meterSteps(db: Db, jobId: string, from: Date, steps: readonly (readonly [number, string])[]) {
  const { meterUsage } = await import("../compute/internal");
  for (const [seconds, key] of steps)
    await meterUsage(db, SYSTEM, [{ jobId, until: plusSeconds(from, seconds), idempotencyKey: key }], testServices());
}

/** round(n / d, scale) (half up, n, d ≥ 0) as PostgreSQL prints a numeric of that scale, computed with integers. */
export function decimalQuotient(n: number | bigint, d: number | bigint, scale = 8): string {
  const num = BigInt(n) * 10n ** BigInt(scale);
  const den = BigInt(d);
  const digits = ((2n * num + den) / (2n * den)).toString().padStart(scale + 1, "0");
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/**
 * An org's balance, the sum of its ledger, its spent total and the sum of its charges, as exact numeric(24,8)
 * text computed in SQL (so "0.30000000", never a float).
 */
export async function ledgerTotals(db: Db, org: { id: string }) {
  const result = (await db.execute(sql`
    select o.balance::text as balance,
           o.spent::text as spent,
           (select coalesce(sum(l.amount), 0)::numeric(24, 8)::text from credit_ledger l where l.org_id = o.org_id) as "ledgerSum",
           (select coalesce(-sum(l.amount), 0)::numeric(24, 8)::text from credit_ledger l
             where l.org_id = o.org_id and l.kind = 'charge') as charged,
           (select count(*)::int from credit_ledger l where l.org_id = o.org_id) as entries
    from org_wallets o where o.org_id = ${org.id}
  `)) as unknown as {
    rows: { balance: string; spent: string; ledgerSum: string; charged: string; entries: number }[];
  };
  return result.rows[0]!;
}

export const TEST_PRICING: Pricing = { pricePerCredit: "1.00", currency: "usd" };

/** Services for top-ups: the sandbox provider, one credit for 1.00 USD, a fresh limiter and a recording mailer. */
export function paymentServices<M extends MailQueue = RecordingMailer>(
  mailer?: M,
  provider: PaymentProvider = new SandboxProvider(TEST_APP_URL),
) {
  return { ...testServices(mailer), provider, pricing: TEST_PRICING };
}

/**
 * Stands in for Stripe Checkout (no network): hands out session ids like Stripe's, so completePayment's
 * webhook path (provider "stripe", matched by session id) can be driven with the amounts a webhook would carry.
 */
export class FakeStripeProvider implements PaymentProvider {
  readonly kind = "stripe" as const;
  readonly sessions: (CheckoutRequest & { ref: string })[] = [];
  async createCheckout(req: CheckoutRequest) {
    const ref = `cs_test_${randomBytes(12).toString("hex")}`;
    this.sessions.push({ ...req, ref });
    return { url: `https://checkout.stripe.test/c/${ref}`, ref };
  }
}

/** The per-field messages of a call that must fail with Invalid (the test fails if it succeeds or fails otherwise). */
export function fieldErrorsOf(p: Promise<unknown>) {
  return p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(Invalid);
      return (e as Invalid).fieldErrors;
    },
  );
}

/**
 * A project of an org on a cluster, inserted directly (the operations are tested in lib/projects), with
 * members by user id → project role. The org must be on the cluster and the members in the org.
 */
export async function makeProject(
  db: Db,
  p: {
    org: { id: string };
    cluster: { id: string };
    name?: string;
    members?: [{ id: string }, ProjectRole][];
    isDefault?: boolean;
    defaultRole?: ProjectRole;
  },
) {
  const [project] = await db
    .insert(projects)
    .values({
      orgId: p.org.id,
      clusterId: p.cluster.id,
      name: p.name ?? uniqueName("proj-"),
      isDefault: p.isDefault ?? false,
      defaultRole: p.defaultRole ?? "writer",
    })
    .returning();
  for (const [user, role] of p.members ?? []) {
    await db.insert(projectMembers).values({ projectId: project!.id, orgId: p.org.id, userId: user.id, role });
  }
  return project!;
}
