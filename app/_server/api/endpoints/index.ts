import type { Endpoint } from "../endpoint";
import * as account from "./account";
import * as adminOrgs from "./admin-orgs";
import * as adminProjects from "./admin-projects";
import * as apoloConfig from "./apolo-config";
import * as apoloUsers from "./apolo-users";
import * as consoleArtifacts from "./console-artifacts";
import * as consoleBilling from "./console-billing";
import * as consoleJobs from "./console-jobs";
import * as consoleOrgs from "./console-orgs";

/**
 * Every API endpoint, for the OpenAPI document (app/_server/api/openapi.ts) and the test that checks each
 * route file under app/api/v1 and app/apis/admin/v1 has its entry here. Each area's module exports its
 * endpoints; a route.ts file only re-exports their `route`.
 */
const MODULES: Record<string, unknown>[] = [
  account,
  adminOrgs,
  adminProjects,
  apoloConfig,
  apoloUsers,
  consoleOrgs,
  consoleBilling,
  consoleJobs,
  consoleArtifacts,
];

function isEndpoint(v: unknown): v is Endpoint {
  return typeof v === "object" && v !== null && "spec" in v && "route" in v;
}

export const ALL_ENDPOINTS: Endpoint[] = MODULES.flatMap((m) => Object.values(m).filter(isEndpoint));
