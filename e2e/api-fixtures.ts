/**
 * Accounts and personal access tokens seeded for the API specs (e2e/api-seed.ts, called by e2e/seed.ts), so an
 * API spec needs no token UI to get a bearer token. Each token is stored hashed like any other; these plaintexts
 * exist only in the e2e database.
 */
const pat = (tag: string) => `apolo_pat_${tag.repeat(43).slice(0, 43)}`;

export const API_PEOPLE = {
  /** Creates the org in the spec (as the UI does) and calls the API with its tokens. */
  admin: "api-admin",
  /** In no org. */
  outsider: "api-outsider",
  /** A platform admin and the only admin of API_FUZZ_ORG: e2e/api-fuzz.spec.ts sends its requests as them. */
  fuzzer: "api-fuzzer",
} as const;

/** The org e2e/api-fuzz.spec.ts fuzzes (no other spec touches it, so its rows can be compared). */
export const API_FUZZ_ORG = "api-fuzz-org";

export const API_TOKENS = {
  admin: { user: API_PEOPLE.admin, name: "e2e write", scope: "write", token: pat("e2eAdminWrite-") },
  adminRead: { user: API_PEOPLE.admin, name: "e2e read", scope: "read", token: pat("e2eAdminRead-") },
  outsider: { user: API_PEOPLE.outsider, name: "e2e outsider", scope: "write", token: pat("e2eOutsider-") },
  fuzzer: { user: API_PEOPLE.fuzzer, name: "e2e fuzzer", scope: "write", token: pat("e2eFuzzer-") },
} as const;
