import "server-only";
import { cache } from "react";
import { getDb } from "@/db";
import type { OrgAccess } from "@/lib/core";
import { enterOrg } from "@/lib/orgs";
import { currentCaller } from "./session";

/**
 * The caller's access to an org, loaded once per request (React `cache`): the org layout, the settings layout
 * and the page share it, and lib functions given it (an OrgRef) check their permission without a query.
 * Loading it also remembers the org as the caller's last (written only when that changes). Throws lib's
 * NotFound for outsiders: wrap in loadPage.
 */
export const orgAccess = cache(async (orgName: string): Promise<OrgAccess> => {
  return enterOrg(await getDb(), await currentCaller(), orgName);
});
