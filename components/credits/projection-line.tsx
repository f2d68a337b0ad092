import { cn } from "@/components/ui/cn";
import type { ProjectionTone } from "@/lib/billing/projection-view";

/** The tone's text colour: ok reads as plain text, warn in amber, danger in red (both themes). */
export const TONE_TEXT: Record<ProjectionTone, string> = {
  ok: "text-fg",
  warn: "text-warning",
  danger: "text-danger",
};

/** A small dot before the projection: the tone at a glance, beside the words (never colour alone). */
function ToneDot({ tone }: { tone: ProjectionTone }) {
  return (
    <span
      aria-hidden
      className={cn(
        "mt-1.5 size-2 shrink-0 rounded-full",
        tone === "ok" ? "bg-success" : tone === "warn" ? "bg-warning" : "bg-danger",
      )}
    />
  );
}

/** "At the current rate, credits last about 4 days (until Dec 4, 14:00 UTC)." with its tone. */
export function ProjectionLine({
  text,
  tone,
  testId,
  className,
}: {
  text: string;
  tone: ProjectionTone;
  testId?: string;
  className?: string;
}) {
  return (
    <p className={cn("flex items-start gap-2 text-sm", TONE_TEXT[tone], className)} data-testid={testId}>
      <ToneDot tone={tone} />
      <span>{text}</span>
    </p>
  );
}

/** The rates behind the projection, credits per hour (pre-formatted). */
export function ProjectionRates({
  rates,
}: {
  rates: { label: string; value: string; note?: string; testId: string }[];
}) {
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-4" data-testid="projection-rates">
      {rates.map((r) => (
        <div key={r.label} className="min-w-0">
          <dt className="text-xs text-muted">{r.label}</dt>
          <dd className="mt-0.5 tabular-nums" data-testid={r.testId}>
            <span className="font-medium">{r.value}</span>
            <span className="text-muted"> /h</span>
            {r.note && <span className="block text-xs text-muted">{r.note}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}
