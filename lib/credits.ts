import { and, desc, eq, gte, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { rawRows } from "@/db/client";
import { creditLedger, jobs, orgMembers, orgs, payments, users } from "@/db/schema";
import { recordAudit } from "./audit";
import { csvDocument } from "./csv";
import {
  can,
  canGrant,
  requireActor,
  requireOrgAccess,
  roleAtLeast,
  withOrgLock,
  ORG_ROLES,
  type Actor,
} from "./authz";
import { Forbidden, Invalid, NotFound, RateLimited } from "./errors";
import { postLedger, stopExhaustedJobs } from "./ledger";
import { enqueueMail, mailCommitted, type MailMessage } from "./mail";
import { receiptMail } from "./mail-templates";
import { countLimitSchema, creditAmountSchema, creditLimitSchema, isNonPositive } from "./money";
import { formatMinor, type PaymentProvider, type Pricing } from "./payments";
import { priceInMinorUnits } from "./money";
import { isCreditAmount } from "./credits-amount";
import { requirePlatformAdmin } from "./platform";
import { consume, RATE_LIMITS } from "./rate-limit";
import type { Services } from "./services";
import { MAX_LENGTH, pagingShape, parseInput } from "./validation";

export const TOP_UP_PRESETS = ["10", "100", "1000"] as const;
const topUpSchema = z.object({ credits: creditAmountSchema("1", "100000", "Amount") });

/** The Credits page header: org balance and spending, the caller's own limit and spending, what they may do. */
export async function getCreditsSummary(db: Db, actor: Actor, orgName: string) {
  const access = await requireOrgAccess(db, actor, orgName, "org.view");
  const [me] = await db
    .select({ creditLimit: orgMembers.creditLimit, spent: orgMembers.spent, maxRunningJobs: orgMembers.maxRunningJobs })
    .from(orgMembers)
    .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, actor!.userId)));
  return {
    org: access.org.name,
    role: access.role,
    balance: access.org.balance,
    spent: access.org.spent,
    lowBalance: access.org.notifiedThreshold !== null,
    me: { creditLimit: me?.creditLimit ?? null, spent: me?.spent ?? "0", maxRunningJobs: me?.maxRunningJobs ?? null },
    canTopUp: roleAtLeast(access.role, access.org.topUpMinRole),
    seesAllLedger: can(access.role, "ledger.viewAll"),
    topUpMinRole: access.org.topUpMinRole,
    defaultUserCreditLimit: access.org.defaultUserCreditLimit,
  };
}

const ledgerQuerySchema = z.object({
  kind: z.enum(["topup", "grant", "charge", "adjustment"]).optional().catch(undefined),
  member: z.string().trim().max(MAX_LENGTH.usernameFilter).optional().catch(undefined),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
  ...pagingShape(50),
});

async function ledgerWhere(db: Db, actor: Actor, orgName: string, query: unknown) {
  const access = await requireOrgAccess(db, actor, orgName, "org.view");
  const q = ledgerQuerySchema.parse(query ?? {});
  const filters: SQL[] = [eq(creditLedger.orgId, access.org.id)];
  // Users see what was added to the balance and their own usage; managers and admins see everything.
  if (!can(access.role, "ledger.viewAll")) {
    filters.push(or(inArray(creditLedger.kind, ["topup", "grant"]), eq(creditLedger.memberId, actor!.userId))!);
  }
  if (q.kind) filters.push(eq(creditLedger.kind, q.kind));
  if (q.member)
    filters.push(sql`${creditLedger.memberId} = (select id from users where username = ${q.member.toLowerCase()})`);
  if (q.from) filters.push(gte(creditLedger.createdAt, new Date(`${q.from}T00:00:00Z`)));
  if (q.to) filters.push(lt(creditLedger.createdAt, new Date(new Date(`${q.to}T00:00:00Z`).getTime() + 86_400_000)));
  return { where: and(...filters), q, access };
}

const member = users;

function ledgerSelect(db: Db) {
  return db
    .select({
      id: creditLedger.id,
      createdAt: creditLedger.createdAt,
      kind: creditLedger.kind,
      amount: creditLedger.amount,
      balanceAfter: creditLedger.balanceAfter,
      actor: sql<string | null>`(select username from users a where a.id = ${creditLedger.actorId})`,
      member: member.username,
      jobName: jobs.name,
      note: creditLedger.note,
    })
    .from(creditLedger)
    .leftJoin(member, eq(member.id, creditLedger.memberId))
    .leftJoin(jobs, eq(jobs.id, creditLedger.jobId));
}

/** The ledger, newest first, filtered by kind, member and date range (UTC days), paged in the database. */
export async function listLedger(db: Db, actor: Actor, orgName: string, query: unknown) {
  const { where, q } = await ledgerWhere(db, actor, orgName, query);
  const [rows, [total]] = await Promise.all([
    ledgerSelect(db)
      .where(where)
      .orderBy(desc(creditLedger.createdAt), desc(creditLedger.id))
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(creditLedger)
      .where(where),
  ]);
  return { rows, total: total?.n ?? 0, query: q };
}

export const CSV_EXPORT_LIMIT = 100_000;

/** The same view as CSV (filters apply, no paging; at most CSV_EXPORT_LIMIT rows). */
export async function exportLedgerCsv(db: Db, actor: Actor, orgName: string, query: unknown): Promise<string> {
  const { where } = await ledgerWhere(db, actor, orgName, query);
  const rows = await ledgerSelect(db)
    .where(where)
    .orderBy(desc(creditLedger.createdAt), desc(creditLedger.id))
    .limit(CSV_EXPORT_LIMIT);
  return csvDocument(
    ["time", "kind", "amount", "balance_after", "actor", "member", "job", "note"],
    rows.map((r) => [r.createdAt, r.kind, r.amount, r.balanceAfter, r.actor, r.member, r.jobName, r.note]),
  );
}

/**
 * Starts a top-up: a pending payment row, then the provider's checkout. Every member may top up unless an
 * admin raised the minimum role. Rate-limited per account.
 */
export async function createTopUp(
  db: Db,
  actor: Actor,
  orgName: string,
  input: unknown,
  svc: Pick<Services, "limiter" | "appUrl"> & { provider: PaymentProvider; pricing: Pricing },
) {
  const { userId } = requireActor(actor);
  const { credits } = parseInput(topUpSchema, input);
  const access = await requireOrgAccess(db, actor, orgName, "credits.topup");
  if (!roleAtLeast(access.role, access.org.topUpMinRole)) {
    throw new Forbidden(`In ${orgName}, only ${access.org.topUpMinRole}s and above can top up.`);
  }
  const limited = await consume(svc.limiter, `topup:${userId}`, RATE_LIMITS.paymentsPerAccount);
  if (!limited.ok) throw new RateLimited(limited.retryAfterSec);
  const [me] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  const amountMinor = priceInMinorUnits(credits, svc.pricing.pricePerCredit, svc.pricing.currency);
  const [payment] = await db
    .insert(payments)
    .values({
      orgId: access.org.id,
      userId,
      provider: svc.provider.kind,
      credits,
      amountMinor,
      currency: svc.pricing.currency,
    })
    .returning();
  const back = `${svc.appUrl}/orgs/${orgName}/credits`;
  const checkout = await svc.provider.createCheckout({
    paymentId: payment!.id,
    orgName,
    payerEmail: me?.email ?? null,
    credits,
    amountMinor,
    currency: svc.pricing.currency,
    successUrl: `${back}?payment=${payment!.id}`,
    cancelUrl: `${back}?payment=${payment!.id}&cancelled=1`,
  });
  if (checkout.ref) await db.update(payments).set({ providerRef: checkout.ref }).where(eq(payments.id, payment!.id));
  return { paymentId: payment!.id, url: checkout.url, credits, amountMinor, currency: svc.pricing.currency };
}

/** A pending or finished payment, for its payer (the sandbox checkout page and the return to Credits). */
export async function getPayment(db: Db, actor: Actor, orgName: string, paymentId: string) {
  const access = await requireOrgAccess(db, actor, orgName, "org.view");
  if (!z.uuid().safeParse(paymentId).success) throw new NotFound("Payment not found");
  const [p] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.id, paymentId), eq(payments.orgId, access.org.id), eq(payments.userId, actor!.userId)));
  if (!p) throw new NotFound("Payment not found");
  return { ...p, amount: formatMinor(p.amountMinor, p.currency) };
}

export type CompletionInput =
  | { provider: "sandbox"; paymentId: string }
  | { provider: "stripe"; ref: string; amountMinor: number | null; currency: string | null; paymentId?: string | null };

/**
 * Completes a payment: the only code path that credits a top-up, used by the sandbox's Pay and by the Stripe
 * webhook. In one transaction: the payment is claimed (pending → paid), the balance rises and the ledger row
 * is written under the key `payment:<id>`, so a replay changes nothing. A Stripe amount or currency that
 * disagrees with the stored payment marks it failed and credits nothing.
 */
export async function completePayment(db: Db, input: CompletionInput, svc: Pick<Services, "mailer" | "appUrl">) {
  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const result = await db.transaction(async (tx) => {
    const where =
      input.provider === "sandbox"
        ? and(eq(payments.id, input.paymentId), eq(payments.provider, "sandbox"))
        : and(eq(payments.provider, "stripe"), eq(payments.providerRef, input.ref));
    const [p] = await tx.select().from(payments).where(where).for("update");
    if (!p) return { outcome: "unknown" as const };
    if (p.status !== "pending") return { outcome: "already" as const, status: p.status };
    if (
      input.provider === "stripe" &&
      (input.amountMinor !== p.amountMinor ||
        input.currency?.toLowerCase() !== p.currency ||
        (input.paymentId && input.paymentId !== p.id))
    ) {
      await tx.update(payments).set({ status: "failed", completedAt: new Date() }).where(eq(payments.id, p.id));
      return { outcome: "mismatch" as const };
    }
    await tx.update(payments).set({ status: "paid", completedAt: new Date() }).where(eq(payments.id, p.id));
    const posted = await postLedger(
      tx,
      {
        orgId: p.orgId,
        kind: "topup",
        amount: p.credits,
        actorId: p.userId,
        paymentId: p.id,
        idempotencyKey: `payment:${p.id}`,
      },
      svc.appUrl,
    );
    const [org] = await tx.select({ name: orgs.name }).from(orgs).where(eq(orgs.id, p.orgId));
    const [payer] = p.userId ? await tx.select({ email: users.email }).from(users).where(eq(users.id, p.userId)) : [];
    if (posted) {
      mails.push(...posted.mails);
      if (payer?.email) {
        mails.push(
          receiptMail({
            to: payer.email,
            orgName: org!.name,
            credits: p.credits,
            amount: formatMinor(p.amountMinor, p.currency),
            currency: p.currency,
            balance: posted.balanceAfter,
            link: `${svc.appUrl}/orgs/${org!.name}/credits`,
          }),
        );
      }
    }
    mailIds = await enqueueMail(tx, mails);
    return { outcome: "paid" as const, orgName: org!.name, credits: p.credits, balance: posted?.balanceAfter };
  });
  await mailCommitted(svc, db, mailIds);
  return result;
}

/** The payer pays in the sandbox checkout: completes through completePayment, like a webhook would. */
export async function paySandboxPayment(
  db: Db,
  actor: Actor,
  orgName: string,
  paymentId: string,
  svc: Pick<Services, "mailer" | "appUrl">,
) {
  const p = await getPayment(db, actor, orgName, paymentId);
  if (p.provider !== "sandbox") throw new Forbidden("This payment is not a sandbox payment.");
  return completePayment(db, { provider: "sandbox", paymentId: p.id }, svc);
}

/** The payer cancels a pending checkout (sandbox Cancel, or back from Stripe's cancel URL). */
export async function cancelPayment(db: Db, actor: Actor, orgName: string, paymentId: string) {
  const p = await getPayment(db, actor, orgName, paymentId);
  // A Stripe session stays payable on Stripe's side: it is settled by its own events (expired / paid), never here.
  if (p.provider !== "sandbox") throw new Forbidden("A Stripe checkout is cancelled on Stripe's page.");
  const [updated] = await db
    .update(payments)
    .set({ status: "cancelled", completedAt: new Date() })
    .where(and(eq(payments.id, p.id), eq(payments.status, "pending")))
    .returning({ id: payments.id });
  return { cancelled: Boolean(updated), status: updated ? "cancelled" : p.status };
}

const grantSchema = z.object({
  org: z.string().trim().min(1, "Choose an organization."),
  mode: z.enum(["add", "set"]).default("add"),
  amount: z
    .string()
    .trim()
    .refine((v) => isCreditAmount(v, { maxDigits: 12, signed: true }), "Enter an amount with at most two decimals."),
  note: z.string().trim().max(MAX_LENGTH.description).optional(),
});

/**
 * Platform admins grant credits without payment (add), or set the balance to an amount (the ledger records
 * the difference). Recorded as a grant with the admin as actor.
 */
export async function grantCredits(db: Db, actor: Actor, input: unknown, svc: Pick<Services, "mailer" | "appUrl">) {
  const admin = await requirePlatformAdmin(db, actor);
  const data = parseInput(grantSchema, input);
  if (data.mode === "add" && isNonPositive(data.amount)) throw new Invalid({ amount: ["A grant must be positive."] });
  const mails: MailMessage[] = [];
  let mailIds: number[] = [];
  const result = await db.transaction(async (tx) => {
    const [org] = await tx.select().from(orgs).where(eq(orgs.name, data.org)).for("update");
    if (!org) throw new Invalid({ org: [`No organization named '${data.org}'.`] });
    const [{ delta } = { delta: "0" }] = await rawRows<{ delta: string }>(
      tx,
      data.mode === "set"
        ? sql`select (${data.amount}::numeric - ${org.balance}::numeric)::text as delta`
        : sql`select ${data.amount}::numeric::text as delta`,
    );
    const posted = await postLedger(
      tx,
      {
        orgId: org.id,
        kind: "grant",
        amount: delta,
        actorId: admin.userId,
        note: data.note ?? (data.mode === "set" ? `balance set to ${data.amount}` : null),
      },
      svc.appUrl,
    );
    await recordAudit(tx, {
      org: { id: org.id, name: org.name },
      actor: { id: admin.userId, username: admin.username },
      action: "credits.granted",
      target: { type: "org", id: org.id, label: org.name },
      before: { balance: org.balance },
      after: { balance: posted!.balanceAfter, mode: data.mode },
    });
    mails.push(...posted!.mails);
    mailIds = await enqueueMail(tx, mails);
    return { org: org.name, balance: posted!.balanceAfter, delta };
  });
  await mailCommitted(svc, db, mailIds);
  return result;
}

const quotaSchema = z.object({
  username: z.string().trim().min(1, "Choose a member."),
  creditLimit: creditLimitSchema,
  maxRunningJobs: countLimitSchema,
});

/**
 * Managers and admins set a member's credit limit and max running jobs (null = unlimited). Managers can't
 * touch an admin. Lowering a limit below what the member already spent stops their running jobs.
 */
export async function setMemberQuota(db: Db, actor: Actor, orgName: string, input: unknown) {
  const data = parseInput(quotaSchema, input);
  return withOrgLock(db, actor, orgName, "quotas.set", async (tx, access) => {
    const [target] = await tx
      .select({
        userId: orgMembers.userId,
        role: orgMembers.role,
        creditLimit: orgMembers.creditLimit,
        maxRunningJobs: orgMembers.maxRunningJobs,
      })
      .from(orgMembers)
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.username, data.username)));
    if (!target) throw new NotFound(`'${data.username}' is not a member of this organization.`);
    if (!canGrant(access.role, target.role)) throw new Forbidden("Managers can't change an admin's quotas.");
    await tx
      .update(orgMembers)
      .set({ creditLimit: data.creditLimit, maxRunningJobs: data.maxRunningJobs })
      .where(and(eq(orgMembers.orgId, access.org.id), eq(orgMembers.userId, target.userId)));
    const [me] = await tx.select({ username: users.username }).from(users).where(eq(users.id, actor!.userId));
    await recordAudit(tx, {
      org: access.org,
      actor: { id: actor!.userId, username: me!.username },
      action: "member.quota_changed",
      target: { type: "user", id: target.userId, label: data.username },
      before: { creditLimit: target.creditLimit, maxRunningJobs: target.maxRunningJobs },
      after: { creditLimit: data.creditLimit, maxRunningJobs: data.maxRunningJobs },
    });
    const stopped = await stopExhaustedJobs(tx, access.org.id);
    return {
      username: data.username,
      creditLimit: data.creditLimit,
      maxRunningJobs: data.maxRunningJobs,
      stoppedJobs: stopped.length,
    };
  });
}

const orgCreditSettingsSchema = z.object({
  defaultUserCreditLimit: creditLimitSchema.optional(),
  topUpMinRole: z.enum(ORG_ROLES).optional(),
});

/**
 * Org credit settings: the default credit limit of new members with role user (managers and admins), and the
 * lowest role allowed to top up (admins only).
 */
export async function setOrgCreditSettings(db: Db, actor: Actor, orgName: string, input: unknown) {
  const data = parseInput(orgCreditSettingsSchema, input);
  const permission = data.topUpMinRole !== undefined ? "org.updateSettings" : "quotas.set";
  return withOrgLock(db, actor, orgName, permission, async (tx, access) => {
    const changes: Partial<typeof orgs.$inferInsert> = {};
    if (data.defaultUserCreditLimit !== undefined) changes.defaultUserCreditLimit = data.defaultUserCreditLimit;
    if (data.topUpMinRole !== undefined) changes.topUpMinRole = data.topUpMinRole;
    if (Object.keys(changes).length === 0) return { changed: false };
    await tx.update(orgs).set(changes).where(eq(orgs.id, access.org.id));
    const [me] = await tx.select({ username: users.username }).from(users).where(eq(users.id, actor!.userId));
    await recordAudit(tx, {
      org: access.org,
      actor: { id: actor!.userId, username: me!.username },
      action: "org.credit_settings_changed",
      target: { type: "org", id: access.org.id, label: access.org.name },
      before: { defaultUserCreditLimit: access.org.defaultUserCreditLimit, topUpMinRole: access.org.topUpMinRole },
      after: changes,
    });
    return { changed: true };
  });
}
