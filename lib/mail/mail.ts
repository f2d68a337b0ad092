import nodemailer from "nodemailer";
import { sql } from "drizzle-orm";
import { rawRows, type Db, type Tx } from "@/db/client";
import { outboxEmails } from "@/db/schema";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** A transport: what the mail worker hands each queued message to (SMTP, the development log, tests' memory). */
export interface Mailer {
  readonly kind: "smtp" | "log" | "memory";
  send(message: MailMessage): Promise<void>;
}

/**
 * What operations tell, after the commit, about the mail rows their transaction queued (`Services.mailer`).
 * The server wakes its mail worker (no waiting for delivery); tests deliver those rows at once.
 */
export interface MailQueue {
  committed(db: Db, ids: number[]): void | Promise<void>;
}

export class SmtpMailer implements Mailer {
  readonly kind = "smtp";
  private readonly transport;
  constructor(
    url: string,
    private readonly from: string,
  ) {
    // Bounded waits: a row is held (locked_until) while it is sent, and a hung server must not outlast that.
    this.transport = nodemailer.createTransport(url, {
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    });
  }
  async send(message: MailMessage) {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }
  close() {
    this.transport.close();
  }
}

/** Development without SMTP_URL: prints each message, so links can be followed from the server log. */
export class LogMailer implements Mailer {
  readonly kind = "log";
  async send(message: MailMessage) {
    console.log(`[mail] to ${message.to}: ${message.subject}\n${message.text.replace(/^/gm, "  | ")}`);
  }
}

/**
 * Queues mail in `tx`, the transaction of the change it reports: the rows commit with the change (and are then
 * delivered by the mail worker) or roll back with it. Outside a transaction a single insert is atomic too.
 * Returns the rows' ids, for `mailCommitted`.
 */
export async function enqueueMail(tx: Tx, messages: MailMessage[]): Promise<number[]> {
  if (messages.length === 0) return [];
  const rows = await tx
    .insert(outboxEmails)
    .values(messages.map((m) => ({ to: m.to, subject: m.subject, text: m.text })))
    .returning({ id: outboxEmails.id });
  return rows.map((r) => r.id);
}

/** After the commit of a transaction that queued mail: lets `svc.mailer` know (the server wakes its worker). */
export async function mailCommitted(svc: { mailer: MailQueue }, db: Db, ids: number[]): Promise<void> {
  if (ids.length > 0) await svc.mailer.committed(db, ids);
}

export interface DeliveryOptions {
  /** Rows claimed per round (default 20). */
  batchSize?: number;
  /** Tries before a row is marked failed (default 8). */
  maxAttempts?: number;
  /** Wait after the first failed try; doubles with each further one (default 30 s), up to `maxDelayMs` (1 h). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long a claimed row stays reserved for the worker that claimed it (default 10 min). */
  leaseMs?: number;
  /** Only these rows (tests deliver what one operation queued). */
  ids?: number[];
  /** Stop after this many rounds (default: until no due row is left). */
  maxRounds?: number;
}

export const DELIVERY_DEFAULTS = {
  batchSize: 20,
  maxAttempts: 8,
  baseDelayMs: 30_000,
  maxDelayMs: 3_600_000,
  leaseMs: 600_000,
} as const;

/** The wait before the next try after `attempts` failed ones: base × 2^(attempts−1), capped. */
export function retryDelayMs(attempts: number, opts: { baseDelayMs: number; maxDelayMs: number }): number {
  return Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

interface Claimed {
  id: number;
  to: string;
  subject: string;
  text: string;
  attempts: number;
}

/**
 * Reserves up to `limit` due rows for this worker, in a transaction of its own: `FOR UPDATE SKIP LOCKED` lets
 * concurrent workers (two app instances) each take different rows, and `locked_until` keeps a claimed row away
 * from every other worker after the commit, while it is being sent. The try is counted at the claim, so a
 * worker that dies mid-send still uses one up.
 */
async function claimDue(db: Db, limit: number, leaseMs: number, ids: number[] | undefined): Promise<Claimed[]> {
  const only = ids ? sql`and id = any(${`{${ids.map((i) => Math.trunc(i)).join(",")}}`}::bigint[])` : sql``;
  return db.transaction((tx) =>
    rawRows<Claimed>(
      tx,
      sql`update outbox_emails set attempts = attempts + 1,
                 locked_until = now() + ${leaseMs}::double precision * interval '1 millisecond'
          where id in (
            select id from outbox_emails
            where status = 'pending' and next_attempt_at <= now()
              and (locked_until is null or locked_until <= now()) ${only}
            order by next_attempt_at, id
            limit ${limit}
            for update skip locked)
          returning id::int as id, "to", subject, text, attempts`,
    ),
  );
}

/**
 * One run of the mail worker: claims due rows and sends each through `transport`, until none is due. A sent row
 * is marked sent (and is never claimed again); a failed one is retried after an exponential backoff, and marked
 * failed after `maxAttempts` tries. Errors are logged without the message body (it may hold a link's token).
 */
export async function deliverOutbox(
  db: Db,
  transport: Mailer,
  options: DeliveryOptions = {},
): Promise<{ sent: number; retried: number; failed: number }> {
  const opts = { ...DELIVERY_DEFAULTS, ...options };
  const out = { sent: 0, retried: 0, failed: 0 };
  for (let round = 0; opts.maxRounds === undefined || round < opts.maxRounds; round++) {
    // Oldest first (UPDATE … RETURNING keeps no order).
    const batch = (await claimDue(db, opts.batchSize, opts.leaseMs, opts.ids)).sort((x, y) => x.id - y.id);
    for (const row of batch) {
      // The claim is still ours (no other worker took the row after a lease ran out: that would have counted
      // another try), and it is renewed for this send. `attempts` fences every write below the same way.
      const mine = await rawRows<{ id: number }>(
        db,
        sql`update outbox_emails set locked_until = now() + ${opts.leaseMs}::double precision * interval '1 millisecond'
            where id = ${row.id} and attempts = ${row.attempts} and status = 'pending' returning id`,
      );
      if (mine.length === 0) continue;
      try {
        await transport.send({ to: row.to, subject: row.subject, text: row.text });
      } catch (err) {
        const message = ((err as Error)?.message ?? String(err)).slice(0, 500);
        const giveUp = row.attempts >= opts.maxAttempts;
        await db.execute(
          sql`update outbox_emails set locked_until = null, last_error = ${message},
                     status = ${giveUp ? "failed" : "pending"}::outbox_status,
                     next_attempt_at = now() + ${retryDelayMs(row.attempts, opts)}::double precision * interval '1 millisecond'
              where id = ${row.id} and attempts = ${row.attempts}`,
        );
        if (giveUp) out.failed++;
        else out.retried++;
        console.error(
          `[mail] could not send "${row.subject}" (#${row.id}, try ${row.attempts}/${opts.maxAttempts}` +
            `${giveUp ? ", giving up" : ""}): ${message}`,
        );
        continue;
      }
      await db.execute(
        sql`update outbox_emails set status = 'sent', sent_at = now(), locked_until = null, last_error = null
            where id = ${row.id} and attempts = ${row.attempts}`,
      );
      out.sent++;
    }
    if (batch.length < opts.batchSize) break;
  }
  return out;
}
