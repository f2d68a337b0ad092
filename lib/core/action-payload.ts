/**
 * Cheap checks of a server action request (`Next-Action` header) that proxy.ts runs before Next.js parses it.
 * Next 16.4 answers 500 for a malformed action payload inside its action handler, before any application code
 * runs (an empty multipart body, invalid JSON, `NaN`, dangling `$Q1` references, thousands of nested arrays:
 * see e2e/fuzz.spec.ts). What a real client sends (React's encodeReply) always passes these checks:
 *
 * - the content type is one the client uses: `text/plain` (arguments as JSON), `multipart/form-data` (arguments
 *   with FormData or files) or `application/x-www-form-urlencoded`;
 * - JSON models parse, nest at most MAX_ACTION_DEPTH deep, and every `$`-string is one of React's forms; a
 *   reference to another part (`$Q1`, `$@2`, `$K1`…) is only possible in a multipart body, and must name a
 *   part that is there.
 *
 * No Next or React import: the rules are React's reply format (react-server-dom's parseModelString).
 */

export const ACTION_CONTENT_TYPES = ["text/plain", "multipart/form-data", "application/x-www-form-urlencoded"] as const;
export const MAX_ACTION_DEPTH = 64;

/** `$`-strings that stand for a value by themselves (no other part): escaped `$`, temporary reference, etc. */
const SCALAR_REF = /^\$(?:\$[\s\S]*|T|Infinity|-Infinity|-0|NaN|undefined|D[\s\S]{0,64}|n-?\d{1,300})$/;
/** A reference to another part: `$<kind><hex id>` with an optional `:path`. `$K` (FormData) names a prefix. */
const PART_REF = /^\$([@hQWiKABRrXxOoUSsLlGgMmV]?)([0-9a-fA-F]{1,8})((?::[^:]*)*)$/;

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Most arguments an action is called with; Next refuses more with a 500. */
export const MAX_ACTION_ARGS = 1000;

/** A multipart body's numbered parts: the parsed JSON of a model part, or FILE for a file part. */
export const FILE = Symbol("file");
export type ActionParts = ReadonlyMap<string, unknown>;

/** References whose part must be binary (a file): typed arrays, ArrayBuffer, DataView, Blob. */
const BINARY_KINDS = new Set(["A", "O", "o", "U", "S", "s", "L", "l", "G", "g", "M", "m", "V", "B"]);

/**
 * Whether a JSON model of an action's reply is well-formed: valid JSON (the root one an array of at most
 * MAX_ACTION_ARGS arguments), not deeper than MAX_ACTION_DEPTH, and every `$`-string a known form that resolves;
 * `parts` are a multipart body's numbered parts (null for text/plain, where no reference to another part can
 * resolve).
 */
export function isWellFormedModel(text: string, parts: ActionParts | null, root = true): boolean {
  let model: unknown;
  try {
    model = JSON.parse(text);
  } catch {
    return false;
  }
  return isWellFormedValue(model, parts, root);
}

function isWellFormedValue(model: unknown, parts: ActionParts | null, root: boolean): boolean {
  // The root model is the action's argument list.
  if (root && (!Array.isArray(model) || model.length > MAX_ACTION_ARGS)) return false;
  // Iterative walk: a hostile body must not be able to overflow the stack here either.
  const stack: [unknown, number][] = [[model, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === "string") {
      if (v.startsWith("$") && !isKnownReference(v, parts)) return false;
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (depth > MAX_ACTION_DEPTH) return false;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return true;
}

/**
 * A `$`-string React's decodeReply can resolve without throwing: a scalar form, or a reference to a part that is
 * there, of the kind the reference needs (a Map's part an array of entries, a Set's or an iterator's an array, a
 * typed array's a file), along a path that exists. Server references (`$h`) are refused: no action of the console
 * takes a function as an argument, and Next answers 500 for one it doesn't know.
 */
function isKnownReference(v: string, parts: ActionParts | null): boolean {
  if (SCALAR_REF.test(v)) return true;
  const ref = PART_REF.exec(v);
  if (!ref || parts === null) return false;
  const [, kind = "", hex, path = ""] = ref;
  // `$K<id>`: FormData entries named `_<id>_…` (an empty form has none).
  if (kind === "K") return true;
  if (kind === "h") return false;
  const id = String(parseInt(hex!, 16));
  if (!parts.has(id)) return false;
  let value = parts.get(id);
  if (BINARY_KINDS.has(kind)) return value === FILE && path === "";
  if (value === FILE) return false;
  for (const key of path.split(":").slice(1)) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) return false;
    value = (value as Record<string, unknown>)[key];
  }
  if (kind === "Q") return Array.isArray(value) && value.every((e) => Array.isArray(e));
  if (kind === "W" || kind === "i") return Array.isArray(value);
  return true;
}

/**
 * A multipart action body: its root part `0` is a JSON model, and every other numbered part a JSON model or a
 * file; FormData entries (`_1_name`) are the form's own values and not checked.
 */
export function isWellFormedMultipart(entries: Iterable<[string, unknown]>): boolean {
  const parts = new Map<string, unknown>();
  for (const [name, value] of entries) {
    if (!/^\d+$/.test(name)) continue;
    if (typeof value !== "string") parts.set(name, FILE);
    else {
      try {
        parts.set(name, JSON.parse(value));
      } catch {
        return false;
      }
    }
  }
  const root = parts.get("0");
  if (root === undefined || root === FILE) return false;
  for (const [name, value] of parts) {
    if (value !== FILE && !isWellFormedValue(value, parts, name === "0")) return false;
  }
  return true;
}
