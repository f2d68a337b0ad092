"use server";

import { revalidatePath } from "next/cache";
import { formValues, requireArgs, runAction, runFormAction, type FormState } from "@/app/_server/action";
import { runnerSettings } from "@/app/_server/runner";
import { services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { startJob, stopJob } from "@/lib/compute";
import { QuotaExceeded } from "@/lib/core";

/** A refused start: Apolo's reason first, then what to do next; `next` is the link the form offers. */
export interface StartJobState extends FormState {
  next?: "top-up";
}

/**
 * Apolo's wording as the first sentence ("No credits left for org 'acme'."), then the next step: top up, stop
 * a job, or ask a manager.
 */
function explainRefusal(err: QuotaExceeded): { message: string; next?: "top-up" } {
  const first = err.message.endsWith(".") ? err.message : `${err.message}.`;
  const d = err.detail;
  if (d?.scope === "user")
    return { message: `${first.slice(0, -1)} — you run ${d.running} of ${d.limit}. Stop one or ask a manager.` };
  if (d?.scope === "org")
    return {
      message: `${first.slice(0, -1)} — ${d.running} of ${d.limit} jobs run on this cluster. Stop one or ask an admin to raise the limit.`,
    };
  if (err.message.startsWith("No credits left for org")) return { message: first, next: "top-up" };
  if (err.message.startsWith("No credits left for user"))
    return { message: `${first} Your credit limit is used up: ask a manager to raise it.` };
  return { message: first };
}

/** Starts a job; `project` (the project's name on the chosen cluster) is optional: empty means no project. */
export async function startJobAction(org: string, _prev: StartJobState, formData: FormData): Promise<StartJobState> {
  const values = formValues(formData, ["name", "cluster", "preset", "project"]);
  return runFormAction(values, async (): Promise<StartJobState> => {
    requireArgs({ org });
    let job: Awaited<ReturnType<typeof startJob>>;
    try {
      job = await startJob(await getDb(), await currentCaller(), org, values, await services());
    } catch (err) {
      if (err instanceof QuotaExceeded) return { ok: false, ...explainRefusal(err), values };
      throw err;
    }
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
