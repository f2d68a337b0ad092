import { MAX_LENGTH } from "../core/limits";

/**
 * The longest inputs of the Account forms: the zod rules (lib/core/validation.ts, lib/accounts/account-settings.ts) refuse
 * one character more, and the forms' maxLength attributes use these. Kept in a module of its own, free of
 * server code, so client components can import it. lib/accounts/account-settings.test.ts checks they agree.
 */
export const ACCOUNT_LIMITS = {
  name: MAX_LENGTH.displayName,
  email: MAX_LENGTH.email,
  password: MAX_LENGTH.password,
  confirmUsername: MAX_LENGTH.confirmUsername,
} as const;
