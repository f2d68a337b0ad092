import nodemailer from "nodemailer";
import type { Db } from "@/db";
import { outboxEmails } from "@/db/schema";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** Where mail goes: an SMTP server when SMTP_URL is set, the outbox table otherwise. */
export interface Mailer {
  readonly kind: "smtp" | "outbox";
  send(message: MailMessage): Promise<void>;
}

export class SmtpMailer implements Mailer {
  readonly kind = "smtp";
  private readonly transport;
  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(url);
  }
  async send(message: MailMessage) {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text });
  }
  close() {
    this.transport.close();
  }
}

/** Keeps mail in the outbox table; in development also prints it, so links can be followed from the log. */
export class OutboxMailer implements Mailer {
  readonly kind = "outbox";
  constructor(
    private readonly db: Db,
    private readonly print = false,
  ) {}
  async send(message: MailMessage) {
    await this.db.insert(outboxEmails).values(message);
    if (this.print) {
      console.log(`[mail] to ${message.to}: ${message.subject}\n${message.text.replace(/^/gm, "  | ")}`);
    }
  }
}

/**
 * Sends each message, logging (not throwing) failures: mail goes out after the change it reports has been
 * committed, and a mail server hiccup must not turn a done change into an error page.
 */
export async function sendAll(mailer: Mailer, messages: MailMessage[]): Promise<{ failed: number }> {
  let failed = 0;
  for (const m of messages) {
    try {
      await mailer.send(m);
    } catch (err) {
      failed += 1;
      console.error(`[mail] could not send "${m.subject}": ${(err as Error).message}`);
    }
  }
  return { failed };
}
