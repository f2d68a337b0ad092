import { describe, expect, it } from "vitest";
import { creditAmountSchema, creditLimitSchema, countLimitSchema } from "./money";
import {
  createOrgSchema,
  displayNameSchema,
  emailSchema,
  MAX_LENGTH,
  orgNameSchema,
  passwordSchema,
  platformNameSchema,
  RESERVED_ORG_NAMES,
  signInSchema,
  signUpSchema,
  usernameSchema,
  fieldErrorsOf,
} from "./validation";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;
function messages(schema: { safeParse(v: unknown): { error?: { issues: { message: string }[] } } }, v: unknown) {
  return schema.safeParse(v).error?.issues.map((i) => i.message) ?? [];
}

describe("username rule [a-z](-?[a-z0-9])*, 3–32", () => {
  it.each(["abc", "alice", "a-b", "a1", "abc-123-x9", "x".repeat(32), "a-b-c"].filter((v) => v.length >= 3))(
    "accepts %s",
    (v) => expect(ok(usernameSchema, v)).toBe(true),
  );
  it.each([
    ["", "Choose a username."],
    ["ab", "Username must be 3 to 32 characters long."],
    ["x".repeat(33), "Username must be 3 to 32 characters long."],
    ["1abc", "Username must start with a lowercase letter."],
    ["-abc", "Username must start with a lowercase letter."],
    ["Alice", "Use only lowercase letters, digits and hyphens."],
    ["al_ice", "Use only lowercase letters, digits and hyphens."],
    ["al ice", "Use only lowercase letters, digits and hyphens."],
    ["a--b", "Hyphens must be single and followed by a letter or digit."],
    ["abc-", "Hyphens must be single and followed by a letter or digit."],
  ])("rejects %j with %j", (v, msg) => {
    expect(messages(usernameSchema, v)).toContain(msg);
  });
  it("reports every broken rule, not just the first", () => {
    expect(messages(usernameSchema, "A")).toEqual([
      "Username must be 3 to 32 characters long.",
      "Username must start with a lowercase letter.",
      "Use only lowercase letters, digits and hyphens.",
    ]);
  });
});

describe("password 8–256", () => {
  it("accepts the bounds", () => {
    expect(ok(passwordSchema, "x".repeat(8))).toBe(true);
    expect(ok(passwordSchema, "x".repeat(256))).toBe(true);
  });
  it("rejects outside them", () => {
    expect(messages(passwordSchema, "x".repeat(7))).toEqual(["Password must be at least 8 characters."]);
    expect(messages(passwordSchema, "x".repeat(257))).toEqual(["Password must be at most 256 characters."]);
  });
});

describe("sign-up form", () => {
  it("gives each field its own messages", () => {
    const r = signUpSchema.safeParse({ username: "A", email: "nope", password: "short" });
    expect(r.success).toBe(false);
    const errors = fieldErrorsOf(r.error!);
    expect(Object.keys(errors).sort()).toEqual(["email", "password", "username"]);
    expect(errors.email).toEqual(["Enter a valid email address."]);
    expect(errors.password).toEqual(["Password must be at least 8 characters."]);
  });
  it("trims the email and username", () => {
    expect(signUpSchema.parse({ username: " bob ", email: " Bob@Example.com ", password: "12345678" })).toEqual({
      username: "bob",
      email: "Bob@Example.com",
      password: "12345678",
    });
  });
});

describe("org name rule [a-z0-9](-?[a-z0-9])*, 3–63", () => {
  it.each(["acme", "abc", "9to5", "my-org-1", "a".repeat(63)])("accepts %s", (v) =>
    expect(ok(orgNameSchema, v)).toBe(true),
  );
  it.each([
    ["", "Name your organization."],
    ["ab", "Name must be 3 to 63 characters long."],
    ["a".repeat(64), "Name must be 3 to 63 characters long."],
    ["Acme", "Use only lowercase letters, digits and hyphens."],
    ["ac.me", "Use only lowercase letters, digits and hyphens."],
    ["-acme", "Hyphens must be single and between letters or digits."],
    ["acme-", "Hyphens must be single and between letters or digits."],
    ["ac--me", "Hyphens must be single and between letters or digits."],
  ])("rejects %j with %j", (v, msg) => expect(messages(orgNameSchema, v)).toContain(msg));
  it("makes an empty display name null and limits its length", () => {
    expect(createOrgSchema.parse({ name: "acme", displayName: "  " }).displayName).toBeNull();
    expect(createOrgSchema.parse({ name: "acme" }).displayName).toBeNull();
    expect(createOrgSchema.parse({ name: "acme", displayName: " Acme Inc. " }).displayName).toBe("Acme Inc.");
    expect(ok(createOrgSchema, { name: "acme", displayName: "x".repeat(101) })).toBe(false);
  });
});

describe("reserved org names", () => {
  it.each(["new", "settings", "admin", "api", "apis", "invites", "invite", "account", "login", "logout", "signin"])(
    "refuses %j with a message that names it",
    (name) => {
      expect(messages(orgNameSchema, name)).toEqual([`'${name}' is reserved. Choose another name.`]);
      expect(fieldErrorsOf(createOrgSchema.safeParse({ name }).error!)).toEqual({
        name: [`'${name}' is reserved. Choose another name.`],
      });
    },
  );
  it("reserves every route segment and the words the brief lists", () => {
    const wanted = (
      "new settings admin api apis invites invite account login logout signin signout signup onboarding orgs org " +
      "projects jobs credits billing help support docs static public www apolo system root me null undefined"
    ).split(" ");
    for (const name of wanted) expect(RESERVED_ORG_NAMES.has(name), name).toBe(true);
  });
  it("every reserved word is otherwise a valid name (or too short anyway), so it gets one clear message", () => {
    for (const name of RESERVED_ORG_NAMES) {
      if (name.length < 3)
        expect(messages(orgNameSchema, name), name).toContain("Name must be 3 to 63 characters long.");
      else expect(ok(platformNameSchema, name), name).toBe(true);
    }
  });
  it("checks the trimmed name and leaves names that only contain a reserved word alone", () => {
    expect(messages(orgNameSchema, "  new ")).toEqual(["'new' is reserved. Choose another name."]);
    for (const name of ["new-co", "renew", "admin1", "my-api", "newer"])
      expect(ok(orgNameSchema, name), name).toBe(true);
  });
  it("names that break the shape rules don't also get the reserved message", () => {
    expect(messages(orgNameSchema, "_next")).toEqual(["Use only lowercase letters, digits and hyphens."]);
    expect(messages(orgNameSchema, "New")).toEqual(["Use only lowercase letters, digits and hyphens."]);
  });
  it("clusters share the name shape but not the reserved list (the seeded cluster is 'default')", () => {
    expect(ok(platformNameSchema, "default")).toBe(true);
    expect(ok(orgNameSchema, "default")).toBe(false);
  });
});

describe("MAX_LENGTH matches the rules (the inputs' maxLength uses the same numbers)", () => {
  const longest = (n: number, c = "a") => c.repeat(n);
  it.each([
    ["username", usernameSchema, longest(MAX_LENGTH.username)],
    ["email", emailSchema, `${longest(MAX_LENGTH.email - "@example.com".length)}@example.com`],
    ["password", passwordSchema, longest(MAX_LENGTH.password)],
    ["orgName", orgNameSchema, longest(MAX_LENGTH.orgName)],
    ["displayName", displayNameSchema, longest(MAX_LENGTH.displayName)],
  ] as const)("%s: accepts the longest value and refuses one more character", (_, schema, value) => {
    expect(ok(schema, value)).toBe(true);
    expect(ok(schema, value + "a")).toBe(false);
  });
  it("sign-in fields", () => {
    const base = { identifier: "alice", password: "x" };
    expect(ok(signInSchema, { ...base, identifier: longest(MAX_LENGTH.signInIdentifier) })).toBe(true);
    expect(ok(signInSchema, { ...base, identifier: longest(MAX_LENGTH.signInIdentifier + 1) })).toBe(false);
    expect(ok(signInSchema, { ...base, password: longest(MAX_LENGTH.password + 1) })).toBe(false);
  });
  it("credit amounts and limits", () => {
    const amount = creditAmountSchema("1", "100000", "Amount");
    expect(ok(amount, "0000000100000.0")).toBe(true); // 15 characters
    expect(messages(amount, "00000000100000.0")).toEqual(["Amount must be at most 100,000."]);
    expect(ok(creditLimitSchema, "999999999999.99")).toBe(true);
    expect(ok(creditLimitSchema, "0999999999999.99")).toBe(false);
    expect(ok(countLimitSchema, "unlimited")).toBe(true);
    expect(messages(countLimitSchema, "0000000001")).toEqual(["Enter a whole number, or leave empty for unlimited."]);
  });
  it("a megabyte gets one short message, not an echo", () => {
    const huge = "x".repeat(1024 * 1024);
    expect(messages(passwordSchema, huge)).toEqual([`Password must be at most ${MAX_LENGTH.password} characters.`]);
    expect(messages(creditLimitSchema, huge)).toEqual([
      "Enter a number with at most two decimals, or leave empty for unlimited.",
    ]);
  });
});
