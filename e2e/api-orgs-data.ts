/** Names and tokens the seed (e2e/seed-api-orgs.ts) makes for e2e/api-admin-orgs.spec.ts (Apolo's org API). */
export const API_ORG = "apiorgs-lab";

/** A personal access token with a known value (43 characters after the prefix, as real ones). */
function pat(label: string): string {
  return `apolo_pat_${label
    .replace(/[^A-Za-z0-9]/g, "")
    .padEnd(43, "x")
    .slice(0, 43)}`;
}

export const API_PEOPLE = {
  admin: { username: "apiorgs-admin", name: "Ada Lovelace", token: pat("e2eApiOrgsAdmin") },
  manager: { username: "apiorgs-manager", name: null, token: pat("e2eApiOrgsManager") },
  user: { username: "apiorgs-user", name: "Grace Brewster Hopper", token: pat("e2eApiOrgsUser") },
  outsider: { username: "apiorgs-outsider", name: null, token: pat("e2eApiOrgsOutsider") },
  operator: { username: "apiorgs-operator", name: null, token: pat("e2eApiOrgsOperator") },
  /** Added by the operator (at once) and invited by the manager in the spec. */
  added: { username: "apiorgs-added", name: null, token: pat("e2eApiOrgsAdded") },
  invitee: { username: "apiorgs-invitee", name: null, token: pat("e2eApiOrgsInvitee") },
} as const;

/** A read-only token of the admin, and a token of the admin restricted to another org. */
export const API_ADMIN_READ_ONLY = pat("e2eApiOrgsAdminReadOnly");
export const API_ADMIN_OTHER_ORG = pat("e2eApiOrgsAdminOtherOrg");
export const API_OTHER_ORG = "apiorgs-other";
