import { cn } from "./cn";

/** A grey placeholder block that pulses (still under reduced motion: it just doesn't pulse). */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden className={cn("animate-pulse rounded-md bg-subtle motion-reduce:animate-none", className)} />;
}

/**
 * A page on its way: a title, a row of stat tiles and a table's rows, in the shape most console pages have.
 * `role="status"` with a label, so a screen reader hears that it's loading.
 */
export function PageSkeleton({
  tiles = 3,
  rows = 6,
  title = true,
}: {
  tiles?: number;
  rows?: number;
  title?: boolean;
}) {
  return (
    <div role="status" aria-label="Loading" className="space-y-4" data-testid="page-skeleton">
      {title && <Skeleton className="h-8 w-48" />}
      {tiles > 0 && (
        <div className="grid gap-3 sm:grid-cols-3">
          {Array.from({ length: tiles }, (_, i) => (
            <div key={i} className="space-y-2 rounded-lg border border-border p-4">
              <Skeleton className="h-3 w-20" />
              <Skeleton className="h-6 w-28" />
            </div>
          ))}
        </div>
      )}
      <div className="space-y-3 rounded-lg border border-border p-4">
        <Skeleton className="h-4 w-40" />
        {Array.from({ length: rows }, (_, i) => (
          <Skeleton key={i} className="h-8 w-full" />
        ))}
      </div>
      <span className="sr-only">Loading…</span>
    </div>
  );
}
