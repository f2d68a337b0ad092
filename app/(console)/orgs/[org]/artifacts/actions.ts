"use server";

import { revalidatePath } from "next/cache";
import { formValues, requireArgs, runAction, runFormAction, type FormState } from "@/app/_server/action";
import { services } from "@/app/_server/services";
import { currentCaller } from "@/app/_server/session";
import { getDb } from "@/db";
import { createBucket, createDisk, createSecret, deleteArtifact, updateSecret } from "@/lib/artifacts";

/** The org's pages (the Artifacts page, the project's tab, the balance) all show artifacts: refresh the org. */
const refreshOrg = (org: string) => revalidatePath(`/orgs/${org}`, "layout");

export async function createDiskAction(
  org: string,
  cluster: string,
  project: string,
  formData: FormData,
): Promise<FormState> {
  const values = formValues(formData, ["name", "size", "storageClass"]);
  return runFormAction(values, async () => {
    requireArgs({ org, cluster, project });
    const d = await createDisk(await getDb(), await currentCaller(), org, { cluster, project }, values);
    refreshOrg(org);
    return { ok: true, message: `Disk ${d.name} created.` };
  });
}

export async function createBucketAction(
  org: string,
  cluster: string,
  project: string,
  formData: FormData,
): Promise<FormState> {
  const values = formValues(formData, ["name", "provider", "region"]);
  return runFormAction(values, async () => {
    requireArgs({ org, cluster, project });
    const b = await createBucket(await getDb(), await currentCaller(), org, { cluster, project }, values);
    refreshOrg(org);
    return { ok: true, message: `Bucket ${b.name} created.` };
  });
}

/**
 * Creates a secret, or replaces the value of an existing one (`replace`). The value is write-only: the answer
 * never carries it back, not even after a failed submit (only the key is kept in the form's values).
 */
export async function saveSecretAction(
  org: string,
  cluster: string,
  project: string,
  replace: boolean,
  formData: FormData,
): Promise<FormState> {
  const { key, value } = formValues(formData, ["key", "value"]);
  return runFormAction({ key: key ?? "" }, async () => {
    requireArgs({ org, cluster, project });
    const db = await getDb();
    const caller = await currentCaller();
    const svc = await services();
    const ref = { cluster, project };
    const s = replace
      ? await updateSecret(db, caller, org, ref, { key, value }, svc)
      : await createSecret(db, caller, org, ref, { key, value }, svc);
    refreshOrg(org);
    return { ok: true, message: replace ? `Secret ${s.name}: value replaced.` : `Secret ${s.name} created.` };
  });
}

export async function deleteArtifactAction(org: string, id: string) {
  return runAction(
    async () => {
      requireArgs({ org, id });
      const r = await deleteArtifact(await getDb(), await currentCaller(), org, { id });
      refreshOrg(org);
      return { kind: r.kind, name: r.name };
    },
    (r) => `${r.kind === "disk" ? "Disk" : r.kind === "bucket" ? "Bucket" : "Secret"} ${r.name} deleted.`,
  );
}
