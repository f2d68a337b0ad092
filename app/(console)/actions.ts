"use server";

import { formValues, plainArg, requireArgs, runAction, runFormAction, type FormState } from "@/app/_server/action";
import { signOut } from "@/app/_server/auth";
import { setFlash } from "@/app/_server/flash";
import { paymentServices, services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { endSession, requestEmailVerification } from "@/lib/accounts";
import { setAutoTopUp, setOrgCreditSettings, startCardSetup } from "@/lib/billing";
import { createOrg, deleteOrg, leaveOrg } from "@/lib/orgs";
import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";

/** Ends this browser's server-side session (so a copied cookie opens nothing), then clears the cookie. */
export async function signOutAction() {
  const caller = await currentCaller();
  if (caller?.kind === "user" && caller.sessionId) await endSession(await getDb(), caller.userId, caller.sessionId);
  await signOut({ redirectTo: "/signin" });
}

const themeSchema = z.enum(["system", "light", "dark"]);

export async function setThemeAction(theme: string) {
  const parsed = themeSchema.safeParse(theme);
  if (!parsed.success) return;
  const jar = await cookies();
  if (parsed.data === "system") jar.delete("theme");
  else jar.set("theme", parsed.data, { path: "/", maxAge: 365 * 24 * 3600, sameSite: "lax" });
}

export async function createOrgAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["name", "displayName"]);
  return runFormAction(values, async () => {
    const org = await createOrg(await getDb(), await currentCaller(), values);
    await setFlash(`Organization '${org.name}' created. You are its admin.`);
    redirect(`/orgs/${org.name}`);
  });
}

/** Leave an org (from the org picker or Settings → General); the last admin is refused with a reason. */
export async function leaveOrgAction(org: string) {
  return runAction(async () => {
    requireArgs({ org });
    await leaveOrg(await getDb(), await currentCaller(), org);
    await setFlash(`You left ${org}.`);
    redirect("/");
  });
}

/** Delete an org after its name was typed; everyone in it lands on another org or onboarding. */
export async function deleteOrgAction(org: string, confirmName: string) {
  return runAction(async () => {
    requireArgs({ org, confirmName });
    await deleteOrg(await getDb(), await currentCaller(), org, { confirmName });
    await setFlash(`Organization ${org} was deleted.`);
    redirect("/");
  });
}

export async function sendVerificationAction() {
  return runAction(
    async () => requestEmailVerification(await getDb(), await currentCaller(), await services()),
    (r) =>
      r.alreadyVerified ? "Your email address is already verified." : "Verification email sent. Follow the link in it.",
  );
}

export async function saveCreditSettingsAction(org: string, defaultUserCreditLimit: string, topUpMinRole?: string) {
  return runAction(async () => {
    requireArgs({ org, defaultUserCreditLimit, "topUpMinRole?": topUpMinRole });
    // One call, one transaction: a save that touches an admin-only field applies wholly or not at all (two
    // calls let a refused manager save still change the default limit).
    await setOrgCreditSettings(await getDb(), await currentCaller(), org, { defaultUserCreditLimit, topUpMinRole });
    revalidatePath(`/orgs/${org}`, "layout");
  });
}

/** Settings → General: the warnings before credits run out (whole seconds before the projected zero; admins). */
export async function saveProjectionWarningsAction(org: string, balanceProjectionSeconds: unknown) {
  return runAction(async () => {
    requireArgs({ org });
    await setOrgCreditSettings(await getDb(), await currentCaller(), org, {
      balanceProjectionSeconds: plainArg(balanceProjectionSeconds, "balanceProjectionSeconds"),
    });
    revalidatePath(`/orgs/${org}`, "layout");
  });
}

/**
 * Settings → General: automatic top-up ("when the balance falls below `threshold`, add `amount`", at most
 * `monthlyCap` a month). lib/billing/auto-topup.ts validates every field and lets only admins save.
 */
export async function saveAutoTopUpAction(
  org: string,
  enabled: boolean,
  threshold: string,
  amount: string,
  monthlyCap: string,
) {
  return runAction(async () => {
    requireArgs({ org, threshold, amount, monthlyCap });
    const settings = { enabled: plainArg(enabled, "enabled"), threshold, amount, monthlyCap };
    const r = await setAutoTopUp(await getDb(), await currentCaller(), org, settings, await paymentServices());
    revalidatePath(`/orgs/${org}`, "layout");
    return r;
  });
}

/** Stripe: saves a card for automatic top-ups through Checkout in setup mode (admins); back with `?card=saved`. */
export async function startCardSetupAction(org: string) {
  return runAction(async () => {
    requireArgs({ org });
    const r = await startCardSetup(await getDb(), await currentCaller(), org, await paymentServices());
    redirect(r.url);
  });
}
