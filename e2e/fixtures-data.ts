/** Names shared by the seed (e2e/seed.ts) and the specs. */
export const PASSWORD = "e2e password 123";
export const BIG_ORG = "big-lab";
export const BIG_ORG_ADMIN = "big-lab-admin";
export const BIG_ORG_MEMBERS = 64;

/** e2e/api-admin-projects.spec.ts: accounts, org and clusters seeded by e2e/seed-apolo-projects.ts. */
export const AP = {
  op: "ap-operator",
  admin: "ap-admin",
  user: "ap-user",
  member: "ap-member",
  outsider: "ap-outsider",
  org: "ap-org",
  cluster: "ap-cluster",
  cluster2: "ap-cluster-two",
} as const;
/** Where the seed writes the personal access tokens of those accounts for the spec. */
export const APOLO_PROJECTS_TOKENS_FILE = ".data/e2e-apolo-projects-tokens.json";

/**
 * e2e/members.spec.ts: an org of more members than the search count's cap (lib/orgs/members.ts SEARCH_COUNT_CAP),
 * seeded by e2e/seed-huge-org.ts: `${HUGE_ORG}-m0001`…, every tenth a manager.
 */
export const HUGE_ORG = "huge-lab";
export const HUGE_ORG_ADMIN = "huge-lab-admin";
export const HUGE_ORG_MEMBERS = 1200;
