/**
 * Artifact secrets at rest: AES-256-GCM under SECRETS_KEY (lib/core/config.ts). Stored as base64 of
 * iv (12 random bytes) ‖ tag (16 bytes) ‖ ciphertext. The additional authenticated data binds a ciphertext to
 * its place — (org id, project id, key) — so a ciphertext copied onto another secret's row fails to decrypt.
 * Nothing in the console decrypts a secret for display: values are write-only (decryptSecret exists for the
 * cluster side and for tests).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where a secret lives: what its ciphertext is bound to. */
export interface SecretPlace {
  orgId: string;
  projectId: string;
  key: string;
}

function aad(place: SecretPlace): Buffer {
  return Buffer.from(JSON.stringify(["apolo-secret-v1", place.orgId, place.projectId, place.key]), "utf8");
}

function checkKey(key: Buffer) {
  if (key.length !== 32) throw new Error("The secrets key must be 32 bytes (SECRETS_KEY).");
}

/** Encrypts `value` for `place`: base64 of iv ‖ tag ‖ ciphertext (a fresh random IV every time). */
export function encryptSecret(key: Buffer, place: SecretPlace, value: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(place));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

/** The value of a stored secret; throws when the key, the place or any byte of the ciphertext differs. */
export function decryptSecret(key: Buffer, place: SecretPlace, stored: string): string {
  checkKey(key);
  const raw = Buffer.from(stored, "base64");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error("Not an encrypted secret.");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(place));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
}
