import { orgAccess } from "@/app/_server/org-access";
import { loadPage } from "@/app/_server/session";
import { NavLinks } from "@/components/console/nav-links";
import { can } from "@/lib/core";

/** Settings for managers and admins (Users, Reports, Audit, General); plain members only see the members list. */
export default async function SettingsLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ org: string }>;
}) {
  const { org } = await params;
  const access = await loadPage(() => orgAccess(org));
  // Plain members see the members list alone: the page still gets its top-level heading.
  if (!can(access.role, "settings.open")) {
    return (
      <>
        <h1 className="sr-only">Members of {access.org.name}</h1>
        {children}
      </>
    );
  }
  const base = `/orgs/${access.org.name}/settings`;
  return (
    <div className="space-y-6">
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
        <NavLinks
          variant="tabs"
          label="Settings"
          items={[
            { href: `${base}/users`, label: "Users" },
            { href: `${base}/reports`, label: "Reports" },
            { href: `${base}/audit`, label: "Audit log" },
            { href: `${base}/general`, label: "General" },
          ]}
        />
      </div>
      {children}
    </div>
  );
}
