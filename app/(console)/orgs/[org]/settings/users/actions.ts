"use server";

import { formValues, requireArgs, runAction, runFormAction, type FormState } from "@/app/_server/action";
import { services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { setMemberQuota } from "@/lib/billing";
import {
  changeMemberRole,
  inviteMembers,
  removeMember,
  renewInvitation,
  revokeInvitation,
  type InviteResult,
} from "@/lib/orgs";
import { revalidatePath } from "next/cache";

const usersPath = (org: string) => `/orgs/${org}/settings/users`;

export interface InviteState extends FormState {
  results?: InviteResult[];
  mailFailed?: number;
}

export async function inviteAction(org: string, _prev: InviteState, formData: FormData): Promise<InviteState> {
  const values = formValues(formData, ["entries", "role"]);
  let results: InviteResult[] | undefined;
  let mailFailed = 0;
  const state = await runFormAction(values, async () => {
    requireArgs({ org });
    const r = await inviteMembers(await getDb(), await currentCaller(), org, values, await services());
    results = r.results;
    mailFailed = r.mailFailed;
    revalidatePath(usersPath(org));
  });
  // After a submit that went through, the field is cleared for the next batch; the role is kept.
  return state.ok ? { ...state, results, mailFailed, values: { entries: "", role: values.role ?? "user" } } : state;
}

export async function changeRoleAction(org: string, username: string, role: string) {
  return runAction(
    async () => {
      requireArgs({ org, username, role });
      const r = await changeMemberRole(await getDb(), await currentCaller(), org, { username, role });
      revalidatePath(usersPath(org));
      return r;
    },
    (r) => (r.changed ? `${r.username} is now ${r.role}.` : `${r.username} already is ${r.role}.`),
  );
}

export async function removeMemberAction(org: string, username: string) {
  return runAction(
    async () => {
      requireArgs({ org, username });
      const r = await removeMember(await getDb(), await currentCaller(), org, { username });
      revalidatePath(usersPath(org));
      return r;
    },
    (r) => `${r.username} was removed from ${org}.`,
  );
}

export async function resendInvitationAction(org: string, id: string) {
  return runAction(
    async () => {
      requireArgs({ org, id });
      const r = await renewInvitation(
        await getDb(),
        await currentCaller(),
        org,
        { id },
        { ...(await services()), send: true },
      );
      revalidatePath(usersPath(org));
      return r;
    },
    (r) =>
      r.email === null
        ? r.mailFailed
          ? `Invitation to ${r.username} renewed for 7 days, but the reminder email could not be sent.`
          : `Reminded ${r.username}: the invitation is valid for 7 more days.`
        : r.mailFailed
          ? `New link created, but the email to ${r.email} could not be sent.`
          : `Invitation sent again to ${r.email}.`,
  );
}

export async function newInvitationLinkAction(org: string, id: string) {
  return runAction(async () => {
    requireArgs({ org, id });
    const r = await renewInvitation(
      await getDb(),
      await currentCaller(),
      org,
      { id },
      { ...(await services()), send: false },
    );
    revalidatePath(usersPath(org));
    return r;
  });
}

export async function revokeInvitationAction(org: string, id: string) {
  return runAction(
    async () => {
      requireArgs({ org, id });
      const r = await revokeInvitation(await getDb(), await currentCaller(), org, { id });
      revalidatePath(usersPath(org));
      return r;
    },
    (r) => `Invitation to ${r.label} revoked.`,
  );
}

export async function setQuotaAction(org: string, username: string, creditLimit: string, maxRunningJobs: string) {
  return runAction(
    async () => {
      requireArgs({ org, username, creditLimit, maxRunningJobs });
      const r = await setMemberQuota(await getDb(), await currentCaller(), org, {
        username,
        creditLimit,
        maxRunningJobs,
      });
      revalidatePath(usersPath(org));
      return r;
    },
    (r) => `Quotas of ${r.username} saved${r.stoppedJobs ? `; ${r.stoppedJobs} running job(s) stopped` : ""}.`,
  );
}
