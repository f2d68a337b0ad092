"use server";

import { revalidatePath } from "next/cache";
import { requireArgs, runAction } from "@/app/_server/action";
import { services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { requestClusterAccess } from "@/lib/compute";

/** The overview checklist's "Request cluster access": platform admins are mailed and see it in the Admin area. */
export async function requestClusterAccessAction(org: string, message: string) {
  return runAction(
    async () => {
      requireArgs({ org, message });
      const r = await requestClusterAccess(await getDb(), await currentCaller(), { org, message }, await services());
      revalidatePath(`/orgs/${org}`);
      return { id: r.id };
    },
    () => "Cluster access requested. A platform admin will add the organization to a cluster.",
  );
}
