import { z } from "zod";
import { Invalid } from "./errors";

/**
 * Opaque cursors for keyset paging ("newest first" lists ordered by (timestamp desc, id desc)): a cursor holds
 * the last row's exact timestamp, as PostgreSQL prints it (microseconds kept; a JS Date has milliseconds only),
 * and its id. The next page is the rows strictly before that position, so rows added meanwhile never shift or
 * repeat a page. A cursor that wasn't made here is Invalid on `cursor`.
 */
export type KeysetId = "bigint" | "uuid";

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;
const IDS: Record<KeysetId, RegExp> = {
  bigint: /^[1-9]\d{0,18}$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
};

export const cursorLimitSchema = (def: number, max: number) =>
  z.object({
    // A cursor is base64url (what encodeKeyset makes): anything else is refused here, control characters included.
    cursor: z
      .string()
      .max(200)
      .regex(/^[A-Za-z0-9_-]*$/, "This cursor is not valid: start again without one.")
      .optional(),
    limit: z.coerce.number().int().min(1).max(max).default(def),
  });

export function encodeKeyset(at: string, id: string | number): string {
  return Buffer.from(JSON.stringify([at, String(id)]), "utf8").toString("base64url");
}

export function decodeKeyset(cursor: string, idKind: KeysetId): { at: string; id: string } {
  const bad = () => new Invalid({ cursor: ["This cursor is not valid: start again without one."] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== "string" ||
    typeof parsed[1] !== "string" ||
    !TIMESTAMP.test(parsed[0]) ||
    !IDS[idKind].test(parsed[1])
  ) {
    throw bad();
  }
  return { at: parsed[0], id: parsed[1] };
}
