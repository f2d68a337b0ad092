import { currentActor, loadPage } from "@/app/_server/session";
import { OrgNav } from "@/components/console/org-nav";
import { getDb } from "@/db";
import { can } from "@/lib/authz";
import { enterOrg } from "@/lib/orgs";

/** Every page of an org: outsiders get the not-found page, members have the org remembered as their last. */
export default async function OrgLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ org: string }>;
}) {
  const { org } = await params;
  const access = await loadPage(async () => enterOrg(await getDb(), await currentActor(), org));
  const base = `/orgs/${access.org.name}`;
  return (
    <div className="mx-auto flex w-full max-w-6xl flex-1 flex-col gap-4 px-4 py-4 sm:px-6 md:flex-row md:gap-8 md:py-8">
      <aside className="border-b border-border pb-2 md:w-48 md:shrink-0 md:border-0 md:pb-0">
        <OrgNav
          items={[
            { href: base, label: "Overview" },
            can(access.role, "settings.open")
              ? { href: `${base}/settings/users`, label: "Settings", section: `${base}/settings` }
              : { href: `${base}/settings/users`, label: "Members" },
          ]}
        />
      </aside>
      <main className="min-w-0 flex-1">{children}</main>
    </div>
  );
}
