import Link from "next/link";
import { appUrl, paymentProvider } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { cn } from "@/components/ui/cn";
import { getDb } from "@/db";
import { getAutoTopUp } from "@/lib/billing";
import { allowed, formatCredits, requireOrgAccess } from "@/lib/core";

/**
 * The Credits page's one line about automatic top-up, for those who may open Settings (managers and admins):
 * "Automatic top-up: on — below 20.00, add 50.00 · Settings".
 */
export async function AutoTopUpStatus({ org }: { org: string }) {
  const db = await getDb();
  const caller = await currentCaller();
  const access = await requireOrgAccess(db, caller, org, "org.view");
  if (!allowed(access, "settings.open")) return null;
  const view = await getAutoTopUp(db, caller, org, { provider: paymentProvider(await appUrl()) });
  const turnedOff = !view.enabled && view.disabledReason;
  return (
    <p data-testid="auto-topup-status" className={cn("text-sm", turnedOff ? "text-danger" : "text-muted")}>
      <span
        aria-hidden
        className={cn(
          "mr-1.5 inline-block size-2 rounded-full align-middle",
          view.enabled ? "bg-success" : turnedOff ? "bg-danger" : "bg-border-strong",
        )}
      />
      Automatic top-up:{" "}
      <span className={cn("font-medium", turnedOff ? "text-danger" : "text-fg")}>{view.enabled ? "on" : "off"}</span>
      {view.enabled && view.threshold && view.amount
        ? ` — below ${formatCredits(view.threshold)}, add ${formatCredits(view.amount)} credits`
        : turnedOff
          ? ` — ${view.disabledReason}`
          : ""}
      {view.pending ? " · a top-up is on its way" : ""}
      {" · "}
      <Link href={`/orgs/${org}/settings/general#auto-topup`} className="font-medium text-accent hover:underline">
        {view.configured || !view.canEdit ? "Settings" : "Set up"}
      </Link>
    </p>
  );
}
