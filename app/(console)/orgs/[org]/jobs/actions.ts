"use server";

import { revalidatePath } from "next/cache";
import { formValues, requireArgs, runAction, runFormAction, type FormState } from "@/app/_server/action";
import { runnerSettings } from "@/app/_server/runner";
import { services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { startJob, stopJob } from "@/lib/compute";

/** Starts a job; `project` (the project's name on the chosen cluster) is optional: empty means no project. */
export async function startJobAction(org: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const values = formValues(formData, ["name", "cluster", "preset", "project"]);
  return runFormAction(values, async () => {
    requireArgs({ org });
    const job = await startJob(await getDb(), await currentCaller(), org, values, await services());
    revalidatePath(`/orgs/${org}`, "layout");
    return {
      ok: true,
      message: values.project ? `Job ${job.name} started in project ${values.project}.` : `Job ${job.name} started.`,
      values: {
        name: "",
        cluster: values.cluster ?? "",
        preset: values.preset ?? "",
        project: values.project ?? "",
      },
    };
  });
}

export async function stopJobAction(org: string, id: string) {
  return runAction(
    async () => {
      requireArgs({ org, id });
      // With the embedded runner on, a job it charges is settled up to its stop at once.
      const settle = runnerSettings().enabled ? await services() : undefined;
      const r = await stopJob(await getDb(), await currentCaller(), org, { id }, { settle });
      revalidatePath(`/orgs/${org}`, "layout");
      return r;
    },
    (r) => (r.stopped ? `Job ${r.name} stopped.` : `Job ${r.name} was already stopped.`),
  );
}
