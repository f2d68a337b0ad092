import pg from "pg";

/**
 * One leader at a time among the server instances of one PostgreSQL database: a session-level advisory lock held
 * on a dedicated connection (not a pooled one, which would hand the lock to whichever request borrows it next).
 * When the leader's process dies or its connection drops, PostgreSQL releases the lock at once, and the next
 * `tryLead()` of any other instance takes it. Used by the embedded runner (app/_server/runner.ts) so that metering
 * continues on every surviving instance within one tick.
 */
export class AdvisoryLeader {
  private client: pg.Client | null = null;
  private held = false;

  constructor(
    private readonly url: string,
    private readonly lockId: number,
    private readonly log: (message: string) => void = (m) => console.warn(m),
  ) {}

  /**
   * True when this instance leads: it holds the lock (checked with a round trip, so a connection that died
   * silently is noticed) or just took it. False when another instance holds it or the database is unreachable.
   */
  async tryLead(): Promise<boolean> {
    try {
      const client = this.client ?? (await this.connect());
      if (this.held) {
        await client.query("select 1");
        return true;
      }
      const { rows } = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [this.lockId]);
      this.held = rows[0]?.ok === true;
      return this.held;
    } catch (err) {
      this.drop(this.client, err);
      return false;
    }
  }

  /** Whether this instance held the lock at its last check. */
  get leading(): boolean {
    return this.held;
  }

  /** Gives the lead up (closes the connection: the lock goes with it). */
  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.held = false;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000, keepAlive: true });
    // A dropped connection (server restart, terminated backend) emits `error`/`end`: the lock is gone with it.
    client.on("error", (err) => this.drop(client, err));
    client.on("end", () => this.drop(client));
    await client.connect();
    this.client = client;
    this.held = false;
    return client;
  }

  private drop(client: pg.Client | null, err?: unknown) {
    if (client === null || client !== this.client) return;
    if (this.held) this.log(`[leader] lost the lead (${err instanceof Error ? err.message : "connection ended"})`);
    this.client = null;
    this.held = false;
    void client.end().catch(() => undefined);
  }
}
