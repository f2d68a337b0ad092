/**
 * The browser tests' mailbox. The server under test sends its mail over SMTP (SMTP_URL in
 * playwright.config.ts) to a tiny sink that the test runner starts (e2e/global-setup.ts): every message is
 * appended to a JSON-lines file, which specs read with `waitForMail`. Works alike on PGlite (whose data folder
 * only the server may open) and PostgreSQL, and exercises the real SMTP mailer.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import path from "node:path";

const PORT = Number(process.env.E2E_PORT ?? 3100);
/** A port per test server, so two runs on different E2E_PORTs don't share a mailbox. */
export const SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? PORT + 10_000);
export const MAIL_FILE = path.resolve(".data", `e2e-mail-${PORT}.jsonl`);

export interface CapturedMail {
  to: string[];
  subject: string;
  text: string;
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const soft = s.replace(/=\r?\n/g, "");
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** "=?UTF-8?Q?…?=" / "=?UTF-8?B?…?=" words in a header. */
function decodeHeader(v: string): string {
  return v.replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=\s*/gi, (_m, _cs, enc: string, data: string) =>
    enc.toUpperCase() === "B"
      ? Buffer.from(data, "base64").toString("utf8")
      : decodeQuotedPrintable(data.replace(/_/g, " ")),
  );
}

/** A single-part text message as nodemailer writes it: headers, blank line, body (7bit, QP or base64). */
export function parseMessage(raw: string, rcpt: string[]): CapturedMail {
  const split = raw.indexOf("\r\n\r\n");
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? "" : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  const text =
    encoding === "quoted-printable"
      ? decodeQuotedPrintable(body)
      : encoding === "base64"
        ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
        : body;
  return { to: rcpt, subject: decodeHeader(headers.get("subject") ?? ""), text: text.replace(/\r\n/g, "\n") };
}

/** Starts the SMTP sink (plain SMTP, no TLS, no auth): just enough of RFC 5321 for nodemailer. */
export function startMailSink(port = SMTP_PORT, file = MAIL_FILE): Promise<Server> {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, "");
  const server = createServer((socket) => {
    let buffer = "";
    let inData = false;
    let data: string[] = [];
    let rcpt: string[] = [];
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply("220 e2e-mail-sink ESMTP");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffer.indexOf("\r\n")) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            appendFileSync(file, JSON.stringify(parseMessage(data.join("\r\n"), rcpt)) + "\n");
            data = [];
            rcpt = [];
            reply("250 2.0.0 queued");
          } else data.push(line.startsWith("..") ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") reply("250 e2e-mail-sink");
        else if (verb === "HELO") reply("250 e2e-mail-sink");
        else if (verb === "MAIL") reply("250 2.1.0 OK");
        else if (verb === "RCPT") {
          const m = /<([^>]*)>/.exec(line);
          if (m) rcpt.push(m[1]!.toLowerCase());
          reply("250 2.1.5 OK");
        } else if (verb === "DATA") {
          inData = true;
          reply("354 End data with <CR><LF>.<CR><LF>");
        } else if (verb === "RSET") {
          data = [];
          rcpt = [];
          reply("250 2.0.0 OK");
        } else if (verb === "QUIT") {
          reply("221 2.0.0 Bye");
          socket.end();
        } else if (verb === "NOOP") reply("250 2.0.0 OK");
        else reply("502 5.5.2 Command not implemented");
      }
    });
    socket.on("error", () => {});
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** Every message the sink received so far, oldest first. */
export function allMail(file = MAIL_FILE): CapturedMail[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CapturedMail);
}

/**
 * Waits for the newest message to `to` whose subject matches, sent after `after` messages to that address
 * had arrived (pass the count you saw before the action that mails).
 */
export async function waitForMail(
  to: string,
  opts: { subject?: string | RegExp; after?: number; timeoutMs?: number } = {},
): Promise<CapturedMail> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const matches = (m: CapturedMail) =>
    opts.subject === undefined ||
    (typeof opts.subject === "string" ? m.subject === opts.subject : opts.subject.test(m.subject));
  for (;;) {
    const mine = mailTo(to);
    const found = mine.slice(opts.after ?? 0).filter(matches);
    if (found.length > 0) return found[found.length - 1]!;
    if (Date.now() > deadline) {
      throw new Error(`no mail to ${to}${opts.subject ? ` with subject ${String(opts.subject)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The messages sent to an address so far (case-insensitive). */
export function mailTo(to: string): CapturedMail[] {
  return allMail().filter((m) => m.to.includes(to.toLowerCase()));
}

/** The first link in a message that starts with `prefix` (a path such as "/verify-email?token="). */
export function linkIn(mail: CapturedMail, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`https?://[^\\s]+?${escaped}[A-Za-z0-9_-]+`).exec(mail.text);
  if (!m) throw new Error(`no ${prefix} link in: ${mail.text}`);
  return m[0];
}
