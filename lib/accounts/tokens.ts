/**
 * Personal access tokens (Account → Tokens): a person's bearer credential for the REST API and the `apolo` CLI.
 *
 * - `apolo_pat_` + 43 URL-safe characters (256 random bits); only the SHA-256 is stored, the token is shown once.
 * - A token acts as its user, within its scope ("read": no writes; "write": reads and writes) and, when it is
 *   restricted to an org, only in that org (lib/core/authz.ts requireOrgAccess). Everything else is read from the
 *   database on every request: a role change or a removal applies to the token's next request.
 * - Refused after expiry, revocation, account deletion and a password reset (both revoke every token).
 * - Created, listed and revoked only from a browser session: a token can't mint or revoke tokens.
 */
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "@/db";
import { orgMembers, orgs, personalAccessTokens, users } from "@/db/schema";
import { requireUser, tokenCaller, type Caller, type TokenCaller } from "../core/caller";
import { Forbidden, Invalid, NotFound } from "../core/errors";
import { hashToken } from "../core/tokens";
import { lineText, parseInput } from "../core/validation";
import { randomBytes } from "node:crypto";

export const PAT_PREFIX = "apolo_pat_";
/**
 * The `apolo` CLI reads its username from the token, as a JWT's unverified claims (apolo-sdk `_login.py`:
 * `identity` or `https://platform.neuromation.io/user`). So each token also has a CLI form: a JWT-shaped string
 * whose header and payload name the account and whose third segment is the token's secret (`alg: none` — nothing
 * is signed; the secret is what authenticates, exactly as in the `apolo_pat_` form). Both forms are the same
 * credential: one hash, one revocation. A CLI-form token whose username isn't its account's is refused.
 */
const CLI_IDENTITY_CLAIM = "https://platform.neuromation.io/user";
const CLI_HEADER = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
const CLI_FORM = /^[A-Za-z0-9_-]{1,200}\.([A-Za-z0-9_-]{1,1000})\.([A-Za-z0-9_-]{43})$/;
/** How many tokens one account may hold (revoked and expired ones don't count). */
export const MAX_TOKENS_PER_ACCOUNT = 50;
/** last_used_at is written at most this often per token (a busy CLI doesn't write on every request). */
const LAST_USED_GRANULARITY_MS = 60_000;

export const TOKEN_EXPIRIES = ["7", "30", "90", "365", "never"] as const;
export type TokenExpiry = (typeof TOKEN_EXPIRIES)[number];
export const TOKEN_EXPIRY_LABELS: Record<TokenExpiry, string> = {
  "7": "7 days",
  "30": "30 days",
  "90": "90 days",
  "365": "1 year",
  never: "Never",
};

export const createTokenSchema = z.object({
  name: lineText()
    .trim()
    .min(1, "Give the token a name, e.g. the machine or script that will use it.")
    .max(64, "At most 64 characters."),
  expiresIn: z.enum(TOKEN_EXPIRIES, { error: "Choose when the token expires." }),
  scope: z.enum(["read", "write"], { error: "Choose read-only or read and write." }),
  /** An org name to restrict the token to, or empty for all of the person's orgs. */
  org: z
    .string()
    .trim()
    .max(63)
    .optional()
    .transform((v) => (v ? v : undefined)),
});
export type CreateTokenInput = z.input<typeof createTokenSchema>;

export interface TokenView {
  id: string;
  name: string;
  hint: string;
  scope: "read" | "write";
  org: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /** active, expired or revoked (as of the database's now). */
  state: "active" | "expired" | "revoked";
}

/** The token only a browser session may manage; a token caller is refused. */
function requireSessionUser(caller: Caller): string {
  const { userId } = requireUser(caller, "write");
  if (caller?.kind !== "user") throw new Forbidden("Tokens are managed in the browser, not with a token.");
  return userId;
}

/** The CLI form of a token (see CLI_FORM): `apolo config login-with-token <this> <console>/api/v1`. */
export function cliTokenOf(token: string, username: string): string {
  const payload = Buffer.from(JSON.stringify({ [CLI_IDENTITY_CLAIM]: username, identity: username })).toString(
    "base64url",
  );
  return `${CLI_HEADER}.${payload}.${token.slice(PAT_PREFIX.length)}`;
}

/** The `apolo_pat_` token and the username a CLI-form token names; null when it isn't one. */
function fromCliForm(presented: string): { token: string; username: string } | null {
  const m = CLI_FORM.exec(presented);
  if (!m) return null;
  try {
    const claims = JSON.parse(Buffer.from(m[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
    const username = claims[CLI_IDENTITY_CLAIM] ?? claims.identity;
    return typeof username === "string" ? { token: PAT_PREFIX + m[2]!, username } : null;
  } catch {
    return null;
  }
}

/** Creates a token; the answer's `token` (and its CLI form, `cliToken`) is the only time it is shown. */
export async function createToken(
  db: Db,
  caller: Caller,
  input: unknown,
): Promise<{ token: string; cliToken: string; view: TokenView }> {
  const userId = requireSessionUser(caller);
  const data = parseInput(createTokenSchema, input);
  return db.transaction(async (tx) => {
    // The account row serializes this person's token creations (the per-account cap holds under races).
    const [me] = await tx
      .select({ id: users.id, username: users.username })
      .from(users)
      .where(and(eq(users.id, userId), isNull(users.deletedAt)))
      .for("no key update");
    if (!me) throw new NotFound("Account not found");
    let orgId: string | null = null;
    let orgName: string | null = null;
    if (data.org) {
      const [m] = await tx
        .select({ id: orgs.id, name: orgs.name })
        .from(orgs)
        .innerJoin(orgMembers, and(eq(orgMembers.orgId, orgs.id), eq(orgMembers.userId, userId)))
        .where(and(eq(orgs.name, data.org.toLowerCase()), isNull(orgs.deletedAt)))
        .limit(1);
      if (!m) throw new Invalid({ org: ["Choose one of your organizations."] });
      orgId = m.id;
      orgName = m.name;
    }
    const [counted] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(personalAccessTokens)
      .where(
        and(
          eq(personalAccessTokens.userId, userId),
          isNull(personalAccessTokens.revokedAt),
          sql`(${personalAccessTokens.expiresAt} is null or ${personalAccessTokens.expiresAt} > now())`,
        ),
      );
    if ((counted?.n ?? 0) >= MAX_TOKENS_PER_ACCOUNT) {
      throw new Invalid(
        { name: [`You have ${MAX_TOKENS_PER_ACCOUNT} active tokens, the most an account may hold. Revoke one first.`] },
        "Too many tokens.",
      );
    }
    const secret = randomBytes(32).toString("base64url");
    const token = PAT_PREFIX + secret;
    const expiresAt = data.expiresIn === "never" ? null : sql`now() + make_interval(days => ${Number(data.expiresIn)})`;
    const [row] = await tx
      .insert(personalAccessTokens)
      .values({
        userId,
        name: data.name,
        tokenHash: hashToken(token),
        hint: secret.slice(0, 4),
        scope: data.scope,
        orgId,
        expiresAt: expiresAt as unknown as Date | null,
      })
      .returning();
    return { token, cliToken: cliTokenOf(token, me.username), view: toView(row!, orgName, new Date()) };
  });
}

function toView(row: typeof personalAccessTokens.$inferSelect, org: string | null, now: Date): TokenView {
  const state = row.revokedAt ? "revoked" : row.expiresAt && row.expiresAt <= now ? "expired" : "active";
  return {
    id: row.id,
    name: row.name,
    hint: `${PAT_PREFIX}${row.hint}…`,
    scope: row.scope,
    org,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    state,
  };
}

/** The person's tokens, active first (newest first), then expired and revoked ones. */
export async function listTokens(db: Db, caller: Caller): Promise<TokenView[]> {
  const userId = requireSessionUser(caller);
  const rows = await db
    .select({ t: personalAccessTokens, org: orgs.name, now: sql<Date>`now()`.mapWith(personalAccessTokens.createdAt) })
    .from(personalAccessTokens)
    .leftJoin(orgs, eq(orgs.id, personalAccessTokens.orgId))
    .where(eq(personalAccessTokens.userId, userId))
    .orderBy(
      sql`(${personalAccessTokens.revokedAt} is null and (${personalAccessTokens.expiresAt} is null or ${personalAccessTokens.expiresAt} > now())) desc`,
      desc(personalAccessTokens.createdAt),
      asc(personalAccessTokens.id),
    );
  return rows.map((r) => toView(r.t, r.org, r.now));
}

export const revokeTokenSchema = z.object({ id: z.uuid({ error: "Choose a token." }) });

/** Revokes one of the person's tokens (idempotent; someone else's token is NotFound). */
export async function revokeToken(db: Db, caller: Caller, input: unknown): Promise<{ name: string }> {
  const userId = requireSessionUser(caller);
  const { id } = parseInput(revokeTokenSchema, input);
  const [row] = await db
    .update(personalAccessTokens)
    .set({ revokedAt: sql`coalesce(${personalAccessTokens.revokedAt}, now())` })
    .where(and(eq(personalAccessTokens.id, id), eq(personalAccessTokens.userId, userId)))
    .returning({ name: personalAccessTokens.name });
  if (!row) throw new NotFound("Token not found");
  return row;
}

/** Revokes every token of an account (a password reset, an account deletion): in the caller's transaction. */
export async function revokeAllTokens(tx: Db | Tx, userId: string): Promise<number> {
  const rows = await tx
    .update(personalAccessTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(personalAccessTokens.userId, userId), isNull(personalAccessTokens.revokedAt)))
    .returning({ id: personalAccessTokens.id });
  return rows.length;
}

/** Whether a bearer value looks like a personal access token, either form (checked before any database work). */
export function isPatShaped(value: string): boolean {
  return (
    (value.startsWith(PAT_PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(value.slice(PAT_PREFIX.length))) || CLI_FORM.test(value)
  );
}

/**
 * The door's check (app/_server/api): the caller a presented token stands for, or null when it is unknown,
 * revoked, expired, or its account is deleted. One indexed read; last_used_at written at most once a minute.
 */
export async function authenticatePat(db: Db, presented: string): Promise<TokenCaller | null> {
  if (!isPatShaped(presented)) return null;
  const cli = presented.startsWith(PAT_PREFIX) ? null : fromCliForm(presented);
  if (!presented.startsWith(PAT_PREFIX) && !cli) return null;
  const token = cli ? cli.token : presented;
  const [row] = await db
    .select({
      username: users.username,
      id: personalAccessTokens.id,
      userId: personalAccessTokens.userId,
      name: personalAccessTokens.name,
      scope: personalAccessTokens.scope,
      orgId: personalAccessTokens.orgId,
      lastUsedAt: personalAccessTokens.lastUsedAt,
    })
    .from(personalAccessTokens)
    .innerJoin(users, eq(users.id, personalAccessTokens.userId))
    .where(
      and(
        eq(personalAccessTokens.tokenHash, hashToken(token)),
        isNull(personalAccessTokens.revokedAt),
        sql`(${personalAccessTokens.expiresAt} is null or ${personalAccessTokens.expiresAt} > now())`,
        isNull(users.deletedAt),
      ),
    )
    .limit(1);
  if (!row) return null;
  // A CLI-form token must name its own account (the CLI shows and uses that name).
  if (cli && cli.username !== row.username) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await db
      .update(personalAccessTokens)
      .set({ lastUsedAt: sql`now()` })
      .where(eq(personalAccessTokens.id, row.id));
  }
  return tokenCaller({
    userId: row.userId,
    tokenId: row.id,
    tokenName: row.name,
    scopes: row.scope === "write" ? ["read", "write"] : ["read"],
    orgId: row.orgId,
  });
}
