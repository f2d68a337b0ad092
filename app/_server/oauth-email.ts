import type { Account, Profile } from "next-auth";

interface GitHubEmail {
  email: string;
  verified: boolean;
  primary: boolean;
}

/**
 * The address an OAuth provider vouches for, or null. Google: the profile's `email` only with
 * `email_verified: true`. GitHub: its profile says nothing about verification, so the emails API decides
 * (`GET /user/emails`, each address with its `verified` flag): the profile's address if verified there, else
 * the primary address if verified. Anything unexpected (no token, an error, a timeout) vouches for nothing.
 */
export async function verifiedProviderEmail(
  account: Pick<Account, "provider" | "access_token">,
  profile: Profile | undefined,
  deps: { githubApiUrl: string; fetch: typeof fetch },
): Promise<string | null> {
  const profileEmail = typeof profile?.email === "string" ? profile.email : null;
  if (account.provider === "google") return profile?.email_verified === true ? profileEmail : null;
  if (account.provider !== "github" || !account.access_token) return null;
  try {
    const res = await deps.fetch(`${deps.githubApiUrl}/user/emails`, {
      headers: {
        Authorization: `Bearer ${account.access_token}`,
        Accept: "application/vnd.github+json",
        "User-Agent": "apolo-console",
      },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return null;
    const emails = (await res.json()) as unknown;
    if (!Array.isArray(emails)) return null;
    const verified = (emails as GitHubEmail[]).filter((e) => typeof e?.email === "string" && e.verified === true);
    const same = profileEmail && verified.find((e) => e.email.toLowerCase() === profileEmail.toLowerCase());
    if (same) return same.email;
    return verified.find((e) => e.primary)?.email ?? null;
  } catch {
    return null;
  }
}
