import { PageSkeleton } from "@/components/ui/skeleton";

/** A settings tab on its way: under the Settings title and tabs, a table's shape. */
export default function SettingsLoading() {
  return <PageSkeleton title={false} tiles={0} rows={8} />;
}
