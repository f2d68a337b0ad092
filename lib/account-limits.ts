/**
 * The longest inputs of the Account forms: the zod rules (lib/validation.ts, lib/account-settings.ts) refuse
 * one character more, and the forms' maxLength attributes use these. Kept in a module of its own, free of
 * server code, so client components can import it. lib/account-settings.test.ts checks they agree.
 */
export const ACCOUNT_LIMITS = {
  name: 100,
  email: 254,
  password: 256,
  /** What the delete confirmation accepts (usernames are at most 32 characters). */
  confirmUsername: 64,
} as const;
