"use client";

import { Button } from "@/components/ui/button";

/** Unexpected errors: a generic message with the reference the server logged, never the details. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
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
