/** Shown while a settings page renders on the server (navigation stays responsive). */
export default function OrgLoading() {
  return (
    <div className="animate-pulse space-y-4" aria-busy="true" aria-label="Loading">
      <div className="h-7 w-48 rounded bg-subtle" />
      <div className="h-4 w-72 rounded bg-subtle" />
      <div className="h-40 rounded-lg border border-border bg-surface" />
    </div>
  );
}
