/**
 * getJob: a job's detail page. Who may see it follows the jobs list (owner, managers and admins, the job's
 * project members); everything else is NotFound. Its charges over time come from usage_records. Real database.
 */
import { describe, expect, it } from "vitest";
import { NotFound, Unauthenticated } from "../core/errors";
import { getJob } from "./job-detail";
import { stopJob } from "./jobs";
import { meterUsage } from "./internal";
import {
  addMember,
  addOrgToCluster,
  as,
  fundOrg,
  makeCluster,
  makeJob,
  makeOrg,
  makeProject,
  makeUser,
  plusSeconds,
  testServices,
  withTestDatabase,
  SYSTEM,
} from "../test/fixtures";
import { jobs } from "@/db/schema";
import { eq } from "drizzle-orm";

const t = withTestDatabase();
const HOUR = 3_600_000;

async function world() {
  const admin = await makeUser(t.db);
  const manager = await makeUser(t.db);
  const user = await makeUser(t.db);
  const user2 = await makeUser(t.db);
  const outsider = await makeUser(t.db);
  const org = await makeOrg(t.db, { admin, manager, user });
  await addMember(t.db, org, user2, "user");
  const cluster = await makeCluster(t.db, { presets: { p: "3600" } });
  await addOrgToCluster(t.db, org, cluster);
  await fundOrg(t.db, org, "100000");
  const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR);
  const start = plusSeconds(hour, -60);
  const job = await makeJob(t.db, { org, user, cluster, preset: cluster.presets.p!, startedAt: start });
  return { admin, manager, user, user2, outsider, org, cluster, job, hour, start };
}

describe("getJob", () => {
  it("shows the job with its charges per hour and each usage record, newest first", async () => {
    const w = await world();
    await meterUsage(
      t.db,
      SYSTEM,
      [
        { jobId: w.job.id, until: plusSeconds(w.start, 30), idempotencyKey: "r1" },
        { jobId: w.job.id, until: plusSeconds(w.start, 30), idempotencyKey: "r2" }, // nothing due
        { jobId: w.job.id, until: plusSeconds(w.start, 90), idempotencyKey: "r3" }, // across the hour
      ],
      testServices(),
    );
    const r = await getJob(t.db, as(w.user), { org: w.org.name, job: w.job.id });
    expect(r.job).toMatchObject({
      id: w.job.id,
      name: w.job.name,
      status: "running",
      preset: "p",
      cluster: w.cluster.name,
      project: null,
      owner: w.user.username,
      mine: true,
      creditsPerHour: "3600.00000000",
      creditsCharged: "90.00000000",
    });
    expect(r.usage.total).toBe(3);
    // Newest first: r3, then r1 and r2 (the same moment; r2 owed nothing after r1).
    expect(r.usage.rows[0]).toMatchObject({ key: "r3", amount: "60.00000000", outcome: "charged" });
    expect(
      r.usage.rows
        .slice(1)
        .map((u) => [u.key, u.amount, u.outcome])
        .sort(),
    ).toEqual([
      ["r1", "30.00000000", "charged"],
      ["r2", "0.00000000", "nothing_due"],
    ]);
    expect(r.hours.map((h) => [h.hour.toISOString(), h.amount, h.records])).toEqual([
      [w.hour.toISOString(), "60.00000000", 1],
      [new Date(w.hour.getTime() - HOUR).toISOString(), "30.00000000", 1],
    ]);
  });

  it("says who stopped the job: a username, or null for an automatic stop or a deleted stopper", async () => {
    const w = await world();
    const ref = { org: w.org.name, job: w.job.id };
    expect((await getJob(t.db, as(w.user), ref)).job).toMatchObject({ status: "running", stoppedBy: null });
    await stopJob(t.db, as(w.manager), w.org.name, { id: w.job.id });
    expect((await getJob(t.db, as(w.user), ref)).job).toMatchObject({
      status: "stopped",
      stopReason: "UserStopped",
      stoppedBy: w.manager.username,
    });
    // The stopper's account is gone (stopped_by set null), or a row from before 0016: no name.
    await t.db.update(jobs).set({ stoppedBy: null }).where(eq(jobs.id, w.job.id));
    expect((await getJob(t.db, as(w.user), ref)).job).toMatchObject({ stopReason: "UserStopped", stoppedBy: null });
  });

  it("follows the jobs list: owner, managers and admins, the job's project members; else NotFound", async () => {
    const w = await world();
    const ref = { org: w.org.name, job: w.job.id };
    for (const who of [w.user, w.manager, w.admin]) {
      expect((await getJob(t.db, as(who), ref)).job.id).toBe(w.job.id);
    }
    await expect(getJob(t.db, as(w.user2), ref)).rejects.toBeInstanceOf(NotFound);
    await expect(getJob(t.db, as(w.outsider), ref)).rejects.toBeInstanceOf(NotFound);
    await expect(getJob(t.db, null, ref)).rejects.toBeInstanceOf(Unauthenticated);
    // In a project: its members (any project role) see it.
    const project = await makeProject(t.db, { org: w.org, cluster: w.cluster, members: [[w.user2, "reader"]] });
    await t.db.update(jobs).set({ projectId: project.id }).where(eq(jobs.id, w.job.id));
    expect((await getJob(t.db, as(w.user2), ref)).job.project).toEqual({ name: project.name, cluster: w.cluster.name });
    // Another org's job, through an org the caller does belong to: NotFound, as is a malformed id.
    const v = await world();
    await expect(getJob(t.db, as(w.admin), { org: w.org.name, job: v.job.id })).rejects.toBeInstanceOf(NotFound);
    await expect(getJob(t.db, as(w.admin), { org: w.org.name, job: "nope" })).rejects.toBeInstanceOf(NotFound);
  });
});
