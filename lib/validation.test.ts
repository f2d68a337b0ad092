import { describe, expect, it } from "vitest";
import {
  createOrgSchema,
  orgNameSchema,
  passwordSchema,
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
