import { z } from "zod";
import { PAGE_SIZES } from "./paging";
import { Invalid, type FieldErrors } from "./errors";

/** The longest accepted values: the zod rules below and the inputs' maxLength use the same numbers. */
export const EMAIL_MAX = 254;
export const PASSWORD_MAX = 256;
export const USERNAME_MAX = 32;

/** Username: `[a-z](-?[a-z0-9])*`, 3–32 characters. Each broken rule gets its own message. */
export const usernameSchema = z
  .string()
  .trim()
  .min(1, "Choose a username.")
  .refine((v) => v.length === 0 || (v.length >= 3 && v.length <= 32), "Username must be 3 to 32 characters long.")
  .refine((v) => v.length === 0 || /^[a-z]/.test(v), "Username must start with a lowercase letter.")
  .refine((v) => /^[a-z0-9-]*$/.test(v), "Use only lowercase letters, digits and hyphens.")
  .refine((v) => !/--/.test(v) && !v.endsWith("-"), "Hyphens must be single and followed by a letter or digit.");

export const emailSchema = z
  .string()
  .trim()
  .min(1, "Enter your email address.")
  .max(EMAIL_MAX, "Email address is too long.")
  .pipe(z.email("Enter a valid email address."));

export const passwordSchema = z
  .string()
  .min(8, "Password must be at least 8 characters.")
  .max(PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters.`);

/** Org name as the Apolo platform uses it: `[a-z0-9](-?[a-z0-9])*`, 3–63 characters. */
export const orgNameSchema = z
  .string()
  .trim()
  .min(1, "Name your organization.")
  .refine((v) => v.length === 0 || (v.length >= 3 && v.length <= 63), "Name must be 3 to 63 characters long.")
  .refine((v) => /^[a-z0-9-]*$/.test(v), "Use only lowercase letters, digits and hyphens.")
  .refine(
    (v) => !v.startsWith("-") && !v.endsWith("-") && !/--/.test(v),
    "Hyphens must be single and between letters or digits.",
  );

export const displayNameSchema = z
  .string()
  .trim()
  .max(100, "Display name must be at most 100 characters.")
  .transform((v) => (v === "" ? null : v));

export const signUpSchema = z.object({ username: usernameSchema, email: emailSchema, password: passwordSchema });
export type SignUpInput = z.input<typeof signUpSchema>;

export const signInSchema = z.object({
  identifier: z.string().trim().min(1, "Enter your username or email.").max(254, "That is too long."),
  password: z.string().min(1, "Enter your password.").max(256, "Password must be at most 256 characters."),
});
export type SignInInput = z.input<typeof signInSchema>;

export const createOrgSchema = z.object({
  name: orgNameSchema,
  displayName: displayNameSchema.optional().transform((v) => v ?? null),
});
export type CreateOrgInput = z.input<typeof createOrgSchema>;

export const forgotPasswordSchema = z.object({ email: emailSchema });

export const resetPasswordSchema = z.object({
  token: z.string().max(100, "This reset link is not valid."),
  password: passwordSchema,
});

export const chooseUsernameSchema = z.object({ username: usernameSchema, email: emailSchema });

/** All messages per field (every broken rule), keyed by the top-level field name. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "_form");
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** Parses untrusted input or throws Invalid with every field's messages. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new Invalid(fieldErrorsOf(result.error));
  return result.data;
}

/**
 * `page` and `pageSize` of a paged table's URL, lenient: anything unusable falls back (page 1, `defaultSize`),
 * so an edited URL never fails the page. Spread into a query's z.object.
 */
export function pagingShape(defaultSize: (typeof PAGE_SIZES)[number], maxPage = 100_000) {
  return {
    page: z.coerce.number().int().min(1).max(maxPage).catch(1),
    pageSize: z.coerce
      .number()
      .refine((n) => (PAGE_SIZES as readonly number[]).includes(n))
      .catch(defaultSize),
  };
}
