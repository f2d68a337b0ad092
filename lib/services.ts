import type { Mailer } from "./mail";
import type { RateLimitStore } from "./rate-limit";

/** What operations that send mail or count attempts need beyond the database. */
export interface Services {
  mailer: Mailer;
  /** The console's public base URL, for links in mail (no trailing slash). */
  appUrl: string;
  limiter: RateLimitStore;
}
