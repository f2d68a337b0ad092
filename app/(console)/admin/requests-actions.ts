"use server";

import { revalidatePath } from "next/cache";
import { requireArgs, runAction } from "@/app/_server/action";
import { services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { approveClusterAccessRequest, declineClusterAccessRequest } from "@/lib/compute";

/** Approving puts an org on a cluster: every admin page shows counts of orgs per cluster, so refresh the area. */
const refreshAdmin = () => revalidatePath("/admin", "layout");

export async function approveClusterAccessAction(id: string, cluster: string) {
  return runAction(
    async () => {
      requireArgs({ id, cluster });
      const r = await approveClusterAccessRequest(
        await getDb(),
        await currentCaller(),
        { id, cluster },
        await services(),
      );
      refreshAdmin();
      return r;
    },
    (r) => `${r.org} is on ${r.cluster}. The requester was told by mail.`,
  );
}

export async function declineClusterAccessAction(id: string, reason: string) {
  return runAction(
    async () => {
      requireArgs({ id, reason });
      const r = await declineClusterAccessRequest(
        await getDb(),
        await currentCaller(),
        { id, reason },
        await services(),
      );
      refreshAdmin();
      return r;
    },
    (r) => `Request of ${r.org} declined. The requester was told by mail.`,
  );
}
