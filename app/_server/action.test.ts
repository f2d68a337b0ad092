import { afterEach, describe, expect, it, vi } from "vitest";
import { Conflict, Forbidden, Invalid, RateLimited } from "@/lib/core";

vi.mock("server-only", () => ({}));
vi.mock("./session", () => ({ requestId: async () => "req12345" }));

const { runAction, runFormAction } = await import("./action");

afterEach(() => vi.restoreAllMocks());

describe("form actions map errors in one place (action.ts)", () => {
  const values = { name: "lab" };

  it("puts field messages next to their fields and keeps what was typed", async () => {
    const state = await runFormAction(values, () => Promise.reject(new Invalid({ name: ["Too short."] })));
    expect(state).toEqual({ ok: false, message: undefined, fieldErrors: { name: ["Too short."] }, values });
    const taken = await runFormAction(values, () => Promise.reject(new Conflict("That name is taken.", "name")));
    expect(taken.fieldErrors).toEqual({ name: ["That name is taken."] });
  });

  it("shows other domain errors' messages above the form", async () => {
    expect(await runFormAction(values, () => Promise.reject(new Forbidden("Only admins can do that.")))).toEqual({
      ok: false,
      message: "Only admins can do that.",
      fieldErrors: undefined,
      values,
    });
    expect((await runFormAction(values, () => Promise.reject(new RateLimited(9)))).message).toBe(
      "Too many attempts. Try again in 9 s.",
    );
  });

  it("logs anything else with a request id and shows a generic message", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const state = await runFormAction(values, () => Promise.reject(new Error("connection refused to 10.0.0.3")));
    expect(state.message).toBe("Something went wrong on our side. Please try again (reference req12345).");
    expect(log).toHaveBeenCalled();
  });

  it("says the database can't be reached (nothing saved) rather than 'something went wrong'", async () => {
    const down = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const state = await runFormAction(values, () => Promise.reject(new Error("Failed query", { cause: down })));
    expect(state.message).toBe(
      "The console can't reach its database right now. Nothing was saved; try again in a moment.",
    );
    expect(await runAction(() => Promise.reject(down))).toEqual({ ok: false, message: state.message });
  });

  it("tells a bad-text database error (22021, 22P05) on the field holding the control character, never a 500", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const nul = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
    const wrapped = new Error("Failed query: insert …", { cause: nul });
    const typed = { name: "lab", description: "a\u0000b" };
    const state = await runFormAction(typed, () => Promise.reject(wrapped));
    expect(state).toEqual({
      ok: false,
      message: undefined,
      fieldErrors: { description: [expect.stringMatching(/can't be stored/)] },
      values: typed,
    });
    // No field holds one (a forged argument did): a form message.
    const untranslatable = Object.assign(new Error("unsupported Unicode escape sequence"), { code: "22P05" });
    const other = await runFormAction(values, () => Promise.reject(untranslatable));
    expect(other.message).toMatch(/can't be stored/);
    expect(other.fieldErrors).toBeUndefined();
    expect((await runAction(() => Promise.reject(wrapped))).message).toMatch(/can't be stored/);
    // A control character in a field doesn't make another error a bad-text one.
    expect((await runFormAction(typed, () => Promise.reject(new Error("bug")))).message).toMatch(/on our side/);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it("runAction returns data, or the first field message", async () => {
    expect(
      await runAction(
        async () => 7,
        (n) => `got ${n}`,
      ),
    ).toEqual({ ok: true, data: 7, message: "got 7" });
    expect(await runAction(() => Promise.reject(new Invalid({ amount: ["Must be positive."] })))).toEqual({
      ok: false,
      message: "Must be positive.",
      fieldErrors: { amount: ["Must be positive."] },
    });
  });
});
