import { MAX_LENGTH } from "./limits";

/**
 * The longest inputs of the Account forms: the zod rules (lib/validation.ts, lib/account-settings.ts) refuse
 * one character more, and the forms' maxLength attributes use these. Kept in a module of its own, free of
 * server code, so client components can import it. lib/account-settings.test.ts checks they agree.
 */
export const ACCOUNT_LIMITS = {
  name: MAX_LENGTH.displayName,
  email: MAX_LENGTH.email,
  password: MAX_LENGTH.password,
  confirmUsername: MAX_LENGTH.confirmUsername,
} as const;
