"use server";

import { formValues, runFormAction, type FormState } from "@/app/_server/action";
import { services } from "@/app/_server/services";
import { requestContext } from "@/app/_server/session";
import { getDb } from "@/db";
import { requestPasswordReset } from "@/lib/accounts";

export async function forgotPasswordAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["email"]);
  return runFormAction(values, async () => {
    await requestPasswordReset(await getDb(), values, { ...(await requestContext()), svc: await services() });
    // The same answer whether or not the address has an account.
    return {
      ok: true,
      values,
      message: `If an account uses ${(values.email ?? "").trim()}, a link to choose a new password is on its way. It works for one hour.`,
    };
  });
}
