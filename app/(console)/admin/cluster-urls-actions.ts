"use server";

import { revalidatePath } from "next/cache";
import { formValues, requireArgs, runFormAction, type FormState } from "@/app/_server/action";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { CLUSTER_URL_KEYS, setClusterUrls } from "@/lib/compute";

// The API (issue 13): a cluster's service URLs, as GET /api/v1/config gives them to the apolo CLI.
export async function setClusterUrlsAction(cluster: string, formData: FormData): Promise<FormState> {
  const values = formValues(formData, [...CLUSTER_URL_KEYS]);
  return runFormAction(values, async () => {
    requireArgs({ cluster });
    const r = await setClusterUrls(await getDb(), await currentCaller(), { ...values, cluster });
    revalidatePath("/admin", "layout");
    const set = CLUSTER_URL_KEYS.filter((k) => r[k] !== null).length;
    return {
      ok: true,
      message:
        set === 0
          ? `Every service URL of ${r.cluster} is back to its default.`
          : `Service URLs of ${r.cluster} saved (${set} set, ${CLUSTER_URL_KEYS.length - set} default).`,
    };
  });
}
