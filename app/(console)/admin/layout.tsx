import { currentCaller, loadPage } from "@/app/_server/session";
import { NavLinks } from "@/components/console/nav-links";
import { getDb } from "@/db";
import { requirePlatformAdmin } from "@/lib/orgs";

/** The operator's area. Everyone who is not a platform admin gets the not-found page, as for a missing page. */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  await loadPage(async () => requirePlatformAdmin(await getDb(), await currentCaller()));
  return (
    <main
      id="content"
      className="mx-auto w-full max-w-6xl flex-1 space-y-6 px-4 py-4 has-[[data-table]]:max-w-[90rem] sm:px-6 md:py-8"
    >
      <div className="space-y-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Admin</h1>
          <p className="mt-1 text-sm text-muted">
            Platform administration: clusters and their presets, which organizations use them, and credit grants.
          </p>
        </div>
        <NavLinks
          variant="tabs"
          label="Admin"
          items={[
            { href: "/admin", label: "Clusters", section: "/admin/clusters" },
            { href: "/admin/orgs", label: "Organizations" },
            { href: "/admin/credits", label: "Credits" },
          ]}
        />
      </div>
      <div className="min-w-0">{children}</div>
    </main>
  );
}
