import { orgAccess } from "@/app/_server/org-access";
import { pageError } from "@/app/_server/page-errors";
import { currentCaller, loadPage } from "@/app/_server/session";
import { getDb } from "@/db";
import { getBalanceBanner } from "@/lib/billing";
import { NavLinks } from "@/components/console/nav-links";
import { allowed, can, formatCredits } from "@/lib/core";
import { isDomainError } from "@/lib/core";
import { resolveOrgRedirect } from "@/lib/orgs";
import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { redirect } from "next/navigation";

/** Every org page's title says which org: `Credits · acme · Apolo Console` (pages keep their short titles). */
export async function generateMetadata({ params }: { params: Promise<{ org: string }> }): Promise<Metadata> {
  const { org } = await params;
  const access = await orgAccess(org).catch(() => null);
  if (!access) return {};
  return {
    title: { template: `%s · ${access.org.name} · Apolo Console`, default: `${access.org.name} · Apolo Console` },
  };
}

/**
 * The caller's access to the org, or — when no open org of theirs has this name but one of their orgs had it
 * less than ORG_NAME_REDIRECT_DAYS ago — a redirect to the same path under its new name. Outsiders get the
 * not-found page either way.
 */
async function accessOrRedirect(org: string) {
  try {
    return await orgAccess(org);
  } catch (err) {
    if (isDomainError(err) && err.kind === "not_found") {
      const renamed = await resolveOrgRedirect(await getDb(), await currentCaller(), org).catch(() => null);
      if (renamed) redirect(renamedPath((await headers()).get("x-pathname"), org, renamed));
    }
    return pageError(err);
  }
}

/** `/orgs/<old>/rest?query` → `/orgs/<new>/rest?query`; anything else → the new org's overview. */
function renamedPath(path: string | null, oldName: string, newName: string): string {
  const prefix = `/orgs/${encodeURIComponent(oldName)}`;
  if (path && path.startsWith(prefix)) {
    const rest = path.slice(prefix.length);
    if (rest === "" || rest.startsWith("/") || rest.startsWith("?")) return `/orgs/${newName}${rest}`;
  }
  return `/orgs/${newName}`;
}

/** Every page of an org: outsiders get the not-found page, members have the org remembered as their last. */
export default async function OrgLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ org: string }>;
}) {
  const { org } = await params;
  const access = await accessOrRedirect(org);
  // Out of credits, running out soon at the current rate, or below an amount threshold (lib/billing).
  const banner = await loadPage(async () => getBalanceBanner(await getDb(), await currentCaller(), access));
  const base = `/orgs/${access.org.name}`;
  return (
    <div className="mx-auto flex w-full max-w-6xl flex-1 flex-col has-[[data-table]]:max-w-[90rem] gap-4 px-4 py-4 sm:px-6 md:flex-row md:gap-8 md:py-8">
      <aside className="border-b border-border pb-2 md:w-48 md:shrink-0 md:border-0 md:pb-0">
        <NavLinks
          variant="side"
          label="Organization"
          items={[
            { href: base, label: "Overview" },
            { href: `${base}/projects`, label: "Projects", section: `${base}/projects` },
            { href: `${base}/jobs`, label: "Jobs" },
            ...(allowed(access, "artifacts.viewAll")
              ? [{ href: `${base}/artifacts`, label: "Artifacts", section: `${base}/artifacts` }]
              : []),
            { href: `${base}/credits`, label: "Credits", section: `${base}/credits` },
            can(access.role, "settings.open")
              ? { href: `${base}/settings/users`, label: "Settings", section: `${base}/settings` }
              : { href: `${base}/settings/users`, label: "Members" },
          ]}
        />
      </aside>
      <main id="content" className="min-w-0 flex-1 space-y-4">
        {banner && (
          <div
            role="status"
            data-testid="low-balance-banner"
            className="flex flex-wrap items-center justify-between gap-2 rounded-md border border-danger/30 bg-danger-soft px-4 py-2.5 text-sm text-danger"
          >
            <span>
              {banner.kind === "out"
                ? `${access.org.name} is out of credits: running jobs are stopped and new ones can't start.`
                : banner.kind === "projection"
                  ? `At the current rate, ${access.org.name}'s credits run out in ${banner.outlook.duration}${banner.outlook.day ? ` (${banner.outlook.day})` : ""}.`
                  : `${access.org.name} is low on credits: ${formatCredits(banner.balance)} left.`}
            </span>
            <Link href={`${base}/credits`} className="font-medium whitespace-nowrap underline">
              Top up <span aria-hidden>→</span>
            </Link>
          </div>
        )}
        {children}
      </main>
    </div>
  );
}
