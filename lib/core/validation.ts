import { z } from "zod";
import { PAGE_SIZES } from "./paging";
import { Invalid, type FieldErrors } from "./errors";
import { MAX_LENGTH } from "./limits";

// The length limits live in their own module so client components can import them without zod.
export { MAX_LENGTH } from "./limits";

// ------------------------------------------------------------------------------------------ control characters

/**
 * C0 control characters that no text field takes: everything below U+0020 except tab, newline and carriage
 * return, and DEL. U+0000 above all: PostgreSQL refuses it in text (SQLSTATE 22021), which used to be a 500.
 */
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** A one-line field takes no tab, newline or carriage return either. */
export const LINE_CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
export const CONTROL_CHARACTERS_MESSAGE = "Remove the control characters.";

export function hasControlCharacters(v: string, oneLine = false): boolean {
  return (oneLine ? LINE_CONTROL_CHARACTERS : CONTROL_CHARACTERS).test(v);
}

/**
 * A text field that may span lines (tab, newline, CR allowed) and takes no other control character; the
 * check runs first and aborts, so the field's other rules never see such a value.
 */
export function safeText(message: string = CONTROL_CHARACTERS_MESSAGE) {
  return z.string().refine((v) => !hasControlCharacters(v), { message, abort: true });
}

/** A one-line text field: no control character at all (a pasted tab or newline is refused too). */
export function lineText(message: string = CONTROL_CHARACTERS_MESSAGE) {
  return z.string().refine((v) => !hasControlCharacters(v, true), { message, abort: true });
}

/**
 * A URL filter (search box, actor filter): lenient like the rest of a page's query; a value with control
 * characters is dropped (the `.catch` of the query schema gives the default) instead of failing the page.
 */
export function filterText(max: number) {
  return lineText().trim().max(max);
}

/** Field names whose values are secrets (hashed, never stored or shown): the control-character walk skips them. */
const SECRET_FIELD = /password/i;
const MAX_WALK_DEPTH = 32;

/**
 * Every field of untrusted input holding a string with control characters, by top-level field name (`_form`
 * for the input itself), or null. Walks plain objects and arrays only, never anything else (a server action's
 * temporary client reference is a Proxy that throws on any property access).
 */
export function controlCharacterErrors(input: unknown): FieldErrors | null {
  const bad = new Set<string>();
  const walk = (v: unknown, field: string, depth: number) => {
    if (typeof v === "string") {
      if (hasControlCharacters(v)) bad.add(field);
      return;
    }
    if (depth >= MAX_WALK_DEPTH || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) {
      for (const item of v) walk(item, field, depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return;
    for (const [key, value] of Object.entries(v)) {
      if (SECRET_FIELD.test(key)) continue;
      walk(value, depth === 0 ? key : field, depth + 1);
    }
  };
  walk(input, "_form", 0);
  if (bad.size === 0) return null;
  return Object.fromEntries([...bad].map((f) => [f, [CONTROL_CHARACTERS_MESSAGE]]));
}

/** Username: `[a-z](-?[a-z0-9])*`, 3–32 characters. Each broken rule gets its own message. */
export const usernameSchema = z
  .string()
  .trim()
  .min(1, "Choose a username.")
  .refine(
    (v) => v.length === 0 || (v.length >= 3 && v.length <= MAX_LENGTH.username),
    `Username must be 3 to ${MAX_LENGTH.username} characters long.`,
  )
  .refine((v) => v.length === 0 || /^[a-z]/.test(v), "Username must start with a lowercase letter.")
  .refine((v) => /^[a-z0-9-]*$/.test(v), "Use only lowercase letters, digits and hyphens.")
  .refine((v) => !/--/.test(v) && !v.endsWith("-"), "Hyphens must be single and followed by a letter or digit.");

export const emailSchema = safeText()
  .trim()
  .min(1, "Enter your email address.")
  .max(MAX_LENGTH.email, "Email address is too long.")
  .pipe(z.email("Enter a valid email address."));

export const passwordSchema = z
  .string()
  .min(8, "Password must be at least 8 characters.")
  .max(MAX_LENGTH.password, `Password must be at most ${MAX_LENGTH.password} characters.`);

/** A name as the Apolo platform uses it (orgs, clusters): `[a-z0-9](-?[a-z0-9])*`, 3–63 characters. */
export const platformNameSchema = z
  .string()
  .trim()
  .min(1, "Name your organization.")
  .refine(
    (v) => v.length === 0 || (v.length >= 3 && v.length <= MAX_LENGTH.orgName),
    `Name must be 3 to ${MAX_LENGTH.orgName} characters long.`,
  )
  .refine((v) => /^[a-z0-9-]*$/.test(v), "Use only lowercase letters, digits and hyphens.")
  .refine(
    (v) => !v.startsWith("-") && !v.endsWith("-") && !/--/.test(v),
    "Hyphens must be single and between letters or digits.",
  );

/**
 * Org names that can't be given: they collide with a route (`/orgs/new` is the create form, so an org named
 * `new` could never be opened) or read as part of the product rather than a customer's name.
 */
export const RESERVED_ORG_NAMES: ReadonlySet<string> = new Set(
  [
    // routes and route segments, now and planned
    "new edit create settings admin admins api apis invite invites invitation invitations account accounts",
    "login logout signin signout signup sign-in sign-out sign-up register onboarding verify-email auth oauth",
    "callback orgs org organization organizations projects project jobs job credits billing checkout payments",
    "reports audit users members clusters cluster presets tokens grafana metrics usage export dashboard console",
    "home search status health webhook webhooks",
    // words people would take for the product or the system rather than a customer
    "help support docs doc static public assets www mail email apolo apolo-console neuro system root staff",
    "security me self you all everyone default null undefined none nil true false",
  ]
    .join(" ")
    .split(" "),
);

/** Org name: the platform's name rule, and not one of RESERVED_ORG_NAMES. */
export const orgNameSchema = platformNameSchema.refine((v) => v.length < 3 || !RESERVED_ORG_NAMES.has(v), {
  error: (issue) => `'${String(issue.input)}' is reserved. Choose another name.`,
});

export const displayNameSchema = safeText()
  .trim()
  .max(MAX_LENGTH.displayName, `Display name must be at most ${MAX_LENGTH.displayName} characters.`)
  .transform((v) => (v === "" ? null : v));

export const signUpSchema = z.object({ username: usernameSchema, email: emailSchema, password: passwordSchema });
export type SignUpInput = z.input<typeof signUpSchema>;

export const signInSchema = z.object({
  identifier: safeText()
    .trim()
    .min(1, "Enter your username or email.")
    .max(MAX_LENGTH.signInIdentifier, "That is too long."),
  password: z
    .string()
    .min(1, "Enter your password.")
    .max(MAX_LENGTH.password, `Password must be at most ${MAX_LENGTH.password} characters.`),
});
export type SignInInput = z.input<typeof signInSchema>;

export const createOrgSchema = z.object({
  name: orgNameSchema,
  displayName: displayNameSchema.optional().transform((v) => v ?? null),
});
export type CreateOrgInput = z.input<typeof createOrgSchema>;

export const forgotPasswordSchema = z.object({ email: emailSchema });

export const resetPasswordSchema = z.object({
  token: safeText("This reset link is not valid.").max(100, "This reset link is not valid."),
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

/**
 * Parses untrusted input or throws Invalid with every field's messages. One rule for every operation: a string
 * anywhere in the input with control characters (lib/core/validation.ts CONTROL_CHARACTERS; password fields
 * aside) is refused on its field with "Remove the control characters.", whatever the schema says.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const controls = controlCharacterErrors(input);
  const result = schema.safeParse(input);
  if (controls || !result.success) {
    // The schema's own messages win; the central rule speaks for the fields the schema let through.
    const errors: FieldErrors = result.success ? {} : fieldErrorsOf(result.error);
    for (const [field, messages] of Object.entries(controls ?? {})) errors[field] ??= messages;
    throw new Invalid(errors);
  }
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
