"use server";

import { signIn, unstable_update, auth } from "@/app/_server/auth";
import { formField, formValues, runFormAction, type FormState } from "@/app/_server/action";
import { safeReturnTo } from "@/app/_server/return-to";
import { signupTicket } from "@/app/_server/signup-ticket";
import { requestContext } from "@/app/_server/session";
import { getDb } from "@/db";
import { services } from "@/app/_server/services";
import { completeOAuthSignUp, requestEmailVerification, signUp } from "@/lib/accounts";
import { userCaller } from "@/lib/core";
import { redirect } from "next/navigation";

export async function signUpAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["username", "email", "invite"]);
  return runFormAction(values, async () => {
    const password = formField(formData, "password");
    const invite = values.invite || undefined;
    const db = await getDb();
    const user = await signUp(db, { ...values, password }, { ...(await requestContext()), inviteToken: invite });
    // An address not proven by an invitation link gets a verification link.
    if (!user.emailVerified) await requestEmailVerification(db, userCaller(user.id), await services());
    // Signed in with a ticket, not the password: the automatic sign-in doesn't count against the sign-in limit.
    await signIn("credentials", {
      ticket: signupTicket(user.id),
      redirectTo: invite ? safeReturnTo(`/invite/${invite}`, "/onboarding") : "/onboarding",
    });
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
