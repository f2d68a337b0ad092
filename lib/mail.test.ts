import net, { type AddressInfo } from "node:net";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { invitations, outboxEmails } from "@/db/schema";
import { getInvitationByToken, inviteMembers } from "./invitations";
import { OutboxMailer, sendAll, SmtpMailer, type MailMessage } from "./mail";
import { hashToken } from "./tokens";
import { startSmtpCapture, type CapturedMail } from "./test/smtp-capture";
import { as, makeOrg, makeUser, testServices, tokenFromLink, uniqueName, withTestDatabase } from "./test/fixtures";

const t = withTestDatabase();

type Received = CapturedMail;

/** A real SMTP server on 127.0.0.1, on a random port: plain SMTP, no TLS, no auth. */
const smtp = {
  capture: undefined as Awaited<ReturnType<typeof startSmtpCapture>> | undefined,
  port: 0,
  received: [] as Received[],
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

async function world() {
  const [admin, manager] = [await makeUser(t.db), await makeUser(t.db)];
  const org = await makeOrg(t.db, { admin, manager });
  return { org, admin, manager };
}

describe("SmtpMailer against a real SMTP server", () => {
  it("delivers an invitation to the invitee, with a link that works", async () => {
    const w = await world();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`, "Apolo <noreply@console.test>");
    try {
      const email = `${uniqueName("p")}@example.net`;
      const before = smtp.received.length;
      const { results, mailFailed } = await inviteMembers(
        t.db,
        as(w.manager),
        w.org.name,
        { entries: email, role: "manager" },
        testServices(mailer),
      );
      expect(mailFailed).toBe(0);
      expect(results[0]!.outcome).toBe("invited");
      const got = smtp.received.slice(before);
      expect(got).toHaveLength(1);
      const msg = got[0]!;
      expect(msg.to).toEqual([email]);
      expect(msg.from).toBe("noreply@console.test");
      expect(msg.headers.to).toBe(email);
      expect(msg.headers.subject).toBe(`${w.manager.username} invited you to ${w.org.name} on Apolo`);
      expect(msg.body).toContain(`join the organization '${w.org.name}' on Apolo as manager`);

      const token = tokenFromLink(msg.body);
      expect(msg.body).toContain(`http://console.test/invite/${token}`);
      expect(results[0]!.link).toBe(`http://console.test/invite/${token}`);
      expect(await getInvitationByToken(t.db, null, token)).toMatchObject({
        state: "valid",
        email,
        orgName: w.org.name,
        role: "manager",
      });
      const [row] = await t.db
        .select()
        .from(invitations)
        .where(eq(invitations.tokenHash, hashToken(token)));
      expect(row!.email).toBe(email);
    } finally {
      mailer.close();
    }
  });

  it("delivers the notice to a person invited by username", async () => {
    const w = await world();
    const carol = await makeUser(t.db);
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`, "noreply@console.test");
    try {
      const before = smtp.received.length;
      await inviteMembers(
        t.db,
        as(w.admin),
        w.org.name,
        { entries: carol.username, role: "user" },
        testServices(mailer),
      );
      const got = smtp.received.slice(before);
      expect(got.map((m) => m.to)).toEqual([[carol.email]]);
      expect(got[0]!.headers.subject).toBe(`${w.admin.username} invited you to ${w.org.name} on Apolo`);
      expect(got[0]!.body).toContain(`http://console.test/invites`);
    } finally {
      mailer.close();
    }
  });

  it("sends several messages of one request to their own recipients", async () => {
    const w = await world();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${smtp.port}`, "noreply@console.test");
    try {
      const emails = [`${uniqueName("a")}@example.net`, `${uniqueName("b")}@example.net`];
      const before = smtp.received.length;
      const { results } = await inviteMembers(
        t.db,
        as(w.admin),
        w.org.name,
        { entries: emails.join("\n"), role: "user" },
        testServices(mailer),
      );
      const got = smtp.received.slice(before);
      expect(got.map((m) => m.to[0]).sort()).toEqual([...emails].sort());
      for (const m of got) {
        const link = results.find((r) => r.entry === m.to[0])!.link!;
        expect(link).toBe(`http://console.test/invite/${tokenFromLink(m.body)}`);
      }
    } finally {
      mailer.close();
    }
  });
});

describe("sendAll", () => {
  it("does not throw when the SMTP server is unreachable: it counts the failures and logs without the message body", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${await closedPort()}`, "noreply@console.test");
    try {
      const secret = "http://console.test/invite/secret-token-value";
      const messages: MailMessage[] = [
        { to: "a@example.net", subject: "First", text: secret },
        { to: "b@example.net", subject: "Second", text: secret },
      ];
      expect(await sendAll(mailer, messages)).toEqual({ failed: 2 });
      expect(errors).toHaveBeenCalledTimes(2);
      expect(String(errors.mock.calls[0]![0])).toContain('"First"');
      expect(errors.mock.calls.flat().join(" ")).not.toContain("secret-token-value");
      expect(await sendAll(mailer, [])).toEqual({ failed: 0 });
    } finally {
      mailer.close();
    }
  });

  it("keeps the invitation when its mail can't be sent, and says so", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const w = await world();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${await closedPort()}`, "noreply@console.test");
    try {
      const email = `${uniqueName("p")}@example.net`;
      const { results, mailFailed } = await inviteMembers(
        t.db,
        as(w.admin),
        w.org.name,
        { entries: email, role: "user" },
        testServices(mailer),
      );
      expect(mailFailed).toBe(1);
      expect(results[0]!.outcome).toBe("invited");
      expect((await getInvitationByToken(t.db, null, tokenFromLink(results[0]!.link!))).state).toBe("valid");
    } finally {
      mailer.close();
    }
  });

  it("counts only the messages that failed", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const sent: string[] = [];
    const flaky = {
      kind: "outbox" as const,
      async send(m: MailMessage) {
        if (m.to.startsWith("bad")) throw new Error("mailbox unavailable");
        sent.push(m.to);
      },
    };
    const r = await sendAll(flaky, [
      { to: "ok1@x.com", subject: "s", text: "t" },
      { to: "bad@x.com", subject: "s", text: "t" },
      { to: "ok2@x.com", subject: "s", text: "t" },
    ]);
    expect(r).toEqual({ failed: 1 });
    expect(sent).toEqual(["ok1@x.com", "ok2@x.com"]);
  });
});

describe("OutboxMailer", () => {
  it("writes each message to outbox_emails", async () => {
    const w = await world();
    const email = `${uniqueName("p")}@example.net`;
    const svc = testServices(new OutboxMailer(t.db));
    const { results } = await inviteMembers(t.db, as(w.admin), w.org.name, { entries: email, role: "user" }, svc);
    const rows = await t.db
      .select()
      .from(outboxEmails)
      .where(sql`lower(${outboxEmails.to}) = lower(${email})`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.subject).toBe(`${w.admin.username} invited you to ${w.org.name} on Apolo`);
    expect(rows[0]!.createdAt).toBeInstanceOf(Date);
    const token = tokenFromLink(rows[0]!.text);
    expect(results[0]!.link).toBe(`http://console.test/invite/${token}`);
    expect((await getInvitationByToken(t.db, null, token)).state).toBe("valid");
  });

  it("prints the message to the log only when asked to (development)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const to = `${uniqueName("p")}@example.net`;
    await new OutboxMailer(t.db).send({ to, subject: "Quiet", text: "line one" });
    expect(log).not.toHaveBeenCalled();
    await new OutboxMailer(t.db, true).send({ to, subject: "Loud", text: "line one\nline two" });
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toContain(`[mail] to ${to}: Loud`);
    expect(log.mock.calls[0]![0]).toContain("  | line two");
    const rows = await t.db.select().from(outboxEmails).where(eq(outboxEmails.to, to));
    expect(rows.map((r) => r.subject).sort()).toEqual(["Loud", "Quiet"]);
  });
});
