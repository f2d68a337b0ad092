import { Invalid } from "@/lib/core";

/**
 * Server actions are public endpoints: anyone can call one with any arguments React's reply format can
 * express (a forged `[{}]` instead of FormData, a number, a temporary client reference `"$T"`, which is a Proxy
 * that throws on any property access). These guards turn such calls into bad input (Invalid), never a 500 or
 * "Something went wrong".
 */

/** One form field as a string ("" when missing, or when `formData` isn't FormData at all). */
export function formField(formData: unknown, name: string): string {
  if (!(formData instanceof FormData)) return "";
  const v = formData.get(name);
  return typeof v === "string" ? v : "";
}

/**
 * Refuses a call whose arguments aren't strings where strings are expected (`undefined` passes where the
 * argument is optional: name it with a trailing `?`). Call first inside runAction/runFormAction.
 */
export function requireArgs(args: Record<string, unknown>): void {
  const errors: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(args)) {
    const optional = key.endsWith("?");
    const name = optional ? key.slice(0, -1) : key;
    if (typeof value === "string" || (optional && value === undefined)) continue;
    errors[name] = ["This request is not valid. Reload the page and try again."];
  }
  if (Object.keys(errors).length > 0)
    throw new Invalid(errors, "This request is not valid. Reload the page and try again.");
}

/**
 * A structured argument (an array, a boolean, a plain object) as plain JSON data: a temporary client reference or
 * anything else that can't be read as data is refused as bad input, before zod touches it.
 */
export function plainArg(value: unknown, name: string): unknown {
  try {
    return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
  } catch {
    throw new Invalid(
      { [name]: ["This request is not valid. Reload the page and try again."] },
      "This request is not valid. Reload the page and try again.",
    );
  }
}
