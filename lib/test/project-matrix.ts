/**
 * The project matrix's framework (lib/projects.matrix.test.ts): the seats, the world every cell starts from,
 * and the rows' types. Rows live beside it in lib/test/project-matrix/<area>.ts, one file per area, each
 * exporting `ROWS`.
 */
import type { Db } from "@/db";
import type { Caller } from "../core/caller";
import { isDomainError } from "../core/errors";
import type { Services } from "../core/services";
import type { ProjectRole } from "../projects/access";
import type { makeCluster, makeUser, RecordingMailer } from "./fixtures";

/**
 * signedOut: no session. outsider: an account in no org. adminOfOther: the admin of a different org.
 * orgUser: an org member (role user) who is not in the project. reader / writer / projectManager /
 * projectAdmin: org members (role user) with that project role. orgManager / orgAdmin: the org's manager and
 * admin, not project members (they act as project admins in every project of the org).
 */
export const SEATS = [
  "signedOut",
  "outsider",
  "adminOfOther",
  "orgUser",
  "reader",
  "writer",
  "projectManager",
  "projectAdmin",
  "orgManager",
  "orgAdmin",
] as const;
export type Seat = (typeof SEATS)[number];
export type Outcome = "ok" | "unauthenticated" | "not_found" | "forbidden" | "invalid" | "conflict";

/** The outcome of a matrix call (both matrices), and what it returned when it went through. */
export async function settle(p: Promise<unknown>): Promise<{ outcome: Outcome; value?: unknown }> {
  try {
    return { outcome: "ok", value: await p };
  } catch (err) {
    if (isDomainError(err) && ["unauthenticated", "not_found", "forbidden", "invalid", "conflict"].includes(err.kind)) {
      return { outcome: err.kind as Outcome };
    }
    throw err;
  }
}

type Person = Awaited<ReturnType<typeof makeUser>>;
type Cluster = Awaited<ReturnType<typeof makeCluster>>;

export interface ProjectWorld {
  db: Db;
  seat: Seat;
  actor: Caller;
  /** The calling account, null when signed out. */
  me: Person | null;
  org: { id: string; name: string };
  /** The org's cluster (external, preset "small" at 1 credit/hour); the org holds 100 credits. */
  cluster: Cluster;
  /** The project every project seat is a member of. */
  project: { id: string; name: string };
  /** The project as operations address it. */
  ref: { cluster: string; project: string };
  /**
   * The people. admin2 is a second project admin (so demoting or removing a project admin is possible);
   * spare is an org member (role user) in no project, for adds.
   */
  people: {
    orgAdmin: Person;
    orgManager: Person;
    orgUser: Person;
    reader: Person;
    writer: Person;
    projectManager: Person;
    projectAdmin: Person;
    admin2: Person;
    spare: Person;
    outsider: Person;
    otherAdmin: Person;
  };
  /** Another org (adminOfOther's), on its own cluster, with its own project: for forged ids. */
  otherOrg: { id: string; name: string };
  otherCluster: Cluster;
  otherProject: { id: string; name: string };
  svc: Services & { mailer: RecordingMailer };
  /** Anything a row's `prepare` made, for its `run`. */
  data: Record<string, unknown>;
}

export interface ProjectMatrixRow {
  /** Set-up that is not part of the call under test (runs before the "nothing changed" snapshot). */
  prepare?: (w: ProjectWorld) => Promise<void>;
  run: (w: ProjectWorld) => Promise<unknown>;
  expect: Record<Seat, Outcome>;
  /** An allowed call must change what the snapshot covers (not only return something). */
  writes?: boolean;
}

export const everyone = (o: Outcome) => Object.fromEntries(SEATS.map((s) => [s, o])) as Record<Seat, Outcome>;
/** Anyone signed in. */
export const signedIn: Record<Seat, Outcome> = { ...everyone("ok"), signedOut: "unauthenticated" };

const PROJECT_SEAT_ROLE: Partial<Record<Seat, ProjectRole>> = {
  reader: "reader",
  writer: "writer",
  projectManager: "manager",
  projectAdmin: "admin",
  orgManager: "admin",
  orgAdmin: "admin",
};
const RANK: Record<ProjectRole, number> = { reader: 0, writer: 1, manager: 2, admin: 3 };

/**
 * A project operation needing project role `min`: outsiders, other orgs' admins and org users outside the
 * project are told it doesn't exist; members below `min` are refused; org managers and admins act as admins.
 */
export function projectOp(min: ProjectRole, below: Outcome = "forbidden"): Record<Seat, Outcome> {
  const out = { ...everyone("not_found"), signedOut: "unauthenticated" } as Record<Seat, Outcome>;
  for (const [seat, role] of Object.entries(PROJECT_SEAT_ROLE) as [Seat, ProjectRole][]) {
    out[seat] = RANK[role] >= RANK[min] ? "ok" : below;
  }
  return out;
}

/** An org-level operation: every org member (any seat but the three outside) gets `member`, managers/admins theirs. */
export function orgOp(p: { member: Outcome; orgManager?: Outcome; orgAdmin?: Outcome }): Record<Seat, Outcome> {
  return {
    signedOut: "unauthenticated",
    outsider: "not_found",
    adminOfOther: "not_found",
    orgUser: p.member,
    reader: p.member,
    writer: p.member,
    projectManager: p.member,
    projectAdmin: p.member,
    orgManager: p.orgManager ?? p.member,
    orgAdmin: p.orgAdmin ?? p.orgManager ?? p.member,
  };
}

/** System-only (internal) operations: every person is refused (requireSystem), signed out or not. */
export const systemOnly = (o: Outcome = "forbidden"): Record<Seat, Outcome> => ({
  ...everyone(o),
  signedOut: "unauthenticated",
});
