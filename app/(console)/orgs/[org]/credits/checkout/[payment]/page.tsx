import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentCaller, loadPage } from "@/app/_server/session";
import { SandboxCheckout } from "@/components/credits/sandbox-checkout";
import { getDb } from "@/db";
import { getPayment } from "@/lib/billing";
import { formatCredits } from "@/lib/core";

export const metadata: Metadata = { title: "Checkout (sandbox)" };

/** The sandbox provider's checkout: clearly no real payment; Pay completes it like a webhook would. */
export default async function SandboxCheckoutPage({ params }: { params: Promise<{ org: string; payment: string }> }) {
  const { org, payment } = await params;
  const p = await loadPage(async () => getPayment(await getDb(), await currentCaller(), org, payment));
  if (p.provider !== "sandbox" || p.status !== "pending") redirect(`/orgs/${org}/credits?payment=${p.id}`);
  return (
    <div className="mx-auto max-w-md space-y-5">
      <div
        className="rounded-md border border-accent/40 bg-accent-soft px-4 py-3 text-sm font-medium text-accent"
        data-testid="sandbox-banner"
      >
        Sandbox — no money moves. This checkout stands in for a real payment provider.
      </div>
      <div className="rounded-lg border border-border p-5">
        <h1 className="text-lg font-semibold">Pay for credits</h1>
        <dl className="mt-4 space-y-2 text-sm">
          <div className="flex justify-between">
            <dt className="text-muted">Organization</dt>
            <dd className="font-medium">{org}</dd>
          </div>
          <div className="flex justify-between">
            <dt className="text-muted">Credits</dt>
            <dd className="font-medium tabular-nums">{formatCredits(p.credits)}</dd>
          </div>
          <div className="flex justify-between border-t border-border pt-2">
            <dt className="text-muted">Total</dt>
            <dd className="font-semibold tabular-nums">
              {p.amount} {p.currency.toUpperCase()}
            </dd>
          </div>
        </dl>
        <SandboxCheckout org={org} paymentId={p.id} />
      </div>
    </div>
  );
}
