"use server";

import { formField, formValues, runFormAction, type FormState } from "@/app/_server/action";
import { signIn } from "@/app/_server/auth";
import { safeReturnTo } from "@/app/_server/return-to";
import { fieldErrorsOf, OAUTH_PROVIDERS, oauthProvidersFromEnv, signInSchema } from "@/lib/core";
import { AuthError, CredentialsSignin } from "next-auth";

export async function signInAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["identifier", "callbackUrl"]);
  return runFormAction(values, async () => {
    const parsed = signInSchema.safeParse({ identifier: values.identifier, password: formField(formData, "password") });
    if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error), values };
    try {
      await signIn("credentials", { ...parsed.data, redirectTo: safeReturnTo(values.callbackUrl) });
    } catch (err) {
      if (err instanceof CredentialsSignin) {
        const limited = /^rate_limited:(\d+)$/.exec(err.code);
        return {
          ok: false,
          values,
          message: limited
            ? `Too many sign-in attempts. Try again in ${limited[1]} s.`
            : err.code === "unavailable"
              ? "Sign-in is temporarily unavailable. Try again in a moment."
              : "Wrong username, email or password.",
        };
      }
      if (err instanceof AuthError) return { ok: false, values, message: "Sign-in failed. Please try again." };
      throw err; // NEXT_REDIRECT on success
    }
  });
}

export async function oauthSignInAction(formData: FormData) {
  const provider = formField(formData, "provider");
  const configured = oauthProvidersFromEnv(process.env).map((p) => p.id as string);
  if (!(OAUTH_PROVIDERS as readonly string[]).includes(provider) || !configured.includes(provider)) return;
  await signIn(provider, { redirectTo: safeReturnTo(formField(formData, "callbackUrl")) });
}
