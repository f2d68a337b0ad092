import { MAX_LENGTH } from "./limits";

/**
 * The URL name suggested for a display name (`Acme Research!` → `acme-research`): accents dropped, lowercase,
 * every run of other characters one hyphen, no hyphen at either end, cut to the name's maximum length. It may
 * still be too short or reserved: the availability check says so. No imports but limits, so the Create
 * organization form suggests as you type.
 */
export function suggestOrgName(displayName: string): string {
  return displayName
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_LENGTH.orgName)
    .replace(/-+$/, "");
}
