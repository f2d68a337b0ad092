"use server";

import { revalidatePath } from "next/cache";
import { formValues, requireArgs, runAction, runFormAction, type FormState } from "@/app/_server/action";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { createToken, revokeToken } from "@/lib/accounts";

export interface CreatedTokenState extends FormState {
  /** The new token: this answer is the only time it is ever shown. */
  token?: string;
  /** The same token in the form the apolo CLI reads its username from (lib/accounts/tokens.ts cliTokenOf). */
  cliToken?: string;
}

/** Account → Tokens, "Create token": answers the token once, for the dialog to show with a copy button. */
export async function createTokenAction(formData: FormData): Promise<CreatedTokenState> {
  const values = formValues(formData, ["name", "expiresIn", "scope", "org"]);
  let token: string | undefined;
  let cliToken: string | undefined;
  const state = await runFormAction(values, async () => {
    const r = await createToken(await getDb(), await currentCaller(), values);
    token = r.token;
    cliToken = r.cliToken;
    revalidatePath("/account/tokens");
    return { ok: true, message: `Token ${r.view.name} created.`, values: {} };
  });
  return state.ok ? { ...state, token, cliToken } : state;
}

/** Revokes one of the person's tokens: the next request made with it is refused. */
export async function revokeTokenAction(id: string) {
  return runAction(
    async () => {
      requireArgs({ id });
      const r = await revokeToken(await getDb(), await currentCaller(), { id });
      revalidatePath("/account/tokens");
      return r;
    },
    (r) => `Token ${r.name} revoked. Requests made with it are refused from now on.`,
  );
}
