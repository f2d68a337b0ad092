import { ALL_ENDPOINTS } from "@/app/_server/api/endpoints";
import { buildOpenApi, type OpenApiOperation } from "@/app/_server/api/openapi";
import { appUrl } from "@/app/_server/services";
import { requireUserPage } from "@/app/_server/session";
import { CopyButton } from "@/components/ui/copy-button";
import { cn } from "@/components/ui/cn";
import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "API reference" };

const METHOD_TONE: Record<string, string> = {
  get: "border-accent/30 bg-accent-soft text-accent",
  post: "border-success/30 bg-success-soft text-success",
  put: "border-warning/30 bg-warning-soft text-warning",
  patch: "border-warning/30 bg-warning-soft text-warning",
  delete: "border-danger/30 bg-danger-soft text-danger",
};

function anchor(op: OpenApiOperation): string {
  return op.operationId;
}

function Schema({ schema }: { schema: unknown }) {
  return (
    // Scrollable: focusable so the keyboard can scroll it (axe scrollable-region-focusable).
    <pre
      tabIndex={0}
      className="max-h-80 overflow-auto rounded-md border border-border bg-subtle p-3 font-mono text-xs leading-relaxed"
    >
      {JSON.stringify(schema, null, 2)}
    </pre>
  );
}

/** The API reference: every endpoint of the OpenAPI document, grouped by family and tag. */
export default async function ApiDocsPage() {
  await requireUserPage("/docs/api");
  const base = await appUrl();
  const doc = buildOpenApi(ALL_ENDPOINTS, base);
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const families = [
    {
      id: "console",
      title: "Console API",
      intro:
        "The console's own API under /api/v1: your organizations, members, invitations, ledger, top-ups, jobs and artifacts.",
    },
    {
      id: "apolo",
      title: "Apolo admin API",
      intro:
        "Apolo's admin API under /apis/admin/v1, as the apolo CLI speaks it: organizations, their users, clusters, credits, quotas and projects.",
    },
  ] as const;
  return (
    <main id="content" className="mx-auto w-full max-w-5xl space-y-8 px-4 py-8 sm:px-6 sm:py-10">
      <div className="space-y-3">
        <h1 className="text-xl font-semibold tracking-tight">API reference</h1>
        <p className="max-w-3xl text-sm text-muted">
          Call the API with a personal access token from{" "}
          <Link href="/account/tokens" className="text-accent underline underline-offset-2">
            Account → Tokens
          </Link>{" "}
          in an <code className="font-mono text-xs">Authorization: Bearer apolo_pat_…</code> header. A token acts as
          you, within its scope (read-only or read and write) and its organization, if it has one. To use the{" "}
          <code className="font-mono text-xs">apolo</code> CLI with this console:
        </p>
        <div className="flex max-w-3xl items-center gap-2 rounded-md border border-border bg-subtle px-3 py-2">
          <code className="min-w-0 flex-1 truncate font-mono text-xs" data-testid="cli-login">
            apolo config login-with-token &lt;token&gt; {base}/api/v1
          </code>
          <CopyButton value={`apolo config login-with-token <token> ${base}/api/v1`} label="Copy command" />
        </div>
        <p className="text-sm text-muted">
          Machine-readable:{" "}
          <a href="/api/openapi.json" className="font-mono text-xs text-accent hover:underline">
            /api/openapi.json
          </a>{" "}
          (OpenAPI 3.1, generated from the same schemas the API validates with).
        </p>
      </div>
      {families.map((family) => {
        const mine = ops.filter((o) => o.op["x-family"] === family.id);
        if (mine.length === 0) return null;
        const tags = [...new Set(mine.map((o) => o.op.tags[0]!))].sort();
        return (
          <section key={family.id} className="space-y-4" aria-labelledby={`family-${family.id}`}>
            <div>
              <h2 id={`family-${family.id}`} className="text-lg font-semibold tracking-tight">
                {family.title}
              </h2>
              <p className="mt-1 text-sm text-muted">{family.intro}</p>
            </div>
            <nav aria-label={`${family.title} endpoints`} className="flex flex-wrap gap-1.5">
              {tags.map((tag) => (
                <a
                  key={tag}
                  href={`#${family.id}-${tag.replace(/\W+/g, "-")}`}
                  className="rounded-full border border-border px-2.5 py-1 text-xs text-muted hover:border-border-strong hover:text-fg"
                >
                  {tag}
                </a>
              ))}
            </nav>
            {tags.map((tag) => (
              <div key={tag} id={`${family.id}-${tag.replace(/\W+/g, "-")}`} className="space-y-3">
                <h3 className="text-sm font-semibold text-muted uppercase">{tag}</h3>
                {mine
                  .filter((o) => o.op.tags[0] === tag)
                  .map(({ path, method, op }) => (
                    <details
                      key={`${method} ${path}`}
                      id={anchor(op)}
                      className="group rounded-lg border border-border bg-canvas open:shadow-sm"
                      data-testid="api-operation"
                    >
                      <summary className="flex cursor-pointer list-none flex-wrap items-center gap-x-3 gap-y-1 px-4 py-3 focus-visible:outline-2">
                        <span
                          className={cn(
                            "w-16 shrink-0 rounded border px-1.5 py-0.5 text-center font-mono text-xs font-semibold uppercase",
                            METHOD_TONE[method],
                          )}
                        >
                          {method}
                        </span>
                        <code className="min-w-0 font-mono text-sm break-all">{path}</code>
                        <span className="w-full min-w-0 text-sm wrap-anywhere text-muted sm:ml-auto sm:w-auto sm:text-right">
                          {op.summary}
                        </span>
                      </summary>
                      <div className="space-y-4 border-t border-border px-4 py-4 text-sm">
                        {op.description && <p className="text-muted">{op.description}</p>}
                        {op.parameters.length > 0 && (
                          <div className="overflow-x-auto">
                            <table className="w-full table-fixed text-left text-sm">
                              <thead className="text-xs text-muted">
                                <tr>
                                  <th className="w-[30%] py-1 pr-3 font-medium">Parameter</th>
                                  <th className="w-[14%] py-1 pr-3 font-medium">In</th>
                                  <th className="w-[24%] py-1 pr-3 font-medium">Type</th>
                                  <th className="py-1 font-medium">Notes</th>
                                </tr>
                              </thead>
                              <tbody>
                                {op.parameters.map((p) => (
                                  <tr key={`${p.in}:${p.name}`} className="border-t border-border align-top">
                                    <td className="py-1.5 pr-3 font-mono text-xs wrap-anywhere">
                                      {p.name}
                                      {p.required && <span className="text-danger"> *</span>}
                                    </td>
                                    <td className="py-1.5 pr-3 text-muted">{p.in}</td>
                                    <td className="py-1.5 pr-3 font-mono text-xs wrap-anywhere text-muted">
                                      {typeOf(p.schema)}
                                    </td>
                                    <td className="py-1.5 wrap-anywhere text-muted">{p.description ?? ""}</td>
                                  </tr>
                                ))}
                              </tbody>
                            </table>
                          </div>
                        )}
                        {op.requestBody && (
                          <div className="space-y-1.5">
                            <h4 className="text-xs font-semibold text-muted">Request body (JSON)</h4>
                            <Schema schema={op.requestBody.content["application/json"].schema} />
                          </div>
                        )}
                        {Object.entries(op.responses)
                          .filter(([code]) => code.startsWith("2"))
                          .map(([code, r]) => (
                            <div key={code} className="space-y-1.5">
                              <h4 className="text-xs font-semibold text-muted">
                                {code} {r.description}
                              </h4>
                              {r.content && <Schema schema={r.content["application/json"]?.schema} />}
                            </div>
                          ))}
                        <p className="text-xs text-muted">
                          Errors:{" "}
                          {Object.keys(op.responses)
                            .filter((c) => !c.startsWith("2"))
                            .join(", ")}
                          {family.id === "apolo"
                            ? " — body { error: <message> }"
                            : " — body { error: { code, message, fields? } }"}
                        </p>
                      </div>
                    </details>
                  ))}
              </div>
            ))}
          </section>
        );
      })}
    </main>
  );
}

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map(String).join(" | ");
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Record<string, unknown>[]).map(typeOf).join(" | ");
  if (schema.type === "array") return `${typeOf((schema.items ?? {}) as Record<string, unknown>)}[]`;
  return typeof schema.type === "string" ? schema.type : "any";
}
