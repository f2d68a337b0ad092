"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { runAction } from "@/app/_server/action";
import { setFlash } from "@/app/_server/flash";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { acceptInvitation, declineInvitation } from "@/lib/orgs";

type Ref = { token: string } | { id: string };

/** Accept by the link's token or by id (from /invites); lands in the org with a toast. */
export async function acceptInvitationAction(ref: Ref) {
  return runAction(async () => {
    const r = await acceptInvitation(await getDb(), await currentCaller(), ref);
    await setFlash(`Welcome to ${r.orgName}: you joined as ${r.role}.`);
    redirect(`/orgs/${r.orgName}`);
  });
}

export async function declineInvitationAction(ref: Ref) {
  return runAction(
    async () => {
      const r = await declineInvitation(await getDb(), await currentCaller(), ref);
      revalidatePath("/", "layout");
      return r;
    },
    (r) => `Invitation to ${r.orgName} declined.`,
  );
}
