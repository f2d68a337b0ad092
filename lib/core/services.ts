import type { MailQueue } from "../mail/mail";
import type { RateLimitStore } from "./rate-limit";

/** What operations that send mail or count attempts need beyond the database. */
export interface Services {
  /**
   * Told after a commit which outbox rows it queued (lib/mail/mail.ts `mailCommitted`). Operations never send mail
   * themselves: they queue it in their transaction (`enqueueMail`) and the mail worker delivers it.
   */
  mailer: MailQueue;
  /** The console's public base URL, for links in mail (no trailing slash). */
  appUrl: string;
  limiter: RateLimitStore;
}
