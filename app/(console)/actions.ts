"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { signOut } from "@/app/_server/auth";
import { formValues, runFormAction, type FormState } from "@/app/_server/action";
import { setFlash } from "@/app/_server/flash";
import { currentActor } from "@/app/_server/session";
import { getDb } from "@/db";
import { createOrg } from "@/lib/orgs";

export async function signOutAction() {
  await signOut({ redirectTo: "/signin" });
}

const themeSchema = z.enum(["system", "light", "dark"]);

export async function setThemeAction(theme: string) {
  const parsed = themeSchema.safeParse(theme);
  if (!parsed.success) return;
  const jar = await cookies();
  if (parsed.data === "system") jar.delete("theme");
  else jar.set("theme", parsed.data, { path: "/", maxAge: 365 * 24 * 3600, sameSite: "lax" });
}

export async function createOrgAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["name", "displayName"]);
  return runFormAction(values, async () => {
    const org = await createOrg(await getDb(), await currentActor(), values);
    await setFlash(`Organization '${org.name}' created. You are its admin.`);
    redirect(`/orgs/${org.name}`);
  });
}
