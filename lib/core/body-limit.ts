/**
 * The largest request body a page accepts (server actions, i.e. every form): next.config.ts gives it to Next as
 * `serverActions.bodySizeLimit`, and proxy.ts answers 413 above it before Next reads the body. Without the proxy's
 * check Next throws "Body exceeded 1 MB limit" inside the action handler and answers 500 with the generic error
 * page. The forms' inputs have maxLength far below this (lib/core/validation.ts MAX_LENGTH).
 */
export const ACTION_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The 413 answer to a server action call (text/plain: Next's client turns exactly that into an Error with this
 * message, which app/error.tsx recognises).
 */
export const TOO_LARGE_MESSAGE =
  "Request too large: the form sent more than 1 MB. Shorten what you entered and try again.";

export function isTooLargeError(error: { message?: string } | null | undefined): boolean {
  return error?.message === TOO_LARGE_MESSAGE;
}
