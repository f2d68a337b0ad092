import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * The Auth.js secret. Production must set AUTH_SECRET (instrumentation.ts refuses to start otherwise).
 * In development a random secret is generated once into .data/dev-auth-secret, so a fresh clone runs with
 * no .env and sessions survive restarts.
 */
export function authSecret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  if (process.env.NODE_ENV === "production") {
    throw new Error("AUTH_SECRET is not set: the server refuses to sign sessions with a made-up secret.");
  }
  const file = path.join(process.cwd(), ".data", "dev-auth-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    const secret = randomBytes(33).toString("base64url");
    writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
    return secret;
  }
}

/**
 * The AES-256-GCM key of artifact secrets (SECRETS_KEY, base64 or hex of 32 bytes, as parsed by
 * lib/core/config.ts: `configured`). Production
 * must set it (startup refuses to start otherwise). In development a random key is generated once into
 * .data/dev-secrets-key, so secrets written before a restart stay readable.
 */
export function secretsKey(configured: Buffer | null): Buffer {
  if (configured) return configured;
  if (process.env.NODE_ENV === "production") {
    throw new Error("SECRETS_KEY is not set: the server refuses to encrypt secrets under a made-up key.");
  }
  const file = path.join(process.cwd(), ".data", "dev-secrets-key");
  try {
    const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
    if (key.length === 32) return key;
    throw new Error(`${file} does not hold 32 bytes in base64: delete it to generate a new key.`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(path.dirname(file), { recursive: true });
    const key = randomBytes(32);
    try {
      writeFileSync(file, key.toString("base64"), { mode: 0o600, flag: "wx" });
      return key;
    } catch {
      // Another process wrote it first: use theirs.
      return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
    }
  }
}
