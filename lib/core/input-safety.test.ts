/**
 * Issue 15: fuzzed input. Control characters (U+0000 above all, which PostgreSQL refuses in text) are refused
 * as bad input on their field by every operation, and a database error for a character it can't store is an
 * Invalid, never a 500.
 */
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { users } from "@/db/schema";
import { updateDisplayName } from "../accounts/account-settings";
import { signUp } from "../accounts/accounts";
import { grantCredits } from "../billing/grants";
import { createTopUp } from "../billing/top-ups";
import { createCluster, createClusterToken, setOrgCluster } from "../compute/clusters";
import { startJob } from "../compute/jobs";
import { changeMemberRole } from "../orgs/members";
import { createOrg } from "../orgs/orgs";
import { addMemberAsPlatformAdmin } from "../orgs/platform";
import { as, makeOrg, makeUser, testContext, testServices, uniqueName, withTestDatabase } from "../test/fixtures";
import { BAD_TEXT_MESSAGE, badTextEncoding, invalidFromDbError } from "./db-errors";
import { Invalid } from "./errors";
import {
  CONTROL_CHARACTERS_MESSAGE,
  controlCharacterErrors,
  filterText,
  hasControlCharacters,
  lineText,
  parseInput,
  safeText,
} from "./validation";
import { z } from "zod";

const t = withTestDatabase();

async function invalidOf(p: Promise<unknown>): Promise<Invalid> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Invalid);
  return err as Invalid;
}

describe("control characters", () => {
  it("C0 controls and DEL are refused; tab, newline and CR only in multi-line text", () => {
    for (const c of ["\u0000", "\u0001", "\u0008", "\u000b", "\u000c", "\u001b", "\u001f", "\u007f"]) {
      expect(hasControlCharacters(`a${c}b`)).toBe(true);
      expect(safeText().safeParse(`a${c}b`).error?.issues[0]?.message).toBe(CONTROL_CHARACTERS_MESSAGE);
    }
    for (const c of ["\t", "\n", "\r"]) {
      expect(safeText().safeParse(`a${c}b`).success).toBe(true);
      expect(lineText().safeParse(`a${c}b`).success).toBe(false);
    }
    expect(safeText().safeParse("ünïcødé 🚀 \u00a0\u2028").success).toBe(true);
    // A lenient URL filter drops such a value (the query schema's default) rather than failing the page.
    expect(z.object({ q: filterText(10).catch("") }).parse({ q: "a\u0000" })).toEqual({ q: "" });
  });

  it("parseInput refuses them on their top-level field, whatever the schema, but not in passwords", () => {
    const loose = z.object({ a: z.string(), b: z.array(z.object({ c: z.string() })), password: z.string() });
    expect(controlCharacterErrors({ a: "ok", b: [{ c: "x\u0000" }], password: "p\u0000" })).toEqual({
      b: [CONTROL_CHARACTERS_MESSAGE],
    });
    expect(() => parseInput(loose, { a: "\u0000", b: [], password: "x" })).toThrow(Invalid);
    try {
      parseInput(loose, { a: "\u0000", b: [{ c: 1 }], password: "\u0001" });
    } catch (e) {
      expect((e as Invalid).fieldErrors.a).toEqual([CONTROL_CHARACTERS_MESSAGE]);
      expect((e as Invalid).fieldErrors.b).toEqual(["Invalid input: expected string, received number"]);
      expect((e as Invalid).fieldErrors.password).toBeUndefined();
    }
    expect(parseInput(loose, { a: "a\tb", b: [], password: "p\u0001" })).toMatchObject({ a: "a\tb" });
    // A bare string input is the form itself.
    expect(controlCharacterErrors("\u0000")).toEqual({ _form: [CONTROL_CHARACTERS_MESSAGE] });
  });

  it("never touches what isn't plain data (a temporary client reference is a Proxy that throws)", () => {
    const hostile = new Proxy(function () {}, {
      get() {
        throw new Error("Cannot access on the server");
      },
    });
    const hostileObject = new Proxy(Object.create(Array.prototype) as object, {
      get() {
        throw new Error("boom");
      },
    });
    expect(controlCharacterErrors({ a: hostile })).toBeNull();
    expect(() => controlCharacterErrors(hostileObject)).not.toThrow();
    expect(() => parseInput(z.object({ a: z.string() }), { a: hostile })).toThrow(Invalid);
    expect(() => parseInput(z.object({ a: z.string() }), hostile)).toThrow(Invalid);
    // Deep nesting is walked only so far (no stack overflow).
    let deep: unknown = "\u0000";
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => controlCharacterErrors({ a: deep })).not.toThrow();
  });
});

describe("operations refuse control characters as field errors (they used to answer 500)", () => {
  let operator: Awaited<ReturnType<typeof makeUser>>;
  let admin: Awaited<ReturnType<typeof makeUser>>;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  beforeAll(async () => {
    operator = await makeUser(t.db);
    await t.db.update(users).set({ isPlatformAdmin: true }).where(eq(users.id, operator.id));
    admin = await makeUser(t.db);
    org = await makeOrg(t.db, { admin });
  });

  it.each([
    ["display name", () => updateDisplayName(t.db, as(admin), { name: "a\u0000b" }), "name"],
    [
      "cluster description",
      () => createCluster(t.db, as(operator), { name: uniqueName("c-"), description: "\u0000" }),
      "description",
    ],
    ["token label", () => createClusterToken(t.db, as(operator), { cluster: "x", label: "l\u0000" }), "label"],
    ["org cluster", () => setOrgCluster(t.db, as(operator), { cluster: "\u0000", org: org.name }), "cluster"],
    [
      "start-job cluster",
      () => startJob(t.db, as(admin), org.name, { name: "j", cluster: "\u0000", preset: "p" }, testServices()),
      "cluster",
    ],
    [
      "start-job preset",
      () => startJob(t.db, as(admin), org.name, { name: "j", cluster: "c", preset: "\u0000" }, testServices()),
      "preset",
    ],
    ["grant org", () => grantCredits(t.db, as(operator), { org: "\u0000", amount: "1" }, testServices()), "org"],
    [
      "grant note",
      () => grantCredits(t.db, as(operator), { org: org.name, amount: "1", note: "\u0000" }, testServices()),
      "note",
    ],
    [
      "change role username",
      () => changeMemberRole(t.db, as(admin), org.name, { username: "\u0000", role: "user" }),
      "username",
    ],
    [
      "add member (operator)",
      () => addMemberAsPlatformAdmin(t.db, as(operator), { org: "\u0000", username: "x" }, testServices()),
      "org",
    ],
    [
      "create org display name",
      () => createOrg(t.db, as(admin), { name: uniqueName("o-"), displayName: "\u0000" }),
      "displayName",
    ],
    [
      "sign-up email",
      () =>
        signUp(
          t.db,
          { username: uniqueName(), email: "a\u0000@example.com", password: "long enough pw" },
          testContext(),
        ),
      "email",
    ],
    [
      "top-up credits",
      () => createTopUp(t.db, as(admin), org.name, { credits: "1\u0000" }, testServices() as never),
      "credits",
    ],
  ])("%s", async (_label, run, field) => {
    const err = await invalidOf(run());
    expect(err.fieldErrors[field]?.length, JSON.stringify(err.fieldErrors)).toBeGreaterThan(0);
  });
});

describe("a database error for a character PostgreSQL can't store", () => {
  it("is recognised (22021) and becomes an Invalid: on the field when known, else a form message", async () => {
    const u = await makeUser(t.db);
    const err = await t.db.execute(sql`update users set name = ${"a\u0000b"} where id = ${u.id}`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(badTextEncoding(err)).toBe(true);
    const onField = invalidFromDbError(err, "name");
    expect(onField?.fieldErrors).toEqual({ name: [BAD_TEXT_MESSAGE] });
    expect(invalidFromDbError(err)?.fieldErrors).toEqual({ _form: [BAD_TEXT_MESSAGE] });
    expect(invalidFromDbError(new Error("other"))).toBeNull();
    expect(invalidFromDbError({ code: "22P05" })).toBeInstanceOf(Invalid);
    expect(invalidFromDbError(Object.assign(new Error("wrapped"), { cause: { code: "22021" } }))).toBeInstanceOf(
      Invalid,
    );
  });
});
