"use server";

import { requireArgs, runAction } from "@/app/_server/action";
import { setFlash } from "@/app/_server/flash";
import { services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { isOrgNameAvailable, ORG_NAME_REDIRECT_DAYS, renameOrg } from "@/lib/orgs";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";

/**
 * The URL-name field's hint as someone types (Create organization; with `org`, Settings → General's rename):
 * available / taken / reserved / invalid with the rule. Rate-limited in lib; createOrg and renameOrg re-check.
 */
export async function checkOrgNameAction(name: string, org?: string) {
  return runAction(async () => {
    requireArgs({ name, "org?": org });
    return isOrgNameAvailable(await getDb(), await currentCaller(), { name, org }, await services());
  });
}

/** Settings → General: the display name (admins). */
export async function renameOrgDisplayNameAction(org: string, displayName: string) {
  return runAction(
    async () => {
      requireArgs({ org, displayName });
      const r = await renameOrg(await getDb(), await currentCaller(), org, { displayName });
      revalidatePath("/", "layout");
      return r;
    },
    (r) => (r.changed ? "Display name saved." : "Nothing to change."),
  );
}

/**
 * Settings → General: a new URL name (admins; the current name typed to confirm). The browser goes on to the same
 * page under the new name; the old name redirects members there for ORG_NAME_REDIRECT_DAYS.
 */
export async function changeOrgNameAction(org: string, name: string, confirmName: string) {
  return runAction(async () => {
    requireArgs({ org, name, confirmName });
    const r = await renameOrg(await getDb(), await currentCaller(), org, { name, confirmName });
    if (!r.changed) return r;
    await setFlash(
      `The organization's URL name is now '${r.name}'. Links with '${org}' lead here for ${ORG_NAME_REDIRECT_DAYS} days.`,
    );
    revalidatePath("/", "layout");
    redirect(`/orgs/${r.name}/settings/general`);
  });
}
