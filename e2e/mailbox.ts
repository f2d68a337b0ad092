import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "@playwright/test";

/** The capture SMTP server of e2e/global-setup.ts: next to the server under test's port. */
export const SMTP_PORT = Number(process.env.E2E_PORT ?? 3100) + 1000;
export const MAILBOX_DIR = ".data/e2e-mailbox";

export interface Mail {
  to: string[];
  subject: string;
  /** The decoded text body. */
  text: string;
}

function allMail(): Mail[] {
  return readdirSync(MAILBOX_DIR)
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(MAILBOX_DIR, f), "utf8")) as Mail);
}

/** The newest mail to `address` whose subject contains `subject`, waiting for it to arrive. */
export async function mailTo(address: string, subject: string): Promise<Mail> {
  let found: Mail | undefined;
  await expect
    .poll(
      () => {
        found = allMail()
          .reverse()
          .find((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()) && m.subject.includes(subject));
        return Boolean(found);
      },
      { message: `a mail to ${address} about "${subject}"`, timeout: 15_000 },
    )
    .toBe(true);
  return found!;
}

/** The mail sent to `address` so far, oldest first (case-insensitive). */
export function mailsTo(address: string): Mail[] {
  return allMail().filter((m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()));
}

/**
 * Waits for the newest mail to `to` whose subject is `subject` (or matches it), among those that arrived after
 * the first `after` mails to that address (pass the count seen before the action that mails).
 */
export async function waitForMail(
  to: string,
  opts: { subject?: string | RegExp; after?: number; timeoutMs?: number } = {},
): Promise<Mail> {
  const matches = (m: Mail) =>
    opts.subject === undefined ||
    (typeof opts.subject === "string" ? m.subject === opts.subject : opts.subject.test(m.subject));
  let found: Mail | undefined;
  await expect
    .poll(
      () => {
        found = mailsTo(to)
          .slice(opts.after ?? 0)
          .filter(matches)
          .at(-1);
        return Boolean(found);
      },
      { message: `a mail to ${to} with subject ${String(opts.subject)}`, timeout: opts.timeoutMs ?? 15_000 },
    )
    .toBe(true);
  return found!;
}

/** The first link in a mail's body that starts with `prefix` (an absolute URL or a path). */
export function linkIn(mail: Mail, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`https?://[^\\s]*?${escaped}[^\\s]*`).exec(mail.text);
  if (!m) throw new Error(`no ${prefix} link in: ${mail.text}`);
  return m[0];
}
