/**
 * Project matrix rows for lib/projects/choices.ts: the project pickers of the start-job form and the project
 * filters (jobs list, ledger, Reports tab). Every org member may ask; what they get depends on their roles
 * (lib/projects/choices.test.ts checks the contents), and nobody learns of another org's project.
 */
import { expect } from "vitest";
import { listJobProjects, listProjectFilterOptions, resolveProjectFilter } from "../../projects/choices";
import { orgOp, type ProjectMatrixRow, type ProjectWorld } from "../project-matrix";

/** Which projects a seat may run jobs in (writer and up; org managers and admins all). */
const WRITES = new Set(["writer", "projectManager", "projectAdmin", "orgManager", "orgAdmin"]);
/** Which seats see the project (any project role; org managers and admins). */
const SEES = new Set(["reader", ...WRITES]);

export const ROWS: Record<string, ProjectMatrixRow> = {
  "choices.listJobProjects": {
    run: async (w: ProjectWorld) => {
      const list = await listJobProjects(w.db, w.actor, w.org.name);
      expect(list.map((p) => p.id)).toEqual(WRITES.has(w.seat) ? [w.project.id] : []);
      return list;
    },
    expect: orgOp({ member: "ok" }),
  },
  "choices.listJobProjects another org": {
    run: async (w) => listJobProjects(w.db, w.actor, w.otherOrg.name),
    expect: { ...orgOp({ member: "not_found" }), adminOfOther: "ok" },
  },
  "choices.listProjectFilterOptions": {
    run: async (w) => {
      const list = await listProjectFilterOptions(w.db, w.actor, w.org.name);
      expect(list.map((p) => p.id)).toEqual(SEES.has(w.seat) ? [w.project.id] : []);
      return list;
    },
    expect: orgOp({ member: "ok" }),
  },
  "choices.resolveProjectFilter": {
    run: async (w) => {
      const f = await resolveProjectFilter(w.db, w.actor, w.org.name, `${w.ref.cluster}/${w.ref.project}`);
      expect(f.kind).toBe(SEES.has(w.seat) ? "project" : "hidden");
      return f;
    },
    expect: orgOp({ member: "ok" }),
  },
  "choices.resolveProjectFilter forged: another org's project": {
    run: async (w) => {
      const f = await resolveProjectFilter(w.db, w.actor, w.org.name, `${w.otherCluster.name}/${w.otherProject.name}`);
      expect(f.kind).toBe("hidden");
      return f;
    },
    expect: orgOp({ member: "ok" }),
  },
};
