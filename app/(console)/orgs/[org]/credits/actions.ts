"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { requireArgs, runAction } from "@/app/_server/action";
import { setFlash } from "@/app/_server/flash";
import { paymentServices, services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { cancelPayment, createTopUp, paySandboxPayment } from "@/lib/billing";
import { formatCredits } from "@/lib/core";

/** Starts a top-up and sends the payer to the checkout (the sandbox page, or Stripe). */
export async function topUpAction(org: string, credits: string) {
  return runAction(async () => {
    requireArgs({ org, credits });
    const r = await createTopUp(await getDb(), await currentCaller(), org, { credits }, await paymentServices());
    redirect(r.url);
  });
}

export async function paySandboxAction(org: string, paymentId: string) {
  return runAction(async () => {
    requireArgs({ org, paymentId });
    const r = await paySandboxPayment(await getDb(), await currentCaller(), org, paymentId, await services());
    revalidatePath(`/orgs/${org}`, "layout");
    if (r.outcome === "paid") await setFlash(`${formatCredits(r.credits)} credits added to ${org}.`);
    // `toasted`: the page shows no banner repeating the toast.
    redirect(`/orgs/${org}/credits?payment=${paymentId}${r.outcome === "paid" ? "&toasted=1" : ""}`);
  });
}

export async function cancelSandboxAction(org: string, paymentId: string) {
  return runAction(async () => {
    requireArgs({ org, paymentId });
    await cancelPayment(await getDb(), await currentCaller(), org, paymentId);
    await setFlash("Top-up cancelled. Nothing was charged.", "info");
    redirect(`/orgs/${org}/credits`);
  });
}
