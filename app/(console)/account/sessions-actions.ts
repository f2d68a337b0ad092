"use server";

import { revalidatePath } from "next/cache";
import { requireArgs, runAction } from "@/app/_server/action";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { revokeMyOtherSessions, revokeMySession } from "@/lib/accounts";

/** Signs one of the person's other browsers out (Account → Sessions, a row's "Sign out"). */
export async function revokeSessionAction(id: string) {
  return runAction(
    async () => {
      requireArgs({ id });
      await revokeMySession(await getDb(), await currentCaller(), { id });
      revalidatePath("/account");
    },
    () => "That browser was signed out.",
  );
}

/** "Sign out everywhere else": every session of the person but this browser's. */
export async function revokeOtherSessionsAction() {
  return runAction(
    async () => {
      const r = await revokeMyOtherSessions(await getDb(), await currentCaller());
      revalidatePath("/account");
      return r;
    },
    (r) => (r.ended === 1 ? "1 other browser was signed out." : `${r.ended} other browsers were signed out.`),
  );
}
