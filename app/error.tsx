"use client";

import { Button } from "@/components/ui/button";
import { isTooLargeError } from "@/lib/core/body-limit";

/**
 * Unexpected errors: a generic message with the reference the server logged, never the details. One expected
 * case gets its own words: a form that sent more than the 1 MB a page accepts (proxy.ts answers 413).
 */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  if (isTooLargeError(error)) {
    return (
      <main className="mx-auto flex min-h-[70dvh] max-w-md flex-col items-center justify-center gap-3 px-6 text-center">
        <h1 className="text-xl font-semibold">That was too much to send</h1>
        <p className="text-sm text-muted" data-testid="too-large">
          The form sent more than 1 MB, far more than any of its fields accepts. Nothing was saved. Shorten what you
          entered and try again.
        </p>
        <Button variant="secondary" onClick={reset}>
          Back to the form
        </Button>
      </main>
    );
  }
  return (
    <main className="mx-auto flex min-h-[70dvh] max-w-md flex-col items-center justify-center gap-3 px-6 text-center">
      <h1 className="text-xl font-semibold">Something went wrong</h1>
      <p className="text-sm text-muted">
        We couldn&apos;t load this page. Try again; if it keeps happening, contact support
        {error.digest ? (
          <>
            {" "}
            with reference <code className="font-mono">{error.digest}</code>
          </>
        ) : null}
        .
      </p>
      <Button variant="secondary" onClick={reset}>
        Try again
      </Button>
    </main>
  );
}
