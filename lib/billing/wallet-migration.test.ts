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

describe("migration 0010: wallets", () => {
  const client = new PGlite("memory://", { extensions: { pg_trgm } });
  const db = drizzle({ client });
  const scratch = migrationsUpTo("0009_mail_outbox");
  afterAll(async () => {
    await client.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("moves every org's balance, spending and notified threshold to its wallet; balance = Σ ledger still holds", async () => {
    await migrate(db, { migrationsFolder: scratch });
    await client.exec(`
      insert into orgs (id, name, balance, spent, notified_threshold) values
        ('00000000-0000-0000-0000-000000000001', 'rich', 150.25, 49.75, null),
        ('00000000-0000-0000-0000-000000000002', 'broke', -3.5, 103.5, 0),
        ('00000000-0000-0000-0000-000000000003', 'new', 0, 0, null);
      insert into credit_ledger (org_id, kind, amount, balance_after) values
        ('00000000-0000-0000-0000-000000000001', 'grant', 200, 200),
        ('00000000-0000-0000-0000-000000000001', 'charge', -49.75, 150.25),
        ('00000000-0000-0000-0000-000000000002', 'topup', 100, 100),
        ('00000000-0000-0000-0000-000000000002', 'charge', -103.5, -3.5);
    `);
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    const { rows } = await client.query<{
      name: string;
      balance: string;
      spent: string;
      notified: string | null;
      sum: string;
    }>(`
      select o.name, w.balance::text, w.spent::text, w.notified_threshold::text as notified,
             (select coalesce(sum(amount), 0) from credit_ledger l where l.org_id = o.id)::numeric(24, 8)::text as sum
        from orgs o join org_wallets w on w.org_id = o.id order by o.name`);
    expect(rows).toEqual([
      { name: "broke", balance: "-3.50000000", spent: "103.50000000", notified: "0.00000000", sum: "-3.50000000" },
      { name: "new", balance: "0.00000000", spent: "0.00000000", notified: null, sum: "0.00000000" },
      { name: "rich", balance: "150.25000000", spent: "49.75000000", notified: null, sum: "150.25000000" },
    ]);
    const { rows: cols } = await client.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_name = 'orgs' and column_name in ('balance', 'spent', 'notified_threshold')`,
    );
    expect(cols).toEqual([]);
    // A new org gets its wallet; the money records restrict deleting an org that has them.
    await client.exec(`insert into orgs (name) values ('later')`);
    const { rows: later } = await client.query<{ balance: string }>(
      `select w.balance::text from org_wallets w join orgs o on o.id = w.org_id where o.name = 'later'`,
    );
    expect(later).toEqual([{ balance: "0.00000000" }]);
    await expect(client.exec(`delete from orgs where name = 'rich'`)).rejects.toThrow(/foreign key/);
    await client.exec(`delete from orgs where name = 'later'`);
    // Closed orgs free their name for the unique index (createOrg enforces the 30-day reservation).
    await client.exec(`update orgs set deleted_at = now() where name = 'new'; insert into orgs (name) values ('new')`);
    const { rows: named } = await client.query<{ n: number }>(`select count(*)::int as n from orgs where name = 'new'`);
    expect(named).toEqual([{ n: 2 }]);
    await expect(client.exec(`insert into orgs (name) values ('new')`)).rejects.toThrow(/orgs_name_open_key/);
  }, 180_000);
});
