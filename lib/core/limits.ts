/**
 * The longest value each text rule accepts. The zod rules use these numbers and so do the inputs' `maxLength`,
 * so a browser can't send what the server would refuse for its length. (Form bodies are capped at 1 MB apart
 * from this: lib/core/body-limit.ts.) Re-exported by lib/core/validation.ts; this module has no imports, so client
 * components can use it without pulling in zod.
 */
export const MAX_LENGTH = {
  username: 32,
  email: 254,
  password: 256,
  /** Sign-in's "Username or email". */
  signInIdentifier: 254,
  orgName: 63,
  displayName: 100,
  jobName: 60,
  /** Credit amounts (top-up, grants): digits, a point and two decimals. */
  creditAmount: 15,
  /** A credit limit: 12 digits, a point and two decimals (lib/core/money.ts creditLimitSchema). */
  creditLimit: 15,
  /** A count limit (max running jobs): 6 digits, or "unlimited". */
  countLimit: 9,
  /** The member / actor filters of the ledger and the audit log. */
  usernameFilter: 64,
  /** A cluster's description and a credit grant's note (admin forms). */
  description: 200,
  /** What the account-deletion confirmation accepts (usernames are at most 32 characters). */
  confirmUsername: 64,
} as const;
