import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "@playwright/test";

/** The capture SMTP server of e2e/global-setup.ts: next to the server under test's port. */
export const SMTP_PORT = Number(process.env.E2E_PORT ?? 3100) + 1000;
export const MAILBOX_DIR = ".data/e2e-mailbox";

export interface Mail {
  to: string[];
  subject: string;
  body: string;
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

/** How many mails `address` got whose subject contains `subject`. */
export function countMailTo(address: string, subject: string): number {
  return allMail().filter(
    (m) => m.to.some((t) => t.toLowerCase() === address.toLowerCase()) && m.subject.includes(subject),
  ).length;
}

/** The first link in a mail's body that starts with `prefix` (an absolute URL or a path). */
export function linkIn(mail: Mail, prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`https?://[^\\s]*?${escaped}[^\\s]*`).exec(mail.body);
  if (!m) throw new Error(`no ${prefix} link in: ${mail.body}`);
  return m[0];
}
