import net, { type AddressInfo } from "node:net";
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { rawRows, withTransaction } from "@/db/client";
import { invitations, outboxEmails } from "@/db/schema";
import { getInvitationByToken } from "../orgs/invitations";
import {
  deliverOutbox,
  enqueueMail,
  LogMailer,
  retryDelayMs,
  SmtpMailer,
  type Mailer,
  type MailMessage,
  type MailQueue,
} from "./mail";
import { hashToken } from "../core/tokens";
import { parseConfig } from "../core/config";
import { startSmtpCapture, type CapturedMail } from "../test/smtp-capture";
import {
  invite,
  makeOrg,
  makeUser,
  RecordingMailer,
  testServices,
  tokenFromLink,
  uniqueName,
  withTestDatabase,
} from "../test/fixtures";

const t = withTestDatabase();

/** Queues mail in a transaction of its own (enqueueMail takes a transaction: production queues with its change). */
const enqueue = (messages: MailMessage[]) => withTransaction(t.db, (tx) => enqueueMail(tx, messages));
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** A real SMTP server on 127.0.0.1, on a random port: plain SMTP, no TLS, no auth. */
const smtp = {
  capture: undefined as Awaited<ReturnType<typeof startSmtpCapture>> | undefined,
  port: 0,
  received: [] as CapturedMail[],
};

beforeAll(async () => {
  smtp.capture = await startSmtpCapture((mail) => smtp.received.push(mail));
  smtp.port = smtp.capture.port;
});

afterAll(async () => {
  await smtp.capture?.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Services whose mail only waits in the outbox after the commit (as when the worker is asleep). */
const queueOnly: MailQueue = { committed: () => {} };

const receivedBy = (address: string) => smtp.received.filter((m) => m.to.includes(address));

async function rowsTo(address: string) {
  return t.db
    .select()
    .from(outboxEmails)
    .where(sql`lower(${outboxEmails.to}) = lower(${address})`);
}

async function world() {
  const [admin, manager] = [await makeUser(t.db), await makeUser(t.db)];
  const org = await makeOrg(t.db, { admin, manager });
  return { org, admin, manager };
}

const message = (to = `${uniqueName("m")}@example.net`): MailMessage => ({ to, subject: "Hello", text: "body" });

describe("operations queue their mail in their transaction; the worker delivers it over SMTP", () => {
  it("an invitation: queued with it, delivered exactly once by the worker, with a link that works", async () => {
    const w = await world();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`, "Apolo <noreply@console.test>");
    try {
      const email = `${uniqueName("p")}@example.net`;
      const { results, mailFailed } = await invite(
        t.db,
        w.manager,
        w.org.name,
        email,
        "manager",
        testServices(queueOnly),
      );
      expect(mailFailed).toBe(0);
      expect(results[0]!.outcome).toBe("invited");
      // Nothing went out during the operation: the mail waits in the outbox.
      expect(receivedBy(email)).toHaveLength(0);
      expect(await rowsTo(email)).toMatchObject([{ status: "pending", attempts: 0, sentAt: null }]);

      expect((await deliverOutbox(t.db, mailer)).sent).toBeGreaterThanOrEqual(1);
      expect(await deliverOutbox(t.db, mailer)).toEqual({ sent: 0, retried: 0, failed: 0 });
      const got = receivedBy(email);
      expect(got).toHaveLength(1);
      const msg = got[0]!;
      expect(msg.to).toEqual([email]);
      expect(msg.from).toBe("noreply@console.test");
      expect(msg.headers.to).toBe(email);
      expect(msg.headers.subject).toBe(`${w.manager.username} invited you to ${w.org.name} on Apolo`);
      expect(msg.body).toContain(`join the organization '${w.org.name}' on Apolo as manager`);
      const [row] = await rowsTo(email);
      expect(row).toMatchObject({ status: "sent", attempts: 1, lockedUntil: null, lastError: null });
      expect(row!.sentAt).toBeInstanceOf(Date);

      const token = tokenFromLink(msg.body);
      expect(results[0]!.link).toBe(`http://console.test/invite/${token}`);
      expect(await getInvitationByToken(t.db, null, token)).toMatchObject({ state: "valid", email, role: "manager" });
      const [inv] = await t.db
        .select()
        .from(invitations)
        .where(eq(invitations.tokenHash, hashToken(token)));
      expect(inv!.email).toBe(email);
    } finally {
      mailer.close();
    }
  });

  it("several messages of one request each reach their own recipient once", async () => {
    const w = await world();
    const carol = await makeUser(t.db);
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`, "noreply@console.test");
    try {
      const emails = [`${uniqueName("a")}@example.net`, `${uniqueName("b")}@example.net`];
      const { results } = await invite(
        t.db,
        w.admin,
        w.org.name,
        [...emails, carol.username].join("\n"),
        "user",
        testServices(queueOnly),
      );
      await deliverOutbox(t.db, mailer);
      await deliverOutbox(t.db, mailer);
      for (const email of emails) {
        const got = receivedBy(email);
        expect(got).toHaveLength(1);
        const link = results.find((r) => r.entry === email)!.link!;
        expect(link).toBe(`http://console.test/invite/${tokenFromLink(got[0]!.body)}`);
      }
      expect(receivedBy(carol.email)).toHaveLength(1);
      expect(receivedBy(carol.email)[0]!.body).toContain("http://console.test/invites");
    } finally {
      mailer.close();
    }
  });

  it("tests' RecordingMailer gets exactly the rows its operation queued, through the worker", async () => {
    const w = await world();
    const recorder = new RecordingMailer();
    const email = `${uniqueName("p")}@example.net`;
    await invite(t.db, w.admin, w.org.name, email, "user", testServices(recorder));
    expect(recorder.sent.map((m) => m.to)).toEqual([email]);
    expect(await rowsTo(email)).toMatchObject([{ status: "sent", attempts: 1 }]);
  });
});

describe("the outbox is transactional", () => {
  it("mail queued in a transaction that rolls back is never sent", async () => {
    const m = message();
    await expect(
      t.db.transaction(async (tx) => {
        await enqueueMail(tx, [m]);
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await rowsTo(m.to)).toHaveLength(0);
    const recorder = new RecordingMailer();
    await deliverOutbox(t.db, recorder);
    expect(recorder.to(m.to)).toHaveLength(0);
  });

  it("mail queued in a transaction that commits is sent, once", async () => {
    const m = message();
    await t.db.transaction((tx) => enqueueMail(tx, [m]));
    const recorder = new RecordingMailer();
    await deliverOutbox(t.db, recorder);
    await deliverOutbox(t.db, recorder);
    expect(recorder.to(m.to)).toHaveLength(1);
  });
});

describe("retries", () => {
  it("while the SMTP server is down the row stays pending with its try counted and a later next try; it goes out once the server is back", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const port = await closedPort();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`, "noreply@console.test");
    const received: CapturedMail[] = [];
    let server: Awaited<ReturnType<typeof startSmtpCapture>> | undefined;
    try {
      const secret = "http://console.test/invite/secret-token-value";
      const m = { ...message(), text: secret };
      const [id] = await enqueue([m]);
      const before = Date.now();
      expect(await deliverOutbox(t.db, mailer, { ids: [id!] })).toEqual({ sent: 0, retried: 1, failed: 0 });
      let [row] = await rowsTo(m.to);
      expect(row).toMatchObject({ status: "pending", attempts: 1, lockedUntil: null, sentAt: null });
      expect(row!.lastError).toBeTruthy();
      // First retry after 30 s (the default backoff base).
      expect(row!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 29_000);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0]![0])).toContain('"Hello"');
      expect(errors.mock.calls.flat().join(" ")).not.toContain("secret-token-value");

      // Not due yet: a worker run leaves it alone.
      expect(await deliverOutbox(t.db, mailer, { ids: [id!] })).toEqual({ sent: 0, retried: 0, failed: 0 });

      // The server comes back on the same port, and the next try is due.
      server = await startSmtpCapture((mail) => received.push(mail), port);
      await t.db.update(outboxEmails).set({ nextAttemptAt: new Date() }).where(eq(outboxEmails.id, id!));
      expect(await deliverOutbox(t.db, mailer, { ids: [id!] })).toEqual({ sent: 1, retried: 0, failed: 0 });
      expect(await deliverOutbox(t.db, mailer, { ids: [id!] })).toEqual({ sent: 0, retried: 0, failed: 0 });
      expect(received.map((r) => r.to)).toEqual([[m.to]]);
      expect(received[0]!.body).toContain(secret);
      [row] = await rowsTo(m.to);
      expect(row).toMatchObject({ status: "sent", attempts: 2, lastError: null });
    } finally {
      mailer.close();
      await server?.close();
    }
  });

  it("the wait doubles with each failed try, up to a cap", () => {
    const opts = { baseDelayMs: 30_000, maxDelayMs: 3_600_000 };
    expect([1, 2, 3, 4, 8, 20].map((n) => retryDelayMs(n, opts))).toEqual([
      30_000, 60_000, 120_000, 240_000, 3_600_000, 3_600_000,
    ]);
  });

  it("after maxAttempts failed tries the row is marked failed and never tried again", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${await closedPort()}`, "noreply@console.test");
    try {
      const m = message();
      const [id] = await enqueue([m]);
      const opts = { ids: [id!], maxAttempts: 3, baseDelayMs: 0 };
      expect(await deliverOutbox(t.db, mailer, opts)).toEqual({ sent: 0, retried: 1, failed: 0 });
      expect(await deliverOutbox(t.db, mailer, opts)).toEqual({ sent: 0, retried: 1, failed: 0 });
      expect(await deliverOutbox(t.db, mailer, opts)).toEqual({ sent: 0, retried: 0, failed: 1 });
      expect(await deliverOutbox(t.db, mailer, opts)).toEqual({ sent: 0, retried: 0, failed: 0 });
      const [row] = await rowsTo(m.to);
      expect(row).toMatchObject({ status: "failed", attempts: 3, sentAt: null });
      expect(row!.lastError).toBeTruthy();
    } finally {
      mailer.close();
    }
  });

  it("a row claimed by a worker (locked_until in the future) is left alone until its lease ends", async () => {
    const m = message();
    const [id] = await enqueue([m]);
    await t.db
      .update(outboxEmails)
      .set({ lockedUntil: sql`now() + interval '1 minute'`, attempts: 1 })
      .where(eq(outboxEmails.id, id!));
    const recorder = new RecordingMailer();
    await deliverOutbox(t.db, recorder, { ids: [id!] });
    expect(recorder.sent).toHaveLength(0);
    // The worker that held it died mid-send: after the lease another worker tries again (its second try).
    await t.db
      .update(outboxEmails)
      .set({ lockedUntil: sql`now() - interval '1 second'` })
      .where(eq(outboxEmails.id, id!));
    await deliverOutbox(t.db, recorder, { ids: [id!] });
    expect(recorder.to(m.to)).toHaveLength(1);
    expect(await rowsTo(m.to)).toMatchObject([{ status: "sent", attempts: 2 }]);
  });

  it("a row another worker claimed after this worker's lease ran out is not sent by this worker", async () => {
    const [a, b] = [message(), message()];
    const [idA, idB] = await enqueue([a, b]);
    const handed: string[] = [];
    const slow: Mailer = {
      kind: "memory",
      async send(m) {
        handed.push(m.to);
        // Meanwhile another worker found B's lease over and claimed it (its claim counts a try).
        if (m.to === a.to) {
          await t.db
            .update(outboxEmails)
            .set({ attempts: sql`${outboxEmails.attempts} + 1`, lockedUntil: sql`now() + interval '1 minute'` })
            .where(eq(outboxEmails.id, idB!));
        }
      },
    };
    expect(await deliverOutbox(t.db, slow, { ids: [idA!, idB!], batchSize: 2 })).toEqual({
      sent: 1,
      retried: 0,
      failed: 0,
    });
    expect(handed).toEqual([a.to]);
    expect(await rowsTo(b.to)).toMatchObject([{ status: "pending", attempts: 2 }]);
  });

  it("an invitation whose mail can't be sent yet is kept, and its mail waits in the outbox", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const w = await world();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${await closedPort()}`, "noreply@console.test");
    try {
      const email = `${uniqueName("p")}@example.net`;
      const delivering: MailQueue = { committed: (db, ids) => deliverOutbox(db, mailer, { ids }).then(() => {}) };
      const { results, mailFailed } = await invite(t.db, w.admin, w.org.name, email, "user", testServices(delivering));
      expect(mailFailed).toBe(0);
      expect(results[0]!.outcome).toBe("invited");
      expect((await getInvitationByToken(t.db, null, tokenFromLink(results[0]!.link!))).state).toBe("valid");
      expect(await rowsTo(email)).toMatchObject([{ status: "pending", attempts: 1 }]);
    } finally {
      mailer.close();
    }
  });
});

/** A transport that takes a while per message and counts what it was handed, by subject (the row's id). */
function slowCounter(delayMs: number) {
  const counts = new Map<string, number>();
  const mailer: Mailer = {
    kind: "memory",
    async send(m) {
      await new Promise((r) => setTimeout(r, delayMs));
      counts.set(m.subject, (counts.get(m.subject) ?? 0) + 1);
    },
  };
  return { mailer, counts };
}

describe("two workers at once", () => {
  it("never send a row twice, and together send every row", async () => {
    const tag = uniqueName("c");
    const ids = await enqueue(
      Array.from({ length: 60 }, (_, i) => ({ to: `${tag}@example.net`, subject: `${tag}-${i}`, text: "x" })),
    );
    const a = slowCounter(3);
    const b = slowCounter(2);
    const [ra, rb] = await Promise.all([
      deliverOutbox(t.db, a.mailer, { ids, batchSize: 5 }),
      deliverOutbox(t.db, b.mailer, { ids, batchSize: 5 }),
    ]);
    expect(ra.sent + rb.sent).toBe(60);
    const all = [...a.counts.entries(), ...b.counts.entries()];
    expect(all).toHaveLength(60);
    expect(all.every(([, n]) => n === 1)).toBe(true);
    expect(new Set(all.map(([s]) => s)).size).toBe(60);
    const rows = await t.db.select().from(outboxEmails).where(inArray(outboxEmails.id, ids));
    expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
    if (onPostgres) {
      // With real concurrent transactions, both workers got a share.
      expect(ra.sent).toBeGreaterThan(0);
      expect(rb.sent).toBeGreaterThan(0);
    }
  });

  it.skipIf(!onPostgres)("skip rows another worker's open claim has locked (FOR UPDATE SKIP LOCKED)", async () => {
    const tag = uniqueName("l");
    const ids = await enqueue(
      Array.from({ length: 4 }, (_, i) => ({ to: `${tag}@example.net`, subject: `${tag}-${i}`, text: "x" })),
    );
    const recorder = new RecordingMailer();
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // Another instance's claim transaction, still open, holding the first two rows.
    const other = t.db.transaction(async (tx) => {
      await rawRows(
        tx,
        sql`select id from outbox_emails where id = any(${`{${ids.slice(0, 2).join(",")}}`}::bigint[]) for update`,
      );
      locked();
      await released;
    });
    await isLocked;
    const r = await deliverOutbox(t.db, recorder, { ids });
    release();
    await other;
    expect(r.sent).toBe(2);
    expect(recorder.sent.map((m) => m.subject).sort()).toEqual([`${tag}-2`, `${tag}-3`]);
    // Once the other transaction is gone (it sent nothing), the rows are due for any worker.
    await deliverOutbox(t.db, recorder, { ids });
    expect(recorder.sent).toHaveLength(4);
  });
});

describe("transports and settings", () => {
  it("LogMailer prints the message (development without SMTP_URL)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const m = { to: "dev@example.net", subject: "Loud", text: "line one\nline two" };
    await new LogMailer().send(m);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toContain(`[mail] to dev@example.net: Loud`);
    expect(log.mock.calls[0]![0]).toContain("  | line two");
  });

  it("MAIL_WORKER_INTERVAL_MS and MAIL_MAX_ATTEMPTS, with defaults for missing or unusable values", () => {
    expect(parseConfig({}).mailWorker).toEqual({ intervalMs: 5000, maxAttempts: 8 });
    expect(parseConfig({ MAIL_WORKER_INTERVAL_MS: "250", MAIL_MAX_ATTEMPTS: "3" }).mailWorker).toEqual({
      intervalMs: 250,
      maxAttempts: 3,
    });
    expect(parseConfig({ MAIL_WORKER_INTERVAL_MS: "5", MAIL_MAX_ATTEMPTS: "0" }).mailWorker).toEqual({
      intervalMs: 5000,
      maxAttempts: 8,
    });
  });
});
