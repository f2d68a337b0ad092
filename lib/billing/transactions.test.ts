import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { isTransaction, withTransaction, type Tx } from "@/db/client";
import { jobs, orgs, orgWallets } from "@/db/schema";
import { withOrgLock } from "../core/authz";
import { meterUsage } from "../compute/internal";
import { recordAudit } from "../orgs/audit";
import { enqueueMail } from "../mail/mail";
import { postLedger, stopExhaustedJobs } from "./ledger";
import {
  as,
  fundOrg,
  ledgerTotals,
  makeCluster,
  makeJob,
  makeOrg,
  makeUser,
  secondsAgo,
  testServices,
  withTestDatabase,
  SYSTEM,
} from "../test/fixtures";

const t = withTestDatabase();
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe("Tx: helpers that must run under the caller's lock take a transaction", () => {
  it("handing them the pool is a type error", () => {
    // Never called: the point is that each line fails to compile without the @ts-expect-error.
    const typeChecks = () => {
      // @ts-expect-error postLedger needs a transaction (it relies on the caller's locks)
      void postLedger(t.db, { orgId: "x", kind: "grant", amount: "1" });
      // @ts-expect-error stopExhaustedJobs needs a transaction
      void stopExhaustedJobs(t.db, "x");
      // @ts-expect-error recordAudit is written in the transaction of the change
      void recordAudit(t.db, { org: null, actor: null, action: "org.created", target: { type: "org" } });
      // @ts-expect-error enqueueMail is written in the transaction of the change
      void enqueueMail(t.db, []);
    };
    expect(typeof typeChecks).toBe("function");
  });

  it("withTransaction opens a transaction on a Db and reuses a Tx passed in", async () => {
    const user = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin: user });
    expect(isTransaction(t.db)).toBe(false);
    let outer: Tx | undefined;
    let inner: Tx | undefined;
    await expect(
      withTransaction(t.db, async (tx) => {
        outer = tx;
        expect(isTransaction(tx)).toBe(true);
        await withTransaction(tx, async (again) => {
          inner = again;
          await postLedger(again, { orgId: org.id, kind: "grant", amount: "7" });
        });
        throw new Error("roll back everything");
      }),
    ).rejects.toThrow("roll back everything");
    expect(inner).toBe(outer);
    // The inner work was part of the outer transaction: rolled back with it.
    const [w] = await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org.id));
    expect(w!.balance).toBe("0.00000000");
    expect((await ledgerTotals(t.db, org)).entries).toBe(0);
  });
});

describe("the wallet row: charges and membership changes don't queue on each other", () => {
  it.skipIf(!onPostgres)("a charge commits while a membership change holds the org row locked", async () => {
    const admin = await makeUser(t.db);
    const member = await makeUser(t.db);
    const org = await makeOrg(t.db, { admin, user: member });
    const cluster = await makeCluster(t.db, { presets: { small: "3600" } });
    // 5 credits, 9 s at 1 credit/s: the charge empties the wallet (updated twice: balance, then the low-balance
    // mark) and stops the job (its row updated twice: settled, then stopped). A second update of a row in one
    // transaction re-checks its foreign keys, e.g. jobs.org_id: KEY SHARE on the org row, which must not wait
    // for the org lock either.
    await fundOrg(t.db, org, "5");
    const job = await makeJob(t.db, {
      org,
      user: member,
      cluster,
      preset: cluster.presets.small!,
      startedAt: secondsAgo(10),
    });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // A membership change (any withOrgLock operation) holding the org row …
    const membership = withOrgLock(t.db, as(admin), org.name, "members.changeRole", async (tx) => {
      await tx.update(orgs).set({ displayName: "held" }).where(eq(orgs.id, org.id));
      locked();
      await held;
    });
    await isLocked;
    // … doesn't delay a charge: it locks the wallet only (and its ledger row references the wallet).
    const charged = await Promise.race([
      meterUsage(
        t.db,
        SYSTEM,
        [{ jobId: job.id, until: secondsAgo(1), idempotencyKey: "while-locked" }],
        testServices(),
      ),
      new Promise<"blocked">((r) => setTimeout(() => r("blocked"), 5_000)),
    ]);
    release();
    await membership;
    expect(charged).not.toBe("blocked");
    expect((charged as { outcomes: { outcome: string }[] }).outcomes[0]!.outcome).toBe("charged");
    const totals = await ledgerTotals(t.db, org);
    expect(totals.balance).toBe("-4.00000000");
    expect(totals.balance).toBe(totals.ledgerSum);
    const [w] = await t.db.select().from(orgWallets).where(eq(orgWallets.orgId, org.id));
    expect(w!.notifiedThreshold).toBe("0.00000000");
    const [j] = await t.db.select().from(jobs).where(eq(jobs.id, job.id));
    expect(j).toMatchObject({ status: "stopped", stopReason: "QuotaExhausted" });
  });
});
