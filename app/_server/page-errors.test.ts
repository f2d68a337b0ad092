import { beforeEach, describe, expect, it, vi } from "vitest";
import { Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthenticated } from "@/lib/core";

const calls = vi.hoisted(() => ({ signIn: 0, notFound: 0 }));

vi.mock("./session", () => ({
  redirectToSignIn: async () => {
    calls.signIn++;
    throw new Error("NEXT_REDIRECT /signin");
  },
}));
vi.mock("next/navigation", () => ({
  notFound: () => {
    calls.notFound++;
    throw new Error("NEXT_NOT_FOUND");
  },
}));

const { loadPage, pageOutcome } = await import("./page-errors");

beforeEach(() => {
  calls.signIn = 0;
  calls.notFound = 0;
});

describe("pages map domain errors in one place", () => {
  it("NotFound and Forbidden render the not-found page, Unauthenticated signs in, the rest is rethrown", () => {
    expect(pageOutcome(new NotFound())).toBe("not_found");
    expect(pageOutcome(new Forbidden())).toBe("not_found");
    expect(pageOutcome(new Unauthenticated())).toBe("sign_in");
    expect(pageOutcome(new Invalid({}))).toBe("rethrow");
    expect(pageOutcome(new Conflict("x"))).toBe("rethrow");
    expect(pageOutcome(new RateLimited(1))).toBe("rethrow");
    expect(pageOutcome(new Error("bug"))).toBe("rethrow");
  });

  it("a bad-text database error (a NUL from the URL reached SQL: 22021, 22P05) is the not-found page", async () => {
    const nul = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
    expect(pageOutcome(nul)).toBe("not_found");
    expect(pageOutcome(new Error("Failed query", { cause: nul }))).toBe("not_found");
    expect(pageOutcome(Object.assign(new Error("untranslatable"), { code: "22P05" }))).toBe("not_found");
    await expect(loadPage(() => Promise.reject(nul))).rejects.toThrow("NEXT_NOT_FOUND");
  });

  it("loadPage returns the value, or answers the error the page way", async () => {
    expect(await loadPage(async () => 42)).toBe(42);

    await expect(loadPage(() => Promise.reject(new Forbidden()))).rejects.toThrow("NEXT_NOT_FOUND");
    await expect(loadPage(() => Promise.reject(new NotFound()))).rejects.toThrow("NEXT_NOT_FOUND");
    expect(calls).toEqual({ signIn: 0, notFound: 2 });

    await expect(loadPage(() => Promise.reject(new Unauthenticated()))).rejects.toThrow("NEXT_REDIRECT /signin");
    expect(calls).toEqual({ signIn: 1, notFound: 2 });

    const bug = new Error("bug");
    await expect(loadPage(() => Promise.reject(bug))).rejects.toBe(bug);
    const invalid = new Invalid({ q: ["bad"] });
    await expect(loadPage(() => Promise.reject(invalid))).rejects.toBe(invalid);
    expect(calls).toEqual({ signIn: 1, notFound: 2 });
  });
});
