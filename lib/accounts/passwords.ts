import { hash, verify, type Algorithm } from "@node-rs/argon2";

// OWASP's argon2id settings (19 MiB, 2 passes, 1 lane).
const OPTIONS = { algorithm: 2 as Algorithm /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified against when an account doesn't exist, so a miss costs as long as a wrong password.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (!passwordHash) {
    await verify(await (dummyHash ??= hashPassword("not-a-real-password")), password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
