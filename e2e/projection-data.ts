/** e2e/projection.spec.ts: accounts, orgs and cluster seeded by e2e/seed-projection.ts. */
export const PROJ = {
  admin: "proj-admin",
  manager: "proj-manager",
  org: "proj-org",
  idleOrg: "proj-idle",
  cluster: "proj-cluster",
} as const;
