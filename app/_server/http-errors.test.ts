import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Conflict,
  Forbidden,
  Invalid,
  Malformed,
  NotFound,
  QuotaExceeded,
  RateLimited,
  Unauthenticated,
  Unavailable,
} from "@/lib/core";
import { errorResponse, jsonError } from "./http-errors";

async function answer(res: Response) {
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.json() };
}

afterEach(() => vi.restoreAllMocks());

describe("errorResponse: domain errors as JSON route answers", () => {
  it("maps every code to its status, in the one body shape", async () => {
    const cases: [Error, number, string][] = [
      [new Malformed("The body must be JSON."), 400, "malformed"],
      [new Unauthenticated(), 401, "unauthenticated"],
      [new Forbidden("Only admins can do that."), 403, "forbidden"],
      [new NotFound(), 404, "not_found"],
      [new Conflict("That name is taken."), 409, "conflict"],
      [new QuotaExceeded("No credits left for org 'x'", true), 409, "quota_exceeded"],
      [new Invalid({ name: ["Too long."] }), 422, "invalid"],
      [new RateLimited(30), 429, "rate_limited"],
      [new Unavailable("Sign-in is temporarily unavailable. Try again in a moment."), 503, "unavailable"],
    ];
    for (const [err, status, code] of cases) {
      const res = await answer(errorResponse(err));
      expect(res.status, code).toBe(status);
      expect(res.body.error, code).toMatchObject({ code, message: code === "not_found" ? "Not found" : err.message });
      expect(Object.keys(res.body), code).toEqual(["error"]);
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
    }
  });

  it("adds per-field messages as `fields` (Invalid, and a Conflict about a field), and only then", async () => {
    const invalid = await answer(
      errorResponse(new Invalid({ "records.0.until": ["until must not be in the future."] }, "Check the fields.")),
    );
    expect(invalid).toMatchObject({
      status: 422,
      body: {
        error: {
          code: "invalid",
          message: "Check the fields.",
          fields: { "records.0.until": ["until must not be in the future."] },
        },
      },
    });
    const taken = await answer(errorResponse(new Conflict("That username is taken.", "username")));
    expect(taken.body.error.fields).toEqual({ username: ["That username is taken."] });
    expect((await answer(errorResponse(new Conflict("Busy.")))).body.error).not.toHaveProperty("fields");
    expect((await answer(errorResponse(new NotFound()))).body.error).not.toHaveProperty("fields");
  });

  it("answers 503 with Retry-After when the database can't be reached, so runners back off and retry", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const wrapped = Object.assign(new Error("Failed query: select 1"), { cause: refused });
    for (const err of [refused, wrapped, new Error("Connection terminated unexpectedly")]) {
      const res = await answer(errorResponse(err));
      expect(res.status).toBe(503);
      expect(res.headers["retry-after"]).toBe("5");
      expect(res.body.error.code).toBe("unavailable");
      expect(res.body.error.message).toMatch(/can't reach its database/);
    }
    // The SQLSTATE of a server shutting down (57P01) too; a statement's own error (23505) stays a 500.
    expect((await answer(errorResponse(Object.assign(new Error("terminating"), { code: "57P01" })))).status).toBe(503);
    expect((await answer(errorResponse(Object.assign(new Error("dup"), { code: "23505" })))).status).toBe(500);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it("answers 422 for a bad-text database error (22021, 22P05): the sender's input, never a 500", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const nul = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
    for (const err of [
      nul,
      new Error("Failed query: select …", { cause: nul }),
      Object.assign(new Error("unsupported Unicode escape sequence"), { code: "22P05" }),
    ]) {
      const res = await answer(errorResponse(err));
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("invalid");
      expect(res.body.error.message).toMatch(/can't be stored/);
      expect(JSON.stringify(res.body)).not.toMatch(/0x00|UTF8|Failed query/);
    }
    expect(log).not.toHaveBeenCalled();
  });

  it("answers 429 with Retry-After", async () => {
    const res = await answer(errorResponse(new RateLimited(42)));
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("42");
  });

  it("names the bearer scheme on a 401 of a bearer route only", async () => {
    const bearer = await answer(errorResponse(new Unauthenticated("Send a token."), { bearerRealm: "apolo-usage" }));
    expect(bearer.status).toBe(401);
    expect(bearer.headers["www-authenticate"]).toBe('Bearer realm="apolo-usage"');
    expect(bearer.body).toEqual({ error: { code: "unauthenticated", message: "Send a token." } });
    expect((await answer(errorResponse(new Unauthenticated()))).headers).not.toHaveProperty("www-authenticate");
    expect((await answer(errorResponse(new Forbidden(), { bearerRealm: "x" }))).headers).not.toHaveProperty(
      "www-authenticate",
    );
  });

  it("tells a refusal as a 404 where the page does, and never says more than 'Not found' in a 404", async () => {
    const hidden = await answer(
      errorResponse(new Forbidden("Only managers see reports."), { forbiddenAsNotFound: true }),
    );
    expect(hidden).toMatchObject({ status: 404, body: { error: { code: "not_found", message: "Not found" } } });
    const named = await answer(errorResponse(new NotFound("No account with the username 'eve'.")));
    expect(named.body.error.message).toBe("Not found");
  });

  it("keeps given headers (a route's Cache-Control)", async () => {
    const res = await answer(
      errorResponse(new Invalid({}), { headers: { "Cache-Control": "no-store, no-transform" } }),
    );
    expect(res.headers["cache-control"]).toBe("no-store, no-transform");
  });

  it("answers anything else 500 with a request id, logged, and nothing of its internals", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const bug = new Error('relation "secret_table" does not exist');
    const res = await answer(errorResponse(bug, { requestId: "abcd1234", context: "usage" }));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: { code: "internal", message: "Something went wrong on our side. Please try again (reference abcd1234)." },
    });
    expect(JSON.stringify(res.body)).not.toContain("secret_table");
    expect(res.headers["x-request-id"]).toBe("abcd1234");
    expect(log).toHaveBeenCalledWith("[request abcd1234] usage failed:", bug);

    const fresh = await answer(errorResponse("a string thrown"));
    expect(fresh.status).toBe(500);
    expect(fresh.body.error.message).toContain(fresh.headers["x-request-id"]);
  });
});

describe("jsonError: refusals made by the route itself", () => {
  it("use the same shape", async () => {
    const res = await answer(jsonError(413, "payload_too_large", "The body must be at most 1048576 bytes."));
    expect(res).toMatchObject({
      status: 413,
      body: { error: { code: "payload_too_large", message: "The body must be at most 1048576 bytes." } },
      headers: { "cache-control": "no-store" },
    });
  });
});
