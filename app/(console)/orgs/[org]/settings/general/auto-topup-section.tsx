import { appConfig } from "@/app/_server/config";
import { appUrl, paymentProvider } from "@/app/_server/services";
import { currentCaller, loadPage } from "@/app/_server/session";
import { AutoTopUpCard } from "@/components/credits/auto-topup-card";
import { getDb } from "@/db";
import { getAutoTopUp } from "@/lib/billing";

/** Settings → General: the automatic top-up card (managers read it, admins change it). */
export async function AutoTopUpSection({ org }: { org: string }) {
  const provider = paymentProvider(await appUrl());
  const view = await loadPage(async () => getAutoTopUp(await getDb(), await currentCaller(), org, { provider }));
  const { pricePerCredit, currency } = appConfig().pricing;
  // Remounted when the saved settings change, so the form shows what was saved (normalized by the server).
  const key = [view.enabled, view.threshold, view.amount, view.monthlyCap, view.disabledAt?.getTime()].join("|");
  return <AutoTopUpCard key={key} org={org} view={view} price={pricePerCredit} currency={currency} />;
}
