"use server";

import { revalidatePath } from "next/cache";
import { formField, formValues, requireArgs, runAction, runFormAction, type FormState } from "@/app/_server/action";
import { services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import {
  createCluster,
  createClusterToken,
  createPreset,
  deletePreset,
  removeOrgCluster,
  revokeClusterToken,
  setClusterStorageRate,
  setOrgCluster,
} from "@/lib/compute";
import { grantCredits } from "@/lib/billing";
import { formatCredits } from "@/lib/core";
import { addMemberAsPlatformAdmin } from "@/lib/orgs";

/** Every admin page shows counts of the others (presets, orgs), so a change refreshes the whole area. */
const refreshAdmin = () => revalidatePath("/admin", "layout");

export async function createClusterAction(formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["name", "description", "runner"]);
  return runFormAction(values, async () => {
    const c = await createCluster(await getDb(), await currentCaller(), {
      ...values,
      isDefault: formField(formData, "isDefault") === "on",
    });
    refreshAdmin();
    return { ok: true, message: `Cluster ${c.name} created.`, values: { name: c.name } };
  });
}

export async function createPresetAction(cluster: string, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["name", "cpu", "memoryMb", "gpu", "creditsPerHour"]);
  return runFormAction(values, async () => {
    requireArgs({ cluster });
    const p = await createPreset(await getDb(), await currentCaller(), { ...values, cluster });
    refreshAdmin();
    return { ok: true, message: `Preset ${p.name} added to ${cluster}.` };
  });
}

export async function deletePresetAction(cluster: string, id: string, name: string) {
  return runAction(
    async () => {
      requireArgs({ cluster, id, name });
      const r = await deletePreset(await getDb(), await currentCaller(), { id });
      refreshAdmin();
      return r;
    },
    () => `Preset ${name} deleted from ${cluster}.`,
  );
}

export async function setOrgClusterAction(cluster: string, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["org", "maxRunningJobs"]);
  return runFormAction(values, async () => {
    requireArgs({ cluster });
    const r = await setOrgCluster(await getDb(), await currentCaller(), { ...values, cluster });
    refreshAdmin();
    const quota = r.maxRunningJobs === null ? "no job limit" : `at most ${r.maxRunningJobs} running jobs`;
    return { ok: true, message: `${r.org} is on ${r.cluster} with ${quota}.` };
  });
}

export async function removeOrgClusterAction(cluster: string, org: string) {
  return runAction(
    async () => {
      requireArgs({ cluster, org });
      const r = await removeOrgCluster(await getDb(), await currentCaller(), { cluster, org });
      refreshAdmin();
      return r;
    },
    (r) =>
      `${org} removed from ${cluster}.` +
      (r.stoppedJobs > 0 ? ` ${r.stoppedJobs} running job${r.stoppedJobs === 1 ? "" : "s"} stopped.` : ""),
  );
}

export interface TokenState extends FormState {
  /** The new token, shown once. */
  token?: string;
}

export async function createClusterTokenAction(cluster: string, formData: FormData): Promise<TokenState> {
  const values = formValues(formData, ["label"]);
  let token: string | undefined;
  const state = await runFormAction(values, async () => {
    requireArgs({ cluster });
    const r = await createClusterToken(await getDb(), await currentCaller(), { ...values, cluster });
    token = r.token;
    refreshAdmin();
    return { ok: true, message: `Token ${values.label?.trim()} created for ${cluster}.` };
  });
  return state.ok ? { ...state, token } : state;
}

export async function revokeClusterTokenAction(cluster: string, id: string, label: string) {
  return runAction(
    async () => {
      requireArgs({ cluster, id, label });
      const r = await revokeClusterToken(await getDb(), await currentCaller(), { id });
      refreshAdmin();
      return r;
    },
    () => `Token ${label} of ${cluster} revoked. Runners using it are refused from now on.`,
  );
}

export interface GrantState extends FormState {
  /** The org's balance after the grant, formatted for display. */
  result?: { org: string; balance: string };
}

export async function grantCreditsAction(formData: FormData): Promise<GrantState> {
  const values = formValues(formData, ["org", "mode", "amount", "note"]);
  let result: GrantState["result"];
  const state = await runFormAction(values, async () => {
    const r = await grantCredits(
      await getDb(),
      await currentCaller(),
      { ...values, note: values.note?.trim() || undefined },
      await services(),
    );
    const mode = values.mode === "set" ? "set" : "add";
    const balance = formatCredits(r.balance);
    result = { org: r.org, balance };
    refreshAdmin();
    return {
      ok: true,
      message:
        mode === "set"
          ? `${r.org}'s balance is now ${balance} credits (${r.delta.startsWith("-") ? "" : "+"}${formatCredits(r.delta)}).`
          : `Granted ${formatCredits(r.delta)} credits to ${r.org}. Balance: ${balance}.`,
    };
  });
  return state.ok ? { ...state, result } : state;
}

/** Adds an account to an org at once (platform admins only; lib/orgs/platform.ts refuses anyone else). */
export async function addOrgMemberAction(org: string, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["username", "role"]);
  return runFormAction(values, async () => {
    requireArgs({ org });
    const r = await addMemberAsPlatformAdmin(
      await getDb(),
      await currentCaller(),
      { ...values, org },
      await services(),
    );
    refreshAdmin();
    return {
      ok: true,
      message:
        `Added ${r.username} to ${r.org} as ${r.role}.` +
        (r.mailFailed ? " The email telling them could not be sent." : ""),
    };
  });
}

// Artifacts (issue 12): a cluster's disk storage price.
export async function setClusterStorageRateAction(cluster: string, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["rate"]);
  return runFormAction(values, async () => {
    requireArgs({ cluster });
    const r = await setClusterStorageRate(await getDb(), await currentCaller(), { ...values, cluster });
    refreshAdmin();
    return {
      ok: true,
      message: `Disk storage on ${r.cluster} now costs ${r.storageCreditsPerGbHour} credits per GB-hour.`,
    };
  });
}
