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
