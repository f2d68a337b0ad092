"use server";

import { redirect } from "next/navigation";
import { formField, formValues, runFormAction, type FormState } from "@/app/_server/action";
import { getDb } from "@/db";
import { resetPassword } from "@/lib/accounts";

export async function resetPasswordAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["token"]);
  return runFormAction(values, async () => {
    await resetPassword(await getDb(), { token: values.token, password: formField(formData, "password") });
    redirect("/signin?reset=1");
  });
}
