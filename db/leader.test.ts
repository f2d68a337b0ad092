import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { AdvisoryLeader } from "./leader";

/**
 * The embedded runner's leader election (db/leader.ts) on a real server: runs in the PostgreSQL pass
 * (TEST_DATABASE_URL). A lock id of its own per run, so parallel test files never share it.
 */
const url = process.env.TEST_DATABASE_URL;
const LOCK = 900_000_000 + Math.floor(Math.random() * 1_000_000);

describe.skipIf(!url)("one runner leader at a time (PostgreSQL advisory lock)", () => {
  const logs: string[] = [];
  const made: AdvisoryLeader[] = [];
  const leader = () => {
    const l = new AdvisoryLeader(url!, LOCK, (m) => logs.push(m));
    made.push(l);
    return l;
  };
  afterAll(async () => {
    await Promise.all(made.map((l) => l.release()));
  });

  it("lets one instance lead; the others take over on their next try once it is gone", async () => {
    const [a, b, c] = [leader(), leader(), leader()];
    const first = await Promise.all([a.tryLead(), b.tryLead(), c.tryLead()]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const lead = [a, b, c][first.indexOf(true)]!;
    // The leader keeps leading, the others keep following.
    expect(await lead.tryLead()).toBe(true);
    for (const f of [a, b, c].filter((l) => l !== lead)) expect(await f.tryLead()).toBe(false);

    // The leader's process "dies": its connection closes, PostgreSQL releases the lock.
    await lead.release();
    const rest = [a, b, c].filter((l) => l !== lead);
    const second = await Promise.all(rest.map((l) => l.tryLead()));
    expect(second.filter(Boolean)).toHaveLength(1);
    await Promise.all(rest.map((l) => l.release()));
  });

  it("notices a connection terminated under it and lets another instance lead", async () => {
    const [a, b] = [leader(), leader()];
    expect(await a.tryLead()).toBe(true);
    expect(await b.tryLead()).toBe(false);
    // Terminate the leader's backend, as a database restart or a network failure would.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(
        `select pg_terminate_backend(pid) from pg_locks
         where locktype = 'advisory' and objid = $1 and granted and pid <> pg_backend_pid()`,
        [LOCK],
      );
    } finally {
      await admin.end();
    }
    // b takes the lead on its next try; a finds out it lost it and follows (after reconnecting).
    await expect.poll(() => b.tryLead(), { timeout: 5_000 }).toBe(true);
    expect(await a.tryLead()).toBe(false);
    expect(a.leading).toBe(false);
    expect(logs.some((m) => m.includes("lost the lead"))).toBe(true);
  });

  it("follows (false, no throw) while the database can't be reached", async () => {
    const unreachable = new AdvisoryLeader("postgres://postgres@127.0.0.1:1/none", LOCK, () => undefined);
    expect(await unreachable.tryLead()).toBe(false);
    await unreachable.release();
  });
});
