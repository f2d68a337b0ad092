import { MAX_LENGTH } from "@/lib/core/limits";

/** The project-name rule spelled out under the field (the org-name rule: Apolo names projects the same way). */
export const PROJECT_NAME_RULE = `Lowercase letters, digits and single inner hyphens; 3–${MAX_LENGTH.orgName} characters.`;

/**
 * The part of the name rule that `name` already breaks as it is typed (the server checks again with the same
 * rule, lib/core/validation.ts platformNameSchema): null when it's fine so far. A name still too short, or a
 * hyphen at its end, is what typing goes through, so those wait for the server.
 */
export function projectNameProblem(name: string): string | null {
  const v = name.trim();
  if (!/^[a-z0-9-]*$/.test(v)) return "Use only lowercase letters, digits and hyphens.";
  if (v.startsWith("-") || v.includes("--")) return "Hyphens must be single and between letters or digits.";
  if (v.length > MAX_LENGTH.orgName) return `Name must be 3 to ${MAX_LENGTH.orgName} characters long.`;
  return null;
}
