import { afterEach, describe, expect, it, vi } from "vitest";
import { signupTicket, verifySignupTicket } from "./signup-ticket";

const id = "2f1c7f1e-8a49-4a59-9a0e-3f4c1b2d5e6f";

afterEach(() => vi.unstubAllEnvs());

describe("sign-up tickets (the automatic sign-in after a sign-up)", () => {
  it("name their account until they expire a minute later", () => {
    vi.stubEnv("AUTH_SECRET", "a-test-secret-of-at-least-thirty-two-chars");
    const now = Date.now();
    const ticket = signupTicket(id, now);
    expect(verifySignupTicket(ticket, now)).toBe(id);
    expect(verifySignupTicket(ticket, now + 59_000)).toBe(id);
    expect(verifySignupTicket(ticket, now + 61_000)).toBeNull();
  });

  it("can't be forged or moved to another account, nor made under another secret", () => {
    vi.stubEnv("AUTH_SECRET", "a-test-secret-of-at-least-thirty-two-chars");
    const ticket = signupTicket(id);
    const [, exp, sig] = ticket.split(".") as [string, string, string];
    expect(verifySignupTicket(`${id.replace("2f", "3f")}.${exp}.${sig}`)).toBeNull();
    expect(verifySignupTicket(`${id}.${Number(exp) + 100_000}.${sig}`)).toBeNull();
    expect(verifySignupTicket(`${id}.${exp}.${"A".repeat(43)}`)).toBeNull();
    expect(verifySignupTicket(undefined)).toBeNull();
    expect(verifySignupTicket({ ticket })).toBeNull();
    vi.stubEnv("AUTH_SECRET", "another-secret-of-at-least-thirty-two-chars");
    expect(verifySignupTicket(ticket)).toBeNull();
  });
});
