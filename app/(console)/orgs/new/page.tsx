import type { Metadata } from "next";
import { requireUserPage } from "@/app/_server/session";
import { CreateOrgForm } from "@/components/console/create-org-form";
import { Card } from "@/components/ui/card";

export const metadata: Metadata = { title: "Create organization" };

export default async function NewOrgPage() {
  await requireUserPage("/orgs/new");
  return (
    <main id="content" className="mx-auto w-full max-w-lg px-4 py-10 sm:px-6">
      <h1 className="text-xl font-semibold tracking-tight">Create an organization</h1>
      <p className="mt-1 mb-6 text-sm text-muted">
        A new organization with its own members and credits. You become its admin.
      </p>
      <Card className="p-5">
        <CreateOrgForm autoFocus />
      </Card>
    </main>
  );
}
