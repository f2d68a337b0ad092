import { describe, expect, it } from "vitest";
import {
  badTextEncoding,
  BAD_TEXT_MESSAGE,
  databaseUnreachable,
  invalidFromDbError,
  unavailableFromDbError,
} from "./db-errors";
import { Invalid, Unavailable } from "./errors";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** As Drizzle wraps a driver's error. */
const wrapped = (cause: unknown) => new Error("Failed query: select 1\nparams: ", { cause });

describe("databaseUnreachable: the errors that mean the database can't be reached (503)", () => {
  const unreachable: [string, unknown][] = [
    ["socket refused", withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED")],
    ["socket reset", withCode("read ECONNRESET", "ECONNRESET")],
    ["dropped mid-query", new Error("Connection terminated unexpectedly")],
    ["connect timeout", new Error("Connection terminated due to connection timeout")],
    // node_modules/pg-pool/index.js: no client within connectionTimeoutMillis (pool exhausted or server slow)
    ["pool wait timeout", new Error("timeout exceeded when trying to connect")],
    ["pool ended", new Error("Cannot use a pool after calling end on the pool")],
    ["server shutting down", withCode("terminating connection due to administrator command", "57P01")],
    ["server starting", withCode("the database system is starting up", "57P03")],
    ["too many connections", withCode("sorry, too many clients already", "53300")],
    ["class 08", withCode("connection failure", "08006")],
    ["PGlite closed", new Error("PGlite is closed")],
    ["PGlite closing", new Error("PGlite is closing")],
    ["PGlite failed to open", new Error("The embedded database (PGlite) is unavailable: ErrnoError errno 54")],
    ["AggregateError", new AggregateError([withCode("connect ECONNREFUSED ::1:5432", "ECONNREFUSED")], "")],
  ];
  it.each(unreachable)("%s → unreachable, also through Drizzle's wrapper", (_, err) => {
    expect(databaseUnreachable(err)).toBe(true);
    expect(databaseUnreachable(wrapped(err))).toBe(true);
    expect(unavailableFromDbError(wrapped(err))).toBeInstanceOf(Unavailable);
  });

  it("a statement's own error is not", () => {
    for (const err of [
      withCode("duplicate key value violates unique constraint", "23505"),
      withCode('invalid byte sequence for encoding "UTF8": 0x00', "22021"),
      new Error("bug"),
      null,
      undefined,
      "Connection terminated",
    ]) {
      expect(databaseUnreachable(err)).toBe(false);
      expect(unavailableFromDbError(err)).toBeNull();
    }
  });

  it("a cause cycle ends the walk", () => {
    const a = new Error("a") as Error & { cause?: unknown };
    a.cause = a;
    expect(databaseUnreachable(a)).toBe(false);
  });
});

describe("badTextEncoding: PostgreSQL refused a character (22021, 22P05)", () => {
  it("maps to Invalid on the field given, else the form", () => {
    const nul = withCode('invalid byte sequence for encoding "UTF8": 0x00', "22021");
    expect(badTextEncoding(wrapped(nul))).toBe(true);
    expect(badTextEncoding(withCode("unsupported Unicode escape sequence", "22P05"))).toBe(true);
    expect(badTextEncoding(withCode("dup", "23505"))).toBe(false);
    const onField = invalidFromDbError(wrapped(nul), "name");
    expect(onField).toBeInstanceOf(Invalid);
    expect(onField?.fieldErrors).toEqual({ name: [BAD_TEXT_MESSAGE] });
    expect(invalidFromDbError(nul)?.fieldErrors).toEqual({ _form: [BAD_TEXT_MESSAGE] });
    expect(invalidFromDbError(new Error("bug"))).toBeNull();
  });
});
