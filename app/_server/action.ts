import "server-only";
import { unstable_rethrow } from "next/navigation";
import {
  BAD_TEXT_MESSAGE,
  errorFields,
  hasControlCharacters,
  Invalid,
  invalidFromDbError,
  isDomainError,
  unavailableFromDbError,
  type FieldErrors,
} from "@/lib/core";
import { formField } from "./form-input";
import { requestId } from "./session";

export { formField, plainArg, requireArgs } from "./form-input";

/** What a form action returns to its form: a message, per-field messages, and what was typed. */
export interface FormState {
  ok?: boolean;
  message?: string;
  fieldErrors?: FieldErrors;
  /** The submitted values (never passwords), so a failed submit keeps what was typed. */
  values?: Record<string, string>;
}

/** The named fields as strings; anything but FormData (a forged call's `[{}]`) is an empty form, never a 500. */
export function formValues(formData: unknown, fields: string[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f, formField(formData, f)]));
}

/**
 * The one place actions map errors (pages: page-errors.ts, routes: http-errors.ts): a domain error becomes its message and per-field messages; anything else
 * is logged with a request id and becomes a generic message. Next's redirects pass through.
 */
async function describeError(
  thrown: unknown,
  values?: Record<string, string>,
): Promise<{ message: string; fieldErrors?: FieldErrors }> {
  unstable_rethrow(thrown);
  // The database can't be reached: say so (nothing was saved), not "something went wrong".
  // PostgreSQL refused a character (22021, 22P05): the input's fault, told on the field that holds it.
  const err = unavailableFromDbError(thrown) ?? badTextError(thrown, values) ?? thrown;
  if (isDomainError(err)) {
    const fieldErrors = errorFields(err);
    if (fieldErrors?._form && Object.keys(fieldErrors).length === 1) return { message: fieldErrors._form[0]! };
    return { message: err.message, fieldErrors };
  }
  const id = await requestId();
  console.error(`[request ${id}] action failed:`, err);
  return { message: `Something went wrong on our side. Please try again (reference ${id}).` };
}

/**
 * The Invalid a bad-text database error (22021, 22P05) stands for: on each submitted field whose value holds a
 * control character (a NUL is what PostgreSQL refuses), else a form message. Null for any other error.
 */
function badTextError(thrown: unknown, values?: Record<string, string>) {
  const fields = Object.entries(values ?? {})
    .filter(([, v]) => hasControlCharacters(v))
    .map(([k]) => k);
  if (fields.length === 0) return invalidFromDbError(thrown);
  if (!invalidFromDbError(thrown)) return null;
  return new Invalid(Object.fromEntries(fields.map((f) => [f, [BAD_TEXT_MESSAGE]])), BAD_TEXT_MESSAGE);
}

/** Form actions: field messages go next to their fields, other messages above the form; typed values stay. */
export async function runFormAction(
  values: Record<string, string>,
  fn: () => Promise<FormState | void>,
): Promise<FormState> {
  try {
    return (await fn()) ?? { ok: true, values };
  } catch (err) {
    const { message, fieldErrors } = await describeError(err, values);
    return { ok: false, message: fieldErrors ? undefined : message, fieldErrors, values };
  }
}

export type ActionResult<T = undefined> =
  { ok: true; data: T; message?: string } | { ok: false; message: string; fieldErrors?: FieldErrors };

/** For actions called with arguments (menus, dialogs): the first field message, or the message, to show. */
export async function runAction<T>(
  fn: () => Promise<T>,
  successMessage?: (data: T) => string,
): Promise<ActionResult<T>> {
  try {
    const data = await fn();
    return { ok: true, data, message: successMessage?.(data) };
  } catch (err) {
    const { message, fieldErrors } = await describeError(err);
    const first = fieldErrors ? Object.values(fieldErrors)[0]?.[0] : undefined;
    return fieldErrors ? { ok: false, message: first ?? message, fieldErrors } : { ok: false, message };
  }
}
