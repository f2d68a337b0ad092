import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { homePath } from "@/lib/orgs";
import { currentCaller, redirectToSignIn } from "./_server/session";

/** `/`: the org used last, else the first org, else onboarding. */
export default async function Home() {
  const actor = await currentCaller();
  if (!actor) await redirectToSignIn();
  redirect(await homePath(await getDb(), actor));
}
