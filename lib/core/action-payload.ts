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

/**
 * Whether a JSON model of an action's reply is well-formed: valid JSON (the root one an array: the arguments), not deeper than MAX_ACTION_DEPTH, and
 * every `$`-string a known form; `parts` are the names of a multipart body's parts (null for text/plain, where
 * no reference to another part can resolve).
 */
export function isWellFormedModel(text: string, parts: ReadonlySet<string> | null, root = true): boolean {
  let model: unknown;
  try {
    model = JSON.parse(text);
  } catch {
    return false;
  }
  // The root model is the action's argument list.
  if (root && !Array.isArray(model)) return false;
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

function isKnownReference(v: string, parts: ReadonlySet<string> | null): boolean {
  if (SCALAR_REF.test(v)) return true;
  const ref = PART_REF.exec(v);
  if (!ref || parts === null) return false;
  const id = String(parseInt(ref[2]!, 16));
  // `$K<id>`: FormData entries named `_<id>_…` (an empty form has none).
  if (ref[1] === "K") return true;
  return parts.has(id);
}

/**
 * A multipart action body: its root part `0` and every other numbered part are JSON models (numbered parts that
 * are files — `$B` blobs — aside); FormData entries (`_1_name`) are the form's own values and not checked.
 */
export function isWellFormedMultipart(entries: Iterable<[string, unknown]>): boolean {
  const models = new Map<string, string>();
  const names = new Set<string>();
  for (const [name, value] of entries) {
    names.add(name);
    if (/^\d+$/.test(name) && typeof value === "string") models.set(name, value);
  }
  if (!names.has("0")) return false;
  for (const [name, text] of models) if (!isWellFormedModel(text, names, name === "0")) return false;
  return true;
}
