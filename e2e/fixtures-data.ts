/** Names shared by the seed (e2e/seed.ts) and the specs. */
export const PASSWORD = "e2e password 123";
export const BIG_ORG = "big-lab";
export const BIG_ORG_ADMIN = "big-lab-admin";
export const BIG_ORG_MEMBERS = 64;
