/** Secrets at rest: AES-256-GCM round trip, fresh IVs, and tampering (bytes, key, place) detected. */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "./shared/secrets-crypto";

const key = randomBytes(32);
const place = { orgId: "o1", projectId: "p1", key: "API_TOKEN" };

describe("secrets crypto", () => {
  it("round-trips, with a fresh IV each time, stored as base64 iv ‖ tag ‖ ciphertext", () => {
    const value = "héllo\nwörld ✓";
    const a = encryptSecret(key, place, value);
    const b = encryptSecret(key, place, value);
    expect(a).not.toBe(b);
    expect(a).not.toContain("llo");
    expect(Buffer.from(a, "base64").length).toBe(12 + 16 + Buffer.byteLength(value));
    expect(decryptSecret(key, place, a)).toBe(value);
    expect(decryptSecret(key, place, encryptSecret(key, place, ""))).toBe("");
  });

  it("detects a changed byte, another key and another place", () => {
    const stored = encryptSecret(key, place, "value");
    const raw = Buffer.from(stored, "base64");
    for (const i of [0, 12, 28, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[i] = bad[i]! ^ 1;
      expect(() => decryptSecret(key, place, bad.toString("base64"))).toThrow();
    }
    expect(() => decryptSecret(randomBytes(32), place, stored)).toThrow();
    expect(() => decryptSecret(key, { ...place, key: "OTHER" }, stored)).toThrow();
    expect(() => decryptSecret(key, { ...place, projectId: "p2" }, stored)).toThrow();
    expect(() => decryptSecret(key, place, "c2hvcnQ=")).toThrow();
    expect(() => encryptSecret(randomBytes(16), place, "v")).toThrow();
  });
});
