/**
 * Project matrix rows for lib/projects/projects.ts and lib/projects/members.ts (the framework and the world:
 * lib/test/project-matrix.ts). Forged-id rows name this org but address another org's project.
 */
import {
  addProjectMember,
  changeProjectMemberRole,
  listProjectCandidates,
  listProjectMembers,
  removeProjectMember,
} from "../../projects/members";
import { createProject, deleteProject, getProject, listProjects, updateProject } from "../../projects/projects";
import { getProjectUser, listClusterProjects, listProjectUsers } from "../../projects/api";
import { everyone, orgOp, projectOp, type Outcome, type ProjectMatrixRow, type ProjectWorld } from "../project-matrix";

/** Everyone is told it doesn't exist (signed out: sign in first). */
const forged: ProjectMatrixRow["expect"] = { ...everyone("not_found"), signedOut: "unauthenticated" };

/** The other org's project, named under this org. */
const otherRef = (w: ProjectWorld) => ({ cluster: w.otherCluster.name, project: w.otherProject.name });

/** `base` with every "ok" replaced by `outcome` (a call that gets past authorization and fails validation). */
function okBecomes(base: ProjectMatrixRow["expect"], outcome: Outcome): ProjectMatrixRow["expect"] {
  return Object.fromEntries(Object.entries(base).map(([s, o]) => [s, o === "ok" ? outcome : o])) as typeof base;
}

export const ROWS: Record<string, ProjectMatrixRow> = {
  // ------------------------------------------------------------------------------------------ projects
  "projects.createProject": {
    run: (w) => createProject(w.db, w.actor, w.org.name, { cluster: w.cluster.name, name: "fresh-project" }),
    expect: orgOp({ member: "ok" }),
    writes: true,
  },
  "projects.createProject as the default project": {
    run: (w) =>
      createProject(w.db, w.actor, w.org.name, { cluster: w.cluster.name, name: "fresh-default", isDefault: true }),
    expect: orgOp({ member: "forbidden", orgManager: "ok" }),
    writes: true,
  },
  "projects.createProject on another org's cluster": {
    run: (w) => createProject(w.db, w.actor, w.org.name, { cluster: w.otherCluster.name, name: "forged-cluster" }),
    expect: orgOp({ member: "invalid" }),
  },
  "projects.listProjects": {
    run: (w) => listProjects(w.db, w.actor, w.org.name, { scope: "all" }),
    expect: orgOp({ member: "ok" }),
  },
  "projects.getProject": {
    run: (w) => getProject(w.db, w.actor, w.org.name, w.ref),
    expect: projectOp("reader"),
  },
  "projects.getProject of another org's project": {
    run: (w) => getProject(w.db, w.actor, w.org.name, otherRef(w)),
    expect: forged,
  },
  "projects.updateProject": {
    run: (w) => updateProject(w.db, w.actor, w.org.name, w.ref, { displayName: "Renamed", defaultRole: "reader" }),
    expect: projectOp("admin"),
    writes: true,
  },
  "projects.updateProject default flag": {
    run: (w) => updateProject(w.db, w.actor, w.org.name, w.ref, { isDefault: true }),
    expect: { ...projectOp("admin"), projectAdmin: "forbidden" },
    writes: true,
  },
  "projects.updateProject of another org's project": {
    run: (w) => updateProject(w.db, w.actor, w.org.name, otherRef(w), { displayName: "Forged" }),
    expect: forged,
  },
  "projects.deleteProject": {
    run: (w) => deleteProject(w.db, w.actor, w.org.name, w.ref, { confirm: w.project.name }),
    expect: projectOp("admin"),
    writes: true,
  },
  "projects.deleteProject of another org's project": {
    run: (w) => deleteProject(w.db, w.actor, w.org.name, otherRef(w), { confirm: w.otherProject.name }),
    expect: forged,
  },

  // ------------------------------------------------------------------------------------------ members
  // Apolo's admin API reads (lib/projects/api.ts): the org's projects on a cluster (an org user sees their own,
  // so every member gets an answer), a project's whole member list and one member.
  "api.listClusterProjects": {
    run: (w) => listClusterProjects(w.db, w.actor, w.org.name, w.cluster.name),
    expect: orgOp({ member: "ok" }),
  },
  "api.listProjectUsers": {
    run: (w) => listProjectUsers(w.db, w.actor, w.org.name, w.ref),
    expect: projectOp("reader"),
  },
  "api.listProjectUsers of another org's project": {
    run: (w) => listProjectUsers(w.db, w.actor, w.org.name, otherRef(w)),
    expect: forged,
  },
  "api.getProjectUser": {
    run: (w) => getProjectUser(w.db, w.actor, w.org.name, w.ref, w.people.writer.username),
    expect: projectOp("reader"),
  },
  "members.listProjectMembers": {
    run: (w) => listProjectMembers(w.db, w.actor, w.org.name, w.ref, {}),
    expect: projectOp("reader"),
  },
  "members.listProjectMembers of another org's project": {
    run: (w) => listProjectMembers(w.db, w.actor, w.org.name, otherRef(w), {}),
    expect: forged,
  },
  "members.addProjectMember": {
    run: (w) => addProjectMember(w.db, w.actor, w.org.name, w.ref, { username: w.people.spare.username }),
    expect: projectOp("manager"),
    writes: true,
  },
  "members.addProjectMember as admin role": {
    run: (w) =>
      addProjectMember(w.db, w.actor, w.org.name, w.ref, { username: w.people.spare.username, role: "admin" }),
    expect: projectOp("admin"),
    writes: true,
  },
  "members.addProjectMember of another org's member": {
    run: (w) => addProjectMember(w.db, w.actor, w.org.name, w.ref, { username: w.people.otherAdmin.username }),
    expect: okBecomes(projectOp("manager"), "invalid"),
  },
  "members.addProjectMember to another org's project": {
    run: (w) => addProjectMember(w.db, w.actor, w.org.name, otherRef(w), { username: w.people.spare.username }),
    expect: forged,
  },
  "members.changeProjectMemberRole": {
    run: (w) =>
      changeProjectMemberRole(w.db, w.actor, w.org.name, w.ref, { username: w.people.writer.username, role: "reader" }),
    expect: projectOp("manager"),
    writes: true,
  },
  "members.changeProjectMemberRole to admin": {
    run: (w) =>
      changeProjectMemberRole(w.db, w.actor, w.org.name, w.ref, { username: w.people.reader.username, role: "admin" }),
    expect: projectOp("admin"),
    writes: true,
  },
  "members.changeProjectMemberRole of an admin by a manager": {
    run: (w) =>
      changeProjectMemberRole(w.db, w.actor, w.org.name, w.ref, { username: w.people.admin2.username, role: "writer" }),
    expect: projectOp("admin"),
    writes: true,
  },
  "members.changeProjectMemberRole in another org's project": {
    run: (w) =>
      changeProjectMemberRole(w.db, w.actor, w.org.name, otherRef(w), {
        username: w.people.otherAdmin.username,
        role: "reader",
      }),
    expect: forged,
  },
  "members.removeProjectMember": {
    run: (w) => removeProjectMember(w.db, w.actor, w.org.name, w.ref, { username: w.people.writer.username }),
    // The writer removing themself is leaving, which every member may do.
    expect: { ...projectOp("manager"), writer: "ok" },
    writes: true,
  },
  "members.removeProjectMember of an admin": {
    run: (w) => removeProjectMember(w.db, w.actor, w.org.name, w.ref, { username: w.people.admin2.username }),
    expect: projectOp("admin"),
    writes: true,
  },
  "members.removeProjectMember self (leave)": {
    run: (w) => removeProjectMember(w.db, w.actor, w.org.name, w.ref, { username: w.me?.username ?? "nobody-at-all" }),
    // Org managers and admins are no project members: there is nothing to leave.
    expect: { ...projectOp("reader"), orgManager: "not_found", orgAdmin: "not_found" },
    writes: true,
  },
  "members.removeProjectMember in another org's project": {
    run: (w) => removeProjectMember(w.db, w.actor, w.org.name, otherRef(w), { username: w.people.otherAdmin.username }),
    expect: forged,
  },
  "members.listProjectCandidates": {
    run: (w) => listProjectCandidates(w.db, w.actor, w.org.name, w.ref, { q: "" }),
    expect: projectOp("manager"),
  },
  "members.listProjectCandidates of another org's project": {
    run: (w) => listProjectCandidates(w.db, w.actor, w.org.name, otherRef(w), {}),
    expect: forged,
  },
};
