import { Forbidden, Unauthenticated } from "./errors";

/**
 * Who is calling a lib operation. A person comes through a browser session (`user`) or a personal access
 * token (`token`: the token's user, its scopes and optionally the one org it is restricted to); a machine is a
 * cluster runner (`cluster`, authenticated by its runner token) or the server itself (`system`: a named job
 * such as the runner's tick, a webhook or the admin command). `null` is a signed-out caller.
 *
 * Person operations accept `user` and `token` callers (a token never does more than its user could, and a
 * read-only token does no writes); system-only operations live in the `internal.ts` modules and accept only
 * `system` (or `cluster`) callers. Callers are built by the doors (app/_server/session.ts, the API routes,
 * scripts/admin.ts), never from a person's input.
 */
export type Caller = UserCaller | TokenCaller | ClusterCaller | SystemCaller | null;

export type TokenScope = "read" | "write";
/** Whether an action reads or changes something: a token needs the matching scope. */
export type AccessMode = "read" | "write";

export interface UserCaller {
  kind: "user";
  userId: string;
  /** The browser session the call came through ("this device" on the Sessions list, the one a password change keeps). */
  sessionId?: string;
}

export interface TokenCaller {
  kind: "token";
  userId: string;
  tokenId: string;
  tokenName: string;
  /** "write" includes reading. */
  scopes: TokenScope[];
  /** The one org this token may act in; null or absent: all of its user's orgs. */
  orgId?: string | null;
}

export interface ClusterCaller {
  kind: "cluster";
  clusterId: string;
}

/** The jobs the server runs on its own; each names itself in logs and audit rows. */
export type SystemJob =
  | "runner-tick"
  | "job-stop-settle"
  | "stripe-webhook"
  | "sandbox-checkout"
  | "admin-command"
  | "startup"
  | (string & {});

export interface SystemCaller {
  kind: "system";
  job: SystemJob;
}

/** A person's call: through a session or a token. */
export type PersonCaller = UserCaller | TokenCaller;
export type CallerKind = NonNullable<Caller>["kind"];

export function userCaller(userId: string, sessionId?: string): UserCaller {
  return sessionId ? { kind: "user", userId, sessionId } : { kind: "user", userId };
}

export function tokenCaller(token: Omit<TokenCaller, "kind">): TokenCaller {
  return { kind: "token", ...token };
}

export function clusterCaller(clusterId: string): ClusterCaller {
  return { kind: "cluster", clusterId };
}

export function systemCaller(job: SystemJob): SystemCaller {
  return { kind: "system", job };
}

/** What a read-only token is told when it tries to change something (the API door and lib say the same). */
export const READ_ONLY_TOKEN = "This token is read-only: create a read and write token to make changes.";

/** Whether `caller` may act in `mode`: sessions always; tokens by their scopes ("write" includes "read"). */
export function callerMayAct(caller: PersonCaller, mode: AccessMode): boolean {
  if (caller.kind === "user") return true;
  return mode === "read" ? caller.scopes.length > 0 : caller.scopes.includes("write");
}

/** Refuses a token lacking the scope `mode` needs. */
export function requireMode(caller: PersonCaller, mode: AccessMode): void {
  if (!callerMayAct(caller, mode)) {
    throw new Forbidden(mode === "write" ? READ_ONLY_TOKEN : "This token can't read.");
  }
}

/**
 * The account a person's call acts for: signed out is Unauthenticated; a cluster or the system is refused
 * (person operations are not theirs); a token counts as its user, within its scopes for `mode`.
 */
export function requireUser(caller: Caller, mode: AccessMode): { userId: string; sessionId?: string } {
  const person = requirePerson(caller);
  requireMode(person, mode);
  return person.kind === "user" ? { userId: person.userId, sessionId: person.sessionId } : { userId: person.userId };
}

/** The person calling (a session or a token), without a scope check. */
export function requirePerson(caller: Caller): PersonCaller {
  if (!caller) throw new Unauthenticated();
  if (caller.kind !== "user" && caller.kind !== "token") {
    throw new Forbidden("This operation is for people, not for clusters or the system.");
  }
  return caller;
}

/** System-only operations (lib/<domain>/internal.ts): anyone else is refused. */
export function requireSystem(caller: Caller): SystemCaller {
  if (!caller) throw new Unauthenticated();
  if (caller.kind !== "system") throw new Forbidden("Only the system may do this.");
  return caller;
}

/** Runner operations: a cluster's runner (its token) or the system (the embedded runner). */
export function requireClusterOrSystem(caller: Caller): ClusterCaller | SystemCaller {
  if (!caller) throw new Unauthenticated();
  if (caller.kind !== "cluster" && caller.kind !== "system") throw new Forbidden("Only cluster runners may do this.");
  return caller;
}
