/**
 * The projects case of `npm run bench:members` (scripts/bench-members.ts runs it after the members case, or
 * alone with `--case projects`): how the Projects page's server work scales with the number of projects.
 *
 * Seeds two orgs: one of 10,000 projects (on two clusters, ~3 members each, 2,000 running jobs, 30,000
 * charges over two months) in which one member (role user) belongs to 50 projects, and one of 10 projects in
 * which the same kind of member belongs to all 10. Then it times `listProjects` "mine" as that member and
 * "all" as an org manager in both orgs, and prints the medians, p95s and the big/small ratio (the aim: ≤ 1.3,
 * the page and its figures found through indexes, nothing proportional to the org's project count).
 *
 * Every row is named `<prefix>-…` (users, orgs, clusters); `projectsCleanup` deletes them (jobs and ledger
 * rows first: they restrict the org's deletion).
 */
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { table } from "./bench-output";
import { rawRows, type Db } from "@/db/client";
import { userCaller, type UserCaller } from "@/lib/core/caller";
import { listProjects } from "@/lib/projects/projects";

const BIG_PROJECTS = 10_000;
const SMALL_PROJECTS = 10;
/** Members of each org (user 1: the member, 2: a manager, 3: an admin, the rest users). */
const ORG_MEMBERS = 200;
/** The member is in every (BIG_PROJECTS / MINE)-th project of the big org. */
const MINE = 50;
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNo";

/** What the projects case writes, for the benchmark's warning. */
export const PROJECTS_SEED_SUMMARY =
  `${2 * ORG_MEMBERS} users, 2 orgs, 2 clusters, ${(BIG_PROJECTS + SMALL_PROJECTS).toLocaleString("en")} projects ` +
  `with ~${(3 * (BIG_PROJECTS + SMALL_PROJECTS) + MINE + SMALL_PROJECTS).toLocaleString("en")} project members, ` +
  `jobs and charges`;

export interface ProjectsBenchOptions {
  iterations: number;
  warmup: number;
}

const lit = (n: number) => sql.raw(String(n));

function seed(prefix: string) {
  const p = sql.raw(`'${prefix}'`); // [a-z0-9-] only
  const userId = (i: ReturnType<typeof sql>) => sql`md5(${p} || ':puser:' || (${i}))::uuid`;
  const orgId = (size: "big" | "small") => sql`md5(${p} || ':porg:' || ${size})::uuid`;
  const clusterId = (n: ReturnType<typeof sql>) => sql`md5(${p} || ':pcluster:' || (${n}))::uuid`;
  const projectId = (size: "big" | "small", i: ReturnType<typeof sql>) =>
    sql`md5(${p} || ':pproject:' || ${size} || ':' || (${i}))::uuid`;
  const i = sql.raw("i");
  // Users 1..ORG_MEMBERS are the big org's members, ORG_MEMBERS+1..2*ORG_MEMBERS the small org's.
  const userOf = (size: "big" | "small", n: ReturnType<typeof sql>) =>
    size === "big" ? userId(n) : userId(sql`(${n}) + ${lit(ORG_MEMBERS)}`);

  const statements = [
    sql`insert into users (id, username, email, email_verified_at, name, password_hash, created_at, updated_at)
        select ${userId(i)}, ${p} || '-pu' || i, ${p} || '-pu' || i || '@example.com', now(),
               'Project User ' || i, ${DUMMY_HASH}, now(), now()
        from generate_series(1, ${lit(2 * ORG_MEMBERS)}) as i`,
    sql`insert into orgs (id, name, display_name) values
        (${orgId("big")}, ${p} || '-proj-big', 'Projects big'),
        (${orgId("small")}, ${p} || '-proj-small', 'Projects small')`,
    sql`insert into clusters (id, name, runner)
        select ${clusterId(i)}, ${p} || '-pc' || i, 'external' from generate_series(1, 2) as i`,
    sql`insert into org_clusters (org_id, cluster_id)
        select o.id, ${clusterId(i)} from generate_series(1, 2) as i,
          (values (${orgId("big")}), (${orgId("small")})) as o(id)`,
  ];
  for (const size of ["big", "small"] as const) {
    const n = size === "big" ? BIG_PROJECTS : SMALL_PROJECTS;
    const org = orgId(size);
    const role = sql`(case when i = 1 then 'user' when i = 2 then 'manager' when i = 3 then 'admin' else 'user' end)::org_role`;
    statements.push(
      sql`insert into org_members (org_id, user_id, role)
          select ${org}, ${userOf(size, i)}, ${role} from generate_series(1, ${lit(ORG_MEMBERS)}) as i`,
      // Names scrambled (a bijection of 1..1,000,002) so that name order is not insertion order.
      sql`insert into projects (id, org_id, cluster_id, name, display_name, created_by_id, created_at)
          select ${projectId(size, i)}, ${org}, ${clusterId(sql`1 + i % 2`)},
                 'proj-' || lpad(((i::bigint * 7919) % 1000003)::text, 7, '0'), 'Project ' || i,
                 ${userOf(size, sql`3`)}, now() - make_interval(days => i % 300)
          from generate_series(1, ${lit(n)}) as i`,
      // Three members per project among users 4..ORG_MEMBERS (the member and the manager are not among them).
      sql`insert into project_members (project_id, org_id, user_id, role)
          select ${projectId(size, i)}, ${org}, ${userOf(size, sql`4 + ((i * (k + 1) * 13 + k * 61) % ${lit(ORG_MEMBERS - 3)})`)},
                 (array['reader', 'writer', 'manager', 'admin'])[1 + (i + k) % 4]::project_role
          from generate_series(1, ${lit(n)}) as i, generate_series(0, 2) as k
          on conflict do nothing`,
      // The member: in MINE projects of the big org, in all of the small one's.
      sql`insert into project_members (project_id, org_id, user_id, role)
          select ${projectId(size, i)}, ${org}, ${userOf(size, sql`1`)},
                 (array['reader', 'writer', 'manager', 'admin'])[1 + i % 4]::project_role
          from generate_series(1, ${lit(n)}) as i
          where ${size === "big" ? sql`i % ${lit(BIG_PROJECTS / MINE)} = 0` : sql`true`}
          on conflict do nothing`,
      // Jobs: one running in every fifth project, one stopped in every other.
      sql`insert into jobs (org_id, user_id, cluster_id, project_id, preset_name, name, status, credits_per_hour,
                            started_at, stopped_at)
          select ${org}, ${userOf(size, sql`4 + i % ${lit(ORG_MEMBERS - 3)}`)}, ${clusterId(sql`1 + i % 2`)},
                 ${projectId(size, i)}, 'small', 'job-' || i || '-' || s,
                 (case when s = 0 then 'running' else 'stopped' end)::job_status, 1,
                 now() - interval '2 hours', case when s = 0 then null else now() - interval '1 hour' end
          from generate_series(1, ${lit(n)}) as i, generate_series(0, 1) as s
          where (s = 0 and i % 5 = 0) or (s = 1 and i % 2 = 0)`,
      // Charges: three per project, spread over the last two months (some before this month's start).
      sql`insert into credit_ledger (org_id, kind, amount, balance_after, project_id, created_at)
          select ${org}, 'charge', -(1 + (i * 7 + c) % 100) / 100.0, 0, ${projectId(size, i)},
                 now() - make_interval(hours => (i * 13 + c * 300) % 1440)
          from generate_series(1, ${lit(n)}) as i, generate_series(0, 2) as c`,
    );
  }
  return {
    statements,
    userId: (size: "big" | "small", n: number) => userOf(size, lit(n)),
    cleanup: [
      sql`delete from credit_ledger where org_id in (${orgId("big")}, ${orgId("small")})`,
      sql`delete from jobs where org_id in (${orgId("big")}, ${orgId("small")})`,
      sql`delete from orgs where id in (${orgId("big")}, ${orgId("small")})`,
      sql`delete from clusters where name like ${`${prefix}-pc%`}`,
      sql`delete from users where username like ${`${prefix}-pu%`}`,
    ],
  };
}

/** The statements that remove what `benchProjects` seeded (run them before deleting the prefix's orgs). */
export function projectsCleanup(prefix: string) {
  return seed(prefix).cleanup;
}

function percentile(sorted: number[], q: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

function fmt(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0);
}

interface Target {
  orgName: string;
  actor: UserCaller;
}

interface Case {
  name: string;
  as: "member" | "manager";
  query: Record<string, string | number>;
}

const CASES: Case[] = [
  { name: '"mine" as the member (first page, 25)', as: "member", query: { scope: "mine" } },
  { name: '"all" as a manager (first page, 25)', as: "manager", query: { scope: "all" } },
  // For context: a search over all projects counts every match exactly (no trigram index on projects: a scan of
  // the org's projects), so its cost follows the org's size.
  { name: '"all" search "proj-00"', as: "manager", query: { scope: "all", q: "proj-00" } },
];

/** Seeds, times and prints the projects case; returns the big org's calls (to EXPLAIN them). */
export async function benchProjects(db: Db, prefix: string, options: ProjectsBenchOptions) {
  const s = seed(prefix);
  let start = performance.now();
  for (const statement of s.statements) await db.execute(statement);
  const seedMs = performance.now() - start;
  start = performance.now();
  // VACUUM as autovacuum would after such inserts: it sets the visibility map, so the page's figures (members of
  // each project) are index-only reads. The "all" total is the org's kept project_count (migration 0017).
  for (const t of ["users", "orgs", "org_members", "projects", "project_members", "jobs", "credit_ledger"]) {
    await db.execute(sql.raw(`vacuum (analyze) ${t}`));
  }
  console.log(
    `\nProjects: seeded ${BIG_PROJECTS.toLocaleString("en")} + ${SMALL_PROJECTS} projects in ` +
      `${(seedMs / 1000).toFixed(1)} s, vacuumed and analyzed in ${((performance.now() - start) / 1000).toFixed(1)} s.`,
  );
  const caller = async (size: "big" | "small", n: number) => {
    const [row] = await rawRows<{ id: string }>(db, sql`select ${s.userId(size, n)}::text as id`);
    return userCaller(row!.id);
  };
  const targets = {
    small: { member: await caller("small", 1), manager: await caller("small", 2) },
    big: { member: await caller("big", 1), manager: await caller("big", 2) },
  };
  const orgs = { small: `${prefix}-proj-small`, big: `${prefix}-proj-big` };

  console.log(
    `\nlistProjects (the Projects page's server work: access check, page with its figures, total), ` +
      `${options.warmup} warm-up + ${options.iterations} timed calls per cell, in ms, median (p95):\n`,
  );
  const rows: string[][] = [];
  for (const c of CASES) {
    const list: [string, Target][] = [
      ["small", { orgName: orgs.small, actor: targets.small[c.as] }],
      ["big", { orgName: orgs.big, actor: targets.big[c.as] }],
    ];
    const samples: number[][] = [[], []];
    const totals = [0, 0];
    for (let round = 0; round < options.warmup + options.iterations; round++) {
      for (const [k, [, target]] of list.entries()) {
        const t0 = performance.now();
        const result = await listProjects(db, target.actor, target.orgName, c.query);
        const elapsed = performance.now() - t0;
        totals[k] = result.total;
        if (round >= options.warmup) samples[k]!.push(elapsed);
      }
    }
    const [small, big] = samples.map((x) => {
      const sorted = [...x].sort((a, b) => a - b);
      return { median: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) };
    });
    rows.push([
      c.name,
      `${fmt(small!.median)} (${fmt(small!.p95)})`,
      `${fmt(big!.median)} (${fmt(big!.p95)})`,
      `${(big!.median / small!.median).toFixed(2)}x`,
      `${totals[0]} / ${totals[1]}`,
    ]);
  }
  console.log(
    table(
      [
        "case",
        `${SMALL_PROJECTS} projects`,
        `${BIG_PROJECTS.toLocaleString("en")} projects`,
        "ratio (big/small)",
        "total (small / big)",
      ],
      rows,
    ),
  );
  // The big org's calls, for the caller to EXPLAIN.
  return {
    cases: CASES.map((c) => ({
      name: c.name,
      run: () => listProjects(db, targets.big[c.as], orgs.big, c.query),
    })),
  };
}
