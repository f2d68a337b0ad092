"use server";

import { signIn, unstable_update, auth } from "@/app/_server/auth";
import { formValues, runFormAction, type FormState } from "@/app/_server/action";
import { requestContext } from "@/app/_server/session";
import { getDb } from "@/db";
import { completeOAuthSignUp, signUp } from "@/lib/accounts";
import { redirect } from "next/navigation";

export async function signUpAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["username", "email"]);
  return runFormAction(values, async () => {
    const password = String(formData.get("password") ?? "");
    const user = await signUp(await getDb(), { ...values, password }, await requestContext());
    await signIn("credentials", { identifier: user.username, password, redirectTo: "/onboarding" });
  });
}

/** First OAuth sign-in: create the account with the chosen username, then turn the session into a real one. */
export async function chooseUsernameAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["username", "email"]);
  return runFormAction(values, async () => {
    const pending = (await auth())?.pendingOAuth;
    if (!pending) redirect("/signin");
    await completeOAuthSignUp(await getDb(), pending, values, await requestContext());
    await unstable_update({});
    redirect("/onboarding");
  });
}
