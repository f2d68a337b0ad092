/**
 * Migration 0015 folds the per-tick charge rows written before issue 14 into one row per job per UTC hour: written
 * the old way in a database at 0014, then migrated. Σ ledger per org is unchanged (balance = Σ ledger still
 * holds), each job-hour keeps one row with the hour's total and the balance after its last charge, zero charges
 * are gone, and nothing else is touched (a set balance posted as a grant becomes an adjustment).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER } from "@/db/client";

/** The committed migrations up to and including `lastTag`, in a scratch folder. */
function migrationsUpTo(lastTag: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "apolo-migrations-"));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string; idx: number }[] };
  const last = journal.entries.find((e) => e.tag === lastTag)!.idx;
  journal.entries = journal.entries.filter((e) => e.idx <= last);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

const ORG_A = "00000000-0000-0000-0000-00000000000a";
const ORG_B = "00000000-0000-0000-0000-00000000000b";
const USER = "00000000-0000-0000-0000-000000000001";
const CLUSTER = "00000000-0000-0000-0000-0000000000c1";
const JOB_1 = "00000000-0000-0000-0000-0000000000f1";
const JOB_2 = "00000000-0000-0000-0000-0000000000f2";
const JOB_B = "00000000-0000-0000-0000-0000000000fb";

describe("migration 0015: one charge row per job per UTC hour", () => {
  const client = new PGlite("memory://", { extensions: { pg_trgm } });
  const db = drizzle({ client });
  const scratch = migrationsUpTo("0014_usage_records");
  afterAll(async () => {
    await client.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("folds per-tick rows: Σ per org unchanged, one row per job-hour with its last balance, zero rows gone", async () => {
    await migrate(db, { migrationsFolder: scratch });
    // The old way: a grant, then one row per tick (some of them 0), across an hour boundary, for two jobs of one
    // org interleaved and a job of another org; a top-up in between; a set balance posted as a negative grant.
    const ticks: [string, string, string, string][] = [
      // org, job, created_at, amount
      [ORG_A, JOB_1, "2026-03-01 13:59:58+00", "-0.5"],
      [ORG_A, JOB_1, "2026-03-01 14:00:00+00", "-1"],
      [ORG_A, JOB_2, "2026-03-01 14:00:01+00", "-2"],
      [ORG_A, JOB_1, "2026-03-01 14:00:02+00", "0"],
      [ORG_A, JOB_1, "2026-03-01 14:30:00+00", "-1.25"],
      [ORG_A, JOB_2, "2026-03-01 14:59:59.999+00", "-0.00000001"],
      [ORG_A, JOB_1, "2026-03-01 15:00:00+00", "0"],
      [ORG_B, JOB_B, "2026-03-01 14:10:00+00", "0"],
      [ORG_B, JOB_B, "2026-03-01 14:20:00+00", "0"],
    ];
    const balances = new Map([
      [ORG_A, 100],
      [ORG_B, 10],
    ]);
    const rows: string[] = [
      `('${ORG_A}', 'grant', 100, 100, null, '2026-03-01 12:00:00+00', null, null)`,
      `('${ORG_B}', 'grant', 10, 10, null, '2026-03-01 12:00:00+00', null, null)`,
    ];
    ticks.forEach(([org, job, at, amount], i) => {
      balances.set(org, balances.get(org)! + Number(amount));
      rows.push(`('${org}', 'charge', ${amount}, ${balances.get(org)}, '${job}', '${at}', 'tick:${i}', '${USER}')`);
      if (i === 2) {
        balances.set(ORG_A, balances.get(ORG_A)! + 5);
        rows.push(`('${ORG_A}', 'topup', 5, ${balances.get(ORG_A)}, null, '2026-03-01 14:00:01.5+00', 'pay:1', null)`);
      }
    });
    balances.set(ORG_B, 3);
    rows.push(`('${ORG_B}', 'grant', -7, 3, null, '2026-03-01 16:00:00+00', null, null)`);
    await client.exec(`
      insert into users (id, username) values ('${USER}', 'fold-user');
      insert into orgs (id, name) values ('${ORG_A}', 'fold-a'), ('${ORG_B}', 'fold-b');
      insert into org_wallets (org_id) values ('${ORG_A}'), ('${ORG_B}') on conflict do nothing;
      update org_wallets set balance = ${balances.get(ORG_A)} where org_id = '${ORG_A}';
      update org_wallets set balance = 3 where org_id = '${ORG_B}';
      insert into clusters (id, name) values ('${CLUSTER}', 'fold-cluster');
      insert into jobs (id, org_id, user_id, cluster_id, preset_name, name, credits_per_hour) values
        ('${JOB_1}', '${ORG_A}', '${USER}', '${CLUSTER}', 'p', 'j1', 1),
        ('${JOB_2}', '${ORG_A}', '${USER}', '${CLUSTER}', 'p', 'j2', 1),
        ('${JOB_B}', '${ORG_B}', '${USER}', '${CLUSTER}', 'p', 'jb', 1);
      insert into credit_ledger (org_id, kind, amount, balance_after, job_id, created_at, idempotency_key, member_id)
      values ${rows.join(",\n")};
    `);
    const sums = `select org_id, sum(amount)::text as sum from credit_ledger group by org_id order by org_id`;
    const before = (await client.query(sums)).rows;

    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });

    expect((await client.query(sums)).rows).toEqual(before);
    const { rows: after } = await client.query<{
      org: string;
      kind: string;
      job: string | null;
      amount: string;
      balance: string;
      period: string | null;
      key: string | null;
      updated: string | null;
    }>(`
      select org_id as org, kind, job_id as job, amount::text, balance_after::text as balance,
             to_char(period_start at time zone 'UTC', 'HH24:MI') as period, idempotency_key as key,
             to_char(updated_at at time zone 'UTC', 'HH24:MI:SS.MS') as updated
      from credit_ledger order by id`);
    expect(after).toEqual([
      {
        org: ORG_A,
        kind: "grant",
        job: null,
        amount: "100.00000000",
        balance: "100.00000000",
        period: null,
        key: null,
        updated: null,
      },
      {
        org: ORG_B,
        kind: "grant",
        job: null,
        amount: "10.00000000",
        balance: "10.00000000",
        period: null,
        key: null,
        updated: null,
      },
      // job 1, 13:00: a single row, left as it was (its period set)
      {
        org: ORG_A,
        kind: "charge",
        job: JOB_1,
        amount: "-0.50000000",
        balance: "99.50000000",
        period: "13:00",
        key: "tick:0",
        updated: null,
      },
      // job 1, 14:00: -1 + 0 + -1.25, the balance after its last tick (14:30)
      {
        org: ORG_A,
        kind: "charge",
        job: JOB_1,
        amount: "-2.25000000",
        balance: "100.25000000",
        period: "14:00",
        key: "tick:1",
        updated: "14:30:00.000",
      },
      // job 2, 14:00: -2 + -0.00000001
      {
        org: ORG_A,
        kind: "charge",
        job: JOB_2,
        amount: "-2.00000001",
        balance: "100.24999999",
        period: "14:00",
        key: "tick:2",
        updated: "14:59:59.999",
      },
      {
        org: ORG_A,
        kind: "topup",
        job: null,
        amount: "5.00000000",
        balance: "101.50000000",
        period: null,
        key: "pay:1",
        updated: null,
      },
      // job 1, 15:00 (0) and job B's hour (0 + 0): gone
      {
        org: ORG_B,
        kind: "adjustment",
        job: null,
        amount: "-7.00000000",
        balance: "3.00000000",
        period: null,
        key: null,
        updated: null,
      },
    ]);
    // balance = Σ ledger, and one row per job-hour (the unique index exists and holds).
    const { rows: check } = await client.query<{ ok: boolean; dup: number }>(`
      select (select bool_and(w.balance = (select sum(amount) from credit_ledger l where l.org_id = w.org_id))
                from org_wallets w) as ok,
             (select count(*)::int from (select 1 from credit_ledger where kind = 'charge' and job_id is not null
                group by job_id, period_start having count(*) > 1) d) as dup`);
    expect(check[0]).toEqual({ ok: true, dup: 0 });
  });
});
