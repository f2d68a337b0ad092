/**
 * The project authorization matrix: every operation of lib/projects and lib/artifacts × the seats of a
 * project (lib/test/project-matrix.ts: signed out, outsider, another org's admin, an org user outside the
 * project, project reader, writer, manager and admin, org manager, org admin). An exported function without a
 * row fails the first test. A refused call must change nothing: projects, project members, artifacts, jobs,
 * the ledger and wallets, audit rows and the mail outbox of both orgs are compared before and after.
 * Rows live in lib/test/project-matrix/<area>.ts.
 */
import { asc, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  artifacts,
  auditEvents,
  creditLedger,
  jobs,
  orgMembers,
  orgWallets,
  outboxEmails,
  projectMembers,
  projects,
} from "@/db/schema";
import {
  addMember,
  addOrgToCluster,
  as,
  fundOrg,
  makeCluster,
  makeOrg,
  makeProject,
  makeUser,
  testServices,
  withTestDatabase,
} from "./test/fixtures";
import {
  SEATS,
  settle,
  type Outcome,
  type ProjectMatrixRow,
  type ProjectWorld,
  type Seat,
} from "./test/project-matrix";

const t = withTestDatabase();

const ROW_FILES = import.meta.glob<{ ROWS: Record<string, ProjectMatrixRow> }>("./test/project-matrix/*.ts", {
  eager: true,
});
const MATRIX: Record<string, ProjectMatrixRow> = {};
for (const [path, mod] of Object.entries(ROW_FILES)) {
  for (const [key, row] of Object.entries(mod.ROWS)) {
    if (key in MATRIX) throw new Error(`${path}: row ${key} is defined twice`);
    MATRIX[key] = row;
  }
}

/** The modules under this matrix, found on disk: every lib/projects and lib/artifacts file but tests and indexes. */
const DISCOVERED = import.meta.glob<Record<string, unknown>>(
  ["./projects/*.ts", "./artifacts/*.ts", "!./**/*.test.ts", "!./**/index.ts"],
  { eager: true },
);
/** "projects" for ./projects/projects.ts; "artifacts/internal" for an internal module. */
const moduleName = (path: string) =>
  (path.endsWith("/internal.ts") ? path.replace(/^\.\//, "") : path.replace(/^\.\/[^/]+\//, "")).replace(/\.ts$/, "");
const isClass = (v: unknown) => typeof v === "function" && /^class[\s{]/.test(Function.prototype.toString.call(v));

/**
 * Exported functions that are not operations: the access framework itself (the rows exercise it through every
 * operation) and helpers called inside already-authorized transactions or pure functions of their arguments.
 */
const NOT_OPERATIONS = new Set([
  "access.projectRoleAtLeast",
  "access.grantableProjectRoles",
  "access.effectiveProjectRole",
  "access.projectAllowed",
  "access.authorizeProject",
  "access.requireProjectAccess",
  "access.withProjectLock",
]);

function exportedFunctions(): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [path, mod] of Object.entries(DISCOVERED)) {
    for (const [name, v] of Object.entries(mod)) {
      if (typeof v === "function" && !isClass(v)) out.set(`${moduleName(path)}.${name}`, v);
    }
  }
  return out;
}

const operationOf = (key: string) => key.split(" ")[0]!;

async function world(seat: Seat): Promise<ProjectWorld> {
  const db = t.db;
  const people = {
    orgAdmin: await makeUser(db),
    orgManager: await makeUser(db),
    orgUser: await makeUser(db),
    reader: await makeUser(db),
    writer: await makeUser(db),
    projectManager: await makeUser(db),
    projectAdmin: await makeUser(db),
    admin2: await makeUser(db),
    spare: await makeUser(db),
    outsider: await makeUser(db),
    otherAdmin: await makeUser(db),
  };
  const org = await makeOrg(db, { admin: people.orgAdmin, manager: people.orgManager, user: people.orgUser });
  for (const p of ["reader", "writer", "projectManager", "projectAdmin", "admin2", "spare"] as const) {
    await addMember(db, org, people[p], "user");
  }
  const cluster = await makeCluster(db, { presets: { small: "1" } });
  await addOrgToCluster(db, org, cluster);
  await fundOrg(db, org, "100");
  const project = await makeProject(db, {
    org,
    cluster,
    members: [
      [people.reader, "reader"],
      [people.writer, "writer"],
      [people.projectManager, "manager"],
      [people.projectAdmin, "admin"],
      [people.admin2, "admin"],
    ],
  });
  const otherOrg = await makeOrg(db, { admin: people.otherAdmin });
  const otherCluster = await makeCluster(db, { presets: { small: "1" } });
  await addOrgToCluster(db, otherOrg, otherCluster);
  await fundOrg(db, otherOrg, "100");
  const otherProject = await makeProject(db, {
    org: otherOrg,
    cluster: otherCluster,
    members: [[people.otherAdmin, "admin"]],
  });
  const me = {
    signedOut: null,
    outsider: people.outsider,
    adminOfOther: people.otherAdmin,
    orgUser: people.orgUser,
    reader: people.reader,
    writer: people.writer,
    projectManager: people.projectManager,
    projectAdmin: people.projectAdmin,
    orgManager: people.orgManager,
    orgAdmin: people.orgAdmin,
  }[seat];
  return {
    db,
    seat,
    actor: me ? as(me) : null,
    me,
    org,
    cluster,
    project,
    ref: { cluster: cluster.name, project: project.name },
    people,
    otherOrg,
    otherCluster,
    otherProject,
    svc: testServices(),
    data: {},
  };
}

/** Everything a refused call could have changed, in both orgs. */
async function snapshot(w: ProjectWorld) {
  const orgIds = [w.org.id, w.otherOrg.id];
  return JSON.stringify({
    projects: await t.db.select().from(projects).where(inArray(projects.orgId, orgIds)).orderBy(asc(projects.id)),
    projectMembers: await t.db
      .select()
      .from(projectMembers)
      .where(inArray(projectMembers.orgId, orgIds))
      .orderBy(asc(projectMembers.projectId), asc(projectMembers.userId)),
    members: await t.db
      .select()
      .from(orgMembers)
      .where(inArray(orgMembers.orgId, orgIds))
      .orderBy(asc(orgMembers.orgId), asc(orgMembers.userId)),
    artifacts: await t.db.select().from(artifacts).where(inArray(artifacts.orgId, orgIds)).orderBy(asc(artifacts.id)),
    jobs: await t.db.select().from(jobs).where(inArray(jobs.orgId, orgIds)).orderBy(asc(jobs.id)),
    ledger: await t.db
      .select()
      .from(creditLedger)
      .where(inArray(creditLedger.orgId, orgIds))
      .orderBy(asc(creditLedger.id)),
    wallets: await t.db
      .select()
      .from(orgWallets)
      .where(inArray(orgWallets.orgId, orgIds))
      .orderBy(asc(orgWallets.orgId)),
    audit: await t.db.select().from(auditEvents).where(inArray(auditEvents.orgId, orgIds)).orderBy(asc(auditEvents.id)),
    outbox: await t.db.select().from(outboxEmails).orderBy(asc(outboxEmails.id)),
    mail: w.svc.mailer.sent.length,
  });
}

async function runCell(row: ProjectMatrixRow, seat: Seat, expected: Outcome) {
  const w = await world(seat);
  await row.prepare?.(w);
  const before = await snapshot(w);
  const { outcome, value } = await settle(row.run(w));
  expect(outcome).toBe(expected);
  const after = await snapshot(w);
  if (expected !== "ok") expect(after, "a refused call changed something").toBe(before);
  else if (row.writes) expect(after, "an allowed write changed nothing").not.toBe(before);
  else if (value === undefined) expect(after, "an allowed call returned nothing and changed nothing").not.toBe(before);
}

describe("project authorization matrix", () => {
  it("has a row for every exported operation of lib/projects and lib/artifacts", () => {
    const all = exportedFunctions();
    const exported = [...all.keys()].filter((op) => !NOT_OPERATIONS.has(op));
    expect(exported.length).toBeGreaterThan(0);
    expect(exported.filter((op) => !Object.keys(MATRIX).some((k) => operationOf(k) === op))).toEqual([]);
    expect(Object.keys(MATRIX).filter((key) => !exported.includes(operationOf(key)))).toEqual([]);
    for (const op of NOT_OPERATIONS) expect(all.has(op), op).toBe(true);
  });

  for (const [op, row] of Object.entries(MATRIX)) {
    for (const seat of SEATS) {
      const expected = row.expect[seat];
      it(`${op} × ${seat} → ${expected}`, () => runCell(row, seat, expected));
    }
  }
});
