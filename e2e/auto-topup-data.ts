/** Names shared by e2e/seed-auto-topup.ts and e2e/auto-topup.spec.ts. */
export const AUTO = {
  admin: "at-admin",
  manager: "at-manager",
  /** 3600 credits/hour on the default cluster: a running job spends one credit a second. */
  preset: "drain-3600",
  /** The org's balance when seeded: a few seconds of that preset above the spec's threshold (20). */
  balance: "26",
} as const;
/** The org is new on every seed (a persistent E2E_DATABASE_URL keeps the last run's): its name is written here. */
export const AUTO_TOPUP_ORG_FILE = ".data/e2e-auto-topup-org.json";
