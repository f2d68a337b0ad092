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
  /**
   * The AES-256-GCM key of artifact secrets (SECRETS_KEY; app/_server/services.ts sets it). Optional here so
   * that callers with no secrets to write need not have it; createSecret/updateSecret take `SecretsServices`.
   */
  secretsKey?: Buffer;
}

/** What writing an artifact secret needs: the 32-byte key (lib/artifacts/secrets-crypto.ts). */
export interface SecretsServices {
  secretsKey: Buffer;
}
