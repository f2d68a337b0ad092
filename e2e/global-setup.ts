import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startSmtpCapture } from "@/lib/test/smtp-capture";
import { MAILBOX_DIR, SMTP_PORT } from "./mailbox";

/**
 * The server under test sends its mail over real SMTP (SMTP_URL, playwright.config.ts) to this capture server;
 * each message lands as a JSON file in MAILBOX_DIR, where specs read it (e2e/mailbox.ts).
 */
export default async function globalSetup() {
  rmSync(MAILBOX_DIR, { recursive: true, force: true });
  mkdirSync(MAILBOX_DIR, { recursive: true });
  let n = 0;
  const smtp = await startSmtpCapture((mail) => {
    n += 1;
    const file = path.join(MAILBOX_DIR, `${Date.now()}-${String(n).padStart(5, "0")}.json`);
    writeFileSync(file, JSON.stringify({ to: mail.to, subject: mail.headers.subject ?? "", text: mail.body }));
  }, SMTP_PORT);
  return () => smtp.close();
}
