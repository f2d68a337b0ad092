"use server";

import { revalidatePath } from "next/cache";
import { signOut } from "@/app/_server/auth";
import { formField, formValues, requireArgs, runAction, runFormAction, type FormState } from "@/app/_server/action";
import { setFlash } from "@/app/_server/flash";
import { services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import {
  cancelEmailChange,
  changePassword,
  deleteAccount,
  requestEmailChange,
  resendEmailChange,
  updateDisplayName,
} from "@/lib/accounts";

export async function updateDisplayNameAction(formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["name"]);
  return runFormAction(values, async () => {
    const { name } = await updateDisplayName(await getDb(), await currentCaller(), values);
    revalidatePath("/account");
    return {
      ok: true,
      message: name ? "Display name saved." : "Display name removed.",
      values: { name: name ?? "" },
    };
  });
}

/** Passwords are never sent back in the form state. */
export async function changePasswordAction(formData: FormData): Promise<FormState> {
  const input = formValues(formData, ["currentPassword", "newPassword"]);
  return runFormAction({}, async () => {
    const r = await changePassword(await getDb(), await currentCaller(), input, await services());
    revalidatePath("/account");
    const others =
      r.endedSessions === 0
        ? ""
        : ` ${r.endedSessions} other session${r.endedSessions === 1 ? " was" : "s were"} signed out.`;
    return { ok: true, message: `${r.firstPassword ? "Password set." : "Password changed."}${others}`, values: {} };
  });
}

export async function requestEmailChangeAction(formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["email"]);
  const input = { ...values, currentPassword: formField(formData, "currentPassword") };
  return runFormAction(values, async () => {
    const r = await requestEmailChange(await getDb(), await currentCaller(), input, await services());
    revalidatePath("/account");
    return { ok: true, message: `We sent a link to ${r.email}. Follow it to confirm the new address.`, values: {} };
  });
}

export async function resendEmailChangeAction() {
  return runAction(
    async () => {
      const r = await resendEmailChange(await getDb(), await currentCaller(), await services());
      revalidatePath("/account");
      return r;
    },
    (r) => `A new link was sent to ${r.email}.`,
  );
}

export async function cancelEmailChangeAction() {
  return runAction(
    async () => {
      const r = await cancelEmailChange(await getDb(), await currentCaller());
      revalidatePath("/account");
      return r;
    },
    () => "Email change cancelled.",
  );
}

/**
 * Deletes the account after the username was typed, then signs out. The server-side sessions went with the
 * account (foreign keys cascade), so the cookie is dead either way; signing out also clears it.
 */
export async function deleteAccountAction(confirmUsername: string) {
  return runAction(async () => {
    requireArgs({ confirmUsername });
    const r = await deleteAccount(await getDb(), await currentCaller(), { confirmUsername });
    await setFlash(`Account ${r.username} was deleted.`, "info");
    await signOut({ redirectTo: "/signin?deleted=1" });
  });
}
