"use client";

import { useRouter } from "next/navigation";
import { startTransition, useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { isTooLargeError } from "@/lib/core/body-limit";

/** Whether the server can reach what it needs (GET /api/ready): null while asking. */
function useReady(active: boolean, onBack: () => void) {
  const [ready, setReady] = useState<boolean | null>(null);
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wasDown = false;
    const check = async () => {
      const ok = await fetch("/api/ready", { cache: "no-store" }).then(
        (r) => r.ok,
        () => false,
      );
      if (stopped) return;
      setReady(ok);
      if (!ok) {
        wasDown = true;
        timer = setTimeout(check, 3_000);
      } else if (wasDown) onBack();
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active, onBack]);
  return ready;
}

/**
 * Unexpected errors: a generic message with the reference the server logged, never the details. One expected
 * case gets its own words: a form that sent more than the 1 MB a page accepts (proxy.ts answers 413).
 */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  const tooLarge = isTooLargeError(error);
  // The database (or Redis) being away is the likely cause of an unexpected error: ask, and if so, say so and
  // reload the page by itself once it is back.
  const [onBack] = useState(() => () => startTransition(() => (router.refresh(), reset())));
  const ready = useReady(!tooLarge, onBack);
  if (ready === false) {
    return (
      <main
        id="content"
        className="mx-auto flex min-h-[70dvh] max-w-md flex-col items-center justify-center gap-3 px-6 text-center"
        data-testid="unavailable"
      >
        <h1 className="text-xl font-semibold">Temporarily unavailable</h1>
        <p className="text-sm text-muted" role="status">
          The console can&apos;t reach its database right now. Nothing you saved is lost. Retrying every few seconds;
          this page reloads by itself when it&apos;s back.
        </p>
      </main>
    );
  }
  if (tooLarge) {
    return (
      <main
        id="content"
        className="mx-auto flex min-h-[70dvh] max-w-md flex-col items-center justify-center gap-3 px-6 text-center"
      >
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
    <main
      id="content"
      className="mx-auto flex min-h-[70dvh] max-w-md flex-col items-center justify-center gap-3 px-6 text-center"
    >
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
