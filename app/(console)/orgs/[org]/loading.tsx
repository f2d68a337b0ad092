import { PageSkeleton } from "@/components/ui/skeleton";

/** An org page on its way (Overview, Jobs, Credits…): shown inside the org's frame at once on navigation. */
export default function OrgLoading() {
  return <PageSkeleton />;
}
