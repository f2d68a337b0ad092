/**
 * HTTP fuzzing of the production build (issue 15): FUZZ_BODIES (300) mutated bodies to every form action and to
 * POST /api/v1/usage, FUZZ_ARG_BODIES (100) to every action called with plain arguments, sent with fetch-like requests (Playwright's APIRequestContext, not the browser).
 * Fails on any 5xx, and — where the suite runs on PostgreSQL (E2E_DATABASE_URL, as CI's second run does) — on
 * any row written for a request that was refused (a 4xx, or an action answering `"ok":false`).
 *
 * Action ids come from the build's server-reference-manifest, so a new action is found by its exported name;
 * an exported action missing from ACTIONS below fails the first test, so it can't be left out of the fuzzing.
 *
 * Next.js 16.4.6 behaviour recorded here: a malformed action payload (invalid JSON such as `NaN`, an empty
 * multipart body, a dangling `$Q1` reference, 4,000 nested arrays) makes Next's action handler answer 500
 * ("SyntaxError", "Unexpected end of form", "Connection closed", "Maximum call stack size exceeded") before any
 * application code runs, with only a digest in the body (no internals). proxy.ts refuses those with 400 before
 * Next parses them (lib/core/action-payload.ts); the last test pins both halves: 400 from the proxy, and never
 * a stack trace or message of Next's in any answer.
 */
import { readFileSync } from "node:fs";
import type { APIRequestContext, Browser } from "@playwright/test";
import { expect, test } from "./axe";
import pg from "pg";
import { createOrg, newPerson, orgName, PASSWORD, signInOperator, signUp } from "./helpers";

/** Bodies per form action (FormData) and for the usage API; actions called with plain arguments get ARG_BODIES. */
const BODIES = Number(process.env.FUZZ_BODIES ?? 300);
const ARG_BODIES = Number(process.env.FUZZ_ARG_BODIES ?? 100);
/** Requests in flight at once (a batch: rows are compared around each batch whose requests were all refused). */
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 4);
const DATABASE_URL = process.env.E2E_DATABASE_URL;

// ------------------------------------------------------------------------------------------------ actions

interface ManifestEntry {
  workers: Record<string, unknown>;
  exportedName: string;
}
function actionIds(): Map<string, { id: string; route: string }> {
  const manifest = JSON.parse(readFileSync(".next/server/server-reference-manifest.json", "utf8")) as {
    node: Record<string, ManifestEntry>;
  };
  const out = new Map<string, { id: string; route: string }>();
  for (const [id, entry] of Object.entries(manifest.node)) {
    const route = Object.keys(entry.workers).sort((a, b) => a.split("[").length - b.split("[").length)[0]!;
    if (!out.has(entry.exportedName)) out.set(entry.exportedName, { id, route });
  }
  return out;
}

/** A form's fields: sent as multipart FormData, like React's encodeReply does (`$K1` → `_1_name` entries). */
class Form {
  constructor(readonly fields: Record<string, unknown>) {}
}
const F = (fields: Record<string, unknown>) => new Form(fields);

type Who = "anon" | "user" | "operator";
interface Ctx {
  org: string;
  cluster: string;
}
/** Every action with arguments that are refused as they stand (so mutations mostly stay refusals). */
const ACTIONS: Record<string, { who: Who; args: (c: Ctx) => unknown[] }> = {
  signInAction: {
    who: "anon",
    args: () => [{}, F({ identifier: "fz-nobody", password: "wrong pass", callbackUrl: "/" })],
  },
  oauthSignInAction: { who: "anon", args: () => [F({ provider: "nope", callbackUrl: "/" })] },
  signUpAction: {
    who: "anon",
    args: () => [{}, F({ username: "fz-Bad--", email: "fz@example.com", password: "short", invite: "" })],
  },
  chooseUsernameAction: { who: "anon", args: () => [{}, F({ username: "fz-x", email: "fz-x@example.com" })] },
  forgotPasswordAction: { who: "anon", args: () => [{}, F({ email: "not-an-email" })] },
  resetPasswordAction: { who: "anon", args: () => [{}, F({ token: "bad", password: "long enough pw" })] },
  signOutAction: { who: "anon", args: () => [] },
  setThemeAction: { who: "user", args: () => ["purple"] },
  createOrgAction: { who: "user", args: () => [{}, F({ name: "new", displayName: "x" })] },
  leaveOrgAction: { who: "user", args: (c) => [c.org] },
  deleteOrgAction: { who: "user", args: (c) => [c.org, "wrong name"] },
  checkOrgNameAction: { who: "user", args: (c) => ["Bad Name", c.org] },
  renameOrgDisplayNameAction: { who: "user", args: (c) => [c.org, "bad\u0000name"] },
  changeOrgNameAction: { who: "user", args: (c) => [c.org, "fz-renamed", "wrong name"] },
  sendVerificationAction: { who: "anon", args: () => [] },
  saveCreditSettingsAction: { who: "user", args: (c) => [c.org, "abc", "user"] },
  saveProjectionWarningsAction: { who: "user", args: (c) => [c.org, [-1, "7d"]] },
  // Automatic top-up (issue 16): bad amounts; the card setup is Stripe only (the e2e server is the sandbox).
  saveAutoTopUpAction: { who: "user", args: (c) => [c.org, true, "-1", "abc", "0"] },
  startCardSetupAction: { who: "user", args: (c) => [c.org] },
  updateDisplayNameAction: { who: "user", args: () => [F({ name: "x".repeat(101) })] },
  changePasswordAction: { who: "user", args: () => [F({ currentPassword: "wrong", newPassword: "short" })] },
  requestEmailChangeAction: { who: "user", args: () => [F({ email: "bad", currentPassword: "wrong" })] },
  resendEmailChangeAction: { who: "user", args: () => [] },
  cancelEmailChangeAction: { who: "user", args: () => [] },
  deleteAccountAction: { who: "user", args: () => ["not-me"] },
  revokeSessionAction: { who: "user", args: () => ["not-a-session"] },
  revokeOtherSessionsAction: { who: "anon", args: () => [] },
  startJobAction: {
    who: "user",
    args: (c) => [c.org, {}, F({ name: "Bad Name", cluster: c.cluster, preset: "none" })],
  },
  stopJobAction: { who: "user", args: (c) => [c.org, "not-a-job"] },
  inviteAction: { who: "user", args: (c) => [c.org, {}, F({ entries: "", role: "user" })] },
  changeRoleAction: { who: "user", args: (c) => [c.org, "fz-nobody", "manager"] },
  removeMemberAction: { who: "user", args: (c) => [c.org, "fz-nobody"] },
  resendInvitationAction: { who: "user", args: (c) => [c.org, "not-an-id"] },
  newInvitationLinkAction: { who: "user", args: (c) => [c.org, "not-an-id"] },
  revokeInvitationAction: { who: "user", args: (c) => [c.org, "not-an-id"] },
  setQuotaAction: { who: "user", args: (c) => [c.org, "fz-nobody", "abc", "x"] },
  topUpAction: { who: "user", args: (c) => [c.org, "0"] },
  paySandboxAction: { who: "user", args: (c) => [c.org, "not-a-payment"] },
  cancelSandboxAction: { who: "user", args: (c) => [c.org, "not-a-payment"] },
  acceptInvitationAction: { who: "user", args: () => [{ token: "bad" }] },
  declineInvitationAction: { who: "user", args: () => [{ id: "bad" }] },
  createClusterAction: { who: "operator", args: () => [F({ name: "-bad", description: "", runner: "external" })] },
  createPresetAction: {
    who: "operator",
    args: (c) => [c.cluster, F({ name: "-bad", cpu: "1", memoryMb: "1", gpu: "0", creditsPerHour: "1" })],
  },
  deletePresetAction: { who: "operator", args: (c) => [c.cluster, "not-an-id", "x"] },
  setOrgClusterAction: { who: "operator", args: (c) => [c.cluster, F({ org: "fz-none", maxRunningJobs: "" })] },
  removeOrgClusterAction: { who: "operator", args: (c) => [c.cluster, "fz-none"] },
  createClusterTokenAction: { who: "operator", args: (c) => [c.cluster, F({ label: "" })] },
  revokeClusterTokenAction: { who: "operator", args: (c) => [c.cluster, "not-an-id", "x"] },
  setClusterUrlsAction: {
    who: "operator",
    args: (c) => [c.cluster, F({ registryUrl: "not a url", storageUrl: "ftp://x" })],
  },
  // Account → Tokens: a nameless token, an unknown token id.
  createTokenAction: { who: "user", args: () => [F({ name: "", expiresIn: "forever", scope: "all", org: "" })] },
  revokeTokenAction: { who: "user", args: () => ["not-a-token-id"] },
  grantCreditsAction: { who: "operator", args: (c) => [F({ org: c.org, mode: "add", amount: "-1", note: "" })] },
  addOrgMemberAction: { who: "operator", args: (c) => [c.org, F({ username: "fz-nobody", role: "user" })] },
  setClusterStorageRateAction: { who: "operator", args: (c) => [c.cluster, F({ rate: "-1" })] },
  // Cluster access requests (issue 14): a message over 500 characters; unknown request ids.
  requestClusterAccessAction: { who: "user", args: (c) => [c.org, "x".repeat(501)] },
  approveClusterAccessAction: { who: "operator", args: (c) => ["not-a-request", c.cluster] },
  declineClusterAccessAction: { who: "operator", args: () => ["not-a-request", ""] },
  // Projects: the fuzz org isn't on the fuzz cluster, so a create is refused; the rest name no project.
  createProjectAction: { who: "user", args: (c) => [c.org, F({ cluster: c.cluster, name: "Bad--Name" })] },
  updateProjectAction: { who: "user", args: (c) => [c.org, c.cluster, "fz-no-project", F({ name: "x" })] },
  deleteProjectAction: { who: "user", args: (c) => [c.org, c.cluster, "fz-no-project", "wrong"] },
  addProjectMemberAction: {
    who: "user",
    args: (c) => [c.org, c.cluster, "fz-no-project", F({ username: "fz-nobody", role: "reader" })],
  },
  changeProjectMemberRoleAction: {
    who: "user",
    args: (c) => [c.org, c.cluster, "fz-no-project", "fz-nobody", "writer"],
  },
  removeProjectMemberAction: { who: "user", args: (c) => [c.org, c.cluster, "fz-no-project", "fz-nobody"] },
  leaveProjectAction: { who: "user", args: (c) => [c.org, c.cluster, "fz-no-project", "fz-nobody"] },
  projectCandidatesAction: { who: "user", args: (c) => [c.org, c.cluster, "fz-no-project", ""] },
  // Artifacts of a project that doesn't exist.
  createDiskAction: { who: "user", args: (c) => [c.org, c.cluster, "fz-no-project", F({ name: "d1", size: "0" })] },
  createBucketAction: {
    who: "user",
    args: (c) => [c.org, c.cluster, "fz-no-project", F({ name: "b1", provider: "nope", region: "" })],
  },
  saveSecretAction: {
    who: "user",
    args: (c) => [c.org, c.cluster, "fz-no-project", false, F({ key: "1bad", value: "v" })],
  },
  deleteArtifactAction: { who: "user", args: (c) => [c.org, "not-an-id"] },
};

// ------------------------------------------------------------------------------------------------ mutations

/** mulberry32: the same seed gives the same bodies (FUZZ_SEED reproduces a failing run). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = Number(process.env.FUZZ_SEED ?? 15);

const NASTY: unknown[] = [
  "\u0000",
  "a\u0000b",
  "\u0001\u001b[31m\u007f",
  "tab\there\nnew\rline",
  "x".repeat(5000),
  "ünïcødé 🚀 \u202e\u2028",
  "\ud800",
  "",
  " ",
  "$T",
  "$undefined",
  "$NaN",
  "$Infinity",
  "$-0",
  "$D2026-01-01",
  "$n12",
  "$$x",
  "$Q1",
  "$@1",
  "$K9",
  "$h0",
  "${",
  "'; drop table users; --",
  "%00",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "00000000-0000-4000-8000-000000000000",
  0,
  -1,
  1e308,
  true,
  null,
  {},
  [],
  ["a"],
  { a: "\u0000" },
  { __proto__: { x: 1 } },
];
const RAW_BODIES: [string, string][] = [
  ["text/plain", ""],
  ["text/plain", "NaN"],
  ["text/plain", "[{}"],
  ["text/plain", "[{}]"], // a form action called without FormData
  ["text/plain", '["$Q1"]'],
  ["text/plain", "[" + "[".repeat(4000) + "]".repeat(4000) + "]"],
  ["text/plain", '"just a string"'],
  ["text/plain", "\u0000"],
  ["application/json", "[{}]"],
  ["application/octet-stream", "\u0000\u0001"],
  ["", "[]"],
  ["multipart/form-data; boundary=fz", ""],
  ["multipart/form-data", "--fz\r\n"],
  ["multipart/form-data; boundary=fz", '--fz\r\nContent-Disposition: form-data; name="1"\r\n\r\n[]\r\n--fz--\r\n'],
  ["multipart/form-data; boundary=fz", '--fz\r\nContent-Disposition: form-data; name="0"\r\n\r\nNaN\r\n--fz--\r\n'],
  ["multipart/form-data; boundary=fz", '--fz\r\nContent-Disposition: form-data; name="0"\r\n\r\n["$Q5"]\r\n--fz--\r\n'],
  ["application/x-www-form-urlencoded", "a=%00&b=1"], // Next decodes it as JSON: 500 without the proxy
];

/** Multipart parts in order: the root part `0` goes last, as React sends it (Next streams parts in order). */
type Body = { contentType: string; data: string | Buffer } | { multipart: [string, string][] };

/** Encodes arguments as React's encodeReply does: JSON text, or multipart when a Form is among them. */
function encode(args: unknown[]): Body {
  const formIndex = args.findIndex((a) => a instanceof Form);
  if (formIndex < 0) return { contentType: "text/plain;charset=UTF-8", data: JSON.stringify(args) };
  const multipart: [string, string][] = [];
  for (const [k, v] of Object.entries((args[formIndex] as Form).fields)) {
    if (v !== undefined) multipart.push([`_1_${k}`, typeof v === "string" ? v : JSON.stringify(v)]);
  }
  multipart.push(["0", JSON.stringify(args.map((a, i) => (i === formIndex ? "$K1" : a)))]);
  return { multipart };
}

function mutate(args: unknown[], random: () => number): Body {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const roll = random();
  if (roll < 0.2) {
    const [contentType, data] = pick(RAW_BODIES);
    return { contentType, data };
  }
  const copy = args.map((a) => (a instanceof Form ? new Form({ ...a.fields }) : a));
  const mutations = 1 + Math.floor(random() * 3);
  for (let m = 0; m < mutations; m++) {
    const i = Math.floor(random() * Math.max(copy.length, 1));
    const target = copy[i];
    const r = random();
    if (target instanceof Form && r < 0.8) {
      const keys = Object.keys(target.fields);
      const key = keys.length && random() < 0.85 ? pick(keys) : pick(["extra", "__proto__", "0", "$ACTION_ID_x"]);
      target.fields[key] = random() < 0.1 ? undefined : pick(NASTY);
    } else if (r < 0.85) copy[i] = pick(NASTY);
    else if (r < 0.92) copy.splice(i, 1);
    else copy.push(pick(NASTY));
  }
  return encode(copy);
}

// ------------------------------------------------------------------------------------------------ database

/** Rows the fuzzing could write: the fuzz accounts', the fuzz org's and the fuzz cluster's (others' specs run beside). */
async function rowCounts(db: pg.Client, userIds: string[], orgId: string, clusterName: string) {
  const { rows } = await db.query(
    `select
       (select count(*) from users where username like 'fz%' or email like 'fz%') as users,
       (select count(*) from org_members where user_id = any($1::uuid[]) or org_id = $2) as members,
       (select count(*) from orgs o where exists (select 1 from org_members m where m.org_id = o.id and m.user_id = any($1::uuid[]))) as orgs,
       (select count(*) from invitations where org_id = $2 or invited_by_id = any($1::uuid[])) as invitations,
       (select count(*) from jobs where org_id = $2 or user_id = any($1::uuid[])) as jobs,
       (select count(*) from credit_ledger where org_id = $2) as ledger,
       (select count(*) from payments where org_id = $2) as payments,
       (select count(*) from audit_events where org_id = $2 or actor_id = any($1::uuid[])) as audit,
       (select count(*) from clusters where name like 'fz%' or name like '-%') as clusters,
       (select count(*) from presets p join clusters c on c.id = p.cluster_id where c.name = $3) as presets,
       (select count(*) from cluster_tokens t join clusters c on c.id = t.cluster_id where c.name = $3) as tokens,
       (select count(*) from org_clusters oc join clusters c on c.id = oc.cluster_id where c.name = $3) as org_clusters,
       (select count(*) from projects where org_id = $2) as projects,
       (select count(*) from project_members where org_id = $2) as project_members,
       (select count(*) from artifacts where org_id = $2) as artifacts`,
    [userIds, orgId, clusterName],
  );
  return rows[0] as Record<string, string>;
}

// ------------------------------------------------------------------------------------------------ requests

async function send(api: APIRequestContext, path: string, headers: Record<string, string>, body: Body) {
  const res =
    "multipart" in body
      ? await api.post(path, {
          headers,
          multipart: formDataOf(body.multipart),
          maxRedirects: 0,
          failOnStatusCode: false,
        })
      : await api.post(path, {
          headers: { ...headers, ...(body.contentType ? { "content-type": body.contentType } : {}) },
          data: body.data,
          maxRedirects: 0,
          failOnStatusCode: false,
        });
  return { status: res.status(), text: await res.text(), headers: res.headers() };
}

function formDataOf(parts: [string, string][]): FormData {
  const form = new FormData();
  for (const [name, value] of parts) form.append(name, value);
  return form;
}

const refused = (r: { status: number; text: string }) => r.status >= 400 || /"ok":false/.test(r.text);

async function personContext(browser: Browser) {
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "10.15.0.1" } });
  return { context, page: await context.newPage() };
}

test.describe.configure({ mode: "serial", timeout: 15 * 60_000 });

test("every server action is fuzzed (the list below covers the build's actions)", () => {
  const missing = [...actionIds().keys()].filter((name) => !(name in ACTIONS));
  expect(missing, "add these actions to ACTIONS in e2e/fuzz.spec.ts").toEqual([]);
});

test(`${BODIES} mutated bodies to every server action and to the usage API: no 5xx, nothing written when refused`, async ({
  browser,
}) => {
  const ids = actionIds();
  const random = rng(SEED);
  const db = DATABASE_URL ? new pg.Client({ connectionString: DATABASE_URL }) : null;
  await db?.connect();
  test.info().annotations.push({
    type: "rows",
    description: db ? "row counts checked on PostgreSQL" : "row counts not checked (PGlite: set E2E_DATABASE_URL)",
  });

  // A member who is the only admin of an org, and the operator with an external cluster and a runner token.
  const person = newPerson("fz");
  const user = await personContext(browser);
  await signUp(user.page, person);
  const org = orgName("fz");
  await createOrg(user.page, org);
  const operator = await personContext(browser);
  await signInOperator(operator.page);
  const cluster = orgName("fz-c");
  const anon = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": "10.15.0.2" } });
  const apis: Record<Who, APIRequestContext> = {
    anon: anon.request,
    user: user.context.request,
    operator: operator.context.request,
  };
  const call = (name: string, args: unknown[] | Body) => {
    const { id, route } = ids.get(name)!;
    return send(
      apis[ACTIONS[name]!.who],
      pathOf(route, { org, cluster }),
      { "next-action": id },
      Array.isArray(args) ? encode(args) : args,
    );
  };
  const made = await call("createClusterAction", [F({ name: cluster, description: "fuzz", runner: "external" })]);
  expect(made.text).toContain(`Cluster ${cluster} created.`);
  const tokenAnswer = await call("createClusterTokenAction", [cluster, F({ label: "fuzz" })]);
  const token = /"token":"(apc_[^"]+)"/.exec(tokenAnswer.text)?.[1];
  expect(token).toBeTruthy();

  let userIds: string[] = [];
  let orgId = "00000000-0000-0000-0000-000000000000";
  if (db) {
    const { rows } = await db.query("select id from users where username = $1", [person.username]);
    userIds = rows.map((r: { id: string }) => r.id);
    orgId = (await db.query("select id from orgs where name = $1", [org])).rows[0].id as string;
  }
  const counts = () => (db ? rowCounts(db, userIds, orgId, cluster) : Promise.resolve(null));

  const failures: string[] = [];
  /**
   * Sends a batch of CONCURRENCY bodies at once: every answer must be below 500 and show no internals, and when
   * every request of the batch was refused, the rows must be as before the batch.
   */
  const batch = async (label: string, bodies: Body[], sendOne: (b: Body) => ReturnType<typeof send>) => {
    const before = await counts();
    const answers = await Promise.all(bodies.map(sendOne));
    sent += bodies.length;
    answers.forEach((r, i) => {
      const shown = JSON.stringify(bodies[i]).slice(0, 200);
      if (r.status >= 500) failures.push(`${label}: ${r.status} for ${shown}: ${r.text.slice(0, 200)}`);
      if (/at \S+ \(|node_modules|SyntaxError|RangeError|TypeError/.test(r.text)) {
        failures.push(`${label}: internals in the answer for ${shown}: ${r.text.slice(0, 200)}`);
      }
    });
    if (db && answers.every(refused)) {
      const after = await counts();
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        const shown = bodies.map((b) => JSON.stringify(b).slice(0, 120)).join(" | ");
        failures.push(
          `${label}: rows written by refused requests ${shown}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`,
        );
      }
    }
  };

  let sent = 0;
  let planned = BODIES; // the usage API's
  for (const name of Object.keys(ACTIONS)) {
    if (!ids.has(name)) continue;
    const base = ACTIONS[name]!.args({ org, cluster });
    const bodies = base.some((a) => a instanceof Form) ? BODIES : ARG_BODIES;
    planned += bodies;
    for (let n = 0; n < bodies; n += CONCURRENCY) {
      const group = Array.from({ length: Math.min(CONCURRENCY, bodies - n) }, () => mutate(base, random));
      await batch(name, group, (body) => call(name, body));
    }
  }

  // The usage API: a runner's JSON, mutated (NUL keys, wrong types, broken JSON, too many records).
  const goodRecord = {
    job_id: "00000000-0000-4000-8000-000000000000",
    until: new Date().toISOString(),
    idempotency_key: "k",
  };
  const usageBodies: Body[] = [];
  for (let n = 0; n < BODIES; n++) {
    let data: string;
    const roll = random();
    if (roll < 0.15) data = String(RAW_BODIES[Math.floor(random() * RAW_BODIES.length)]![1]);
    else if (roll < 0.2) data = JSON.stringify({ records: Array.from({ length: 1001 }, () => goodRecord) });
    else {
      const record: Record<string, unknown> = { ...goodRecord };
      const keys = ["job_id", "until", "idempotency_key", "extra"];
      for (let m = 0; m < 1 + Math.floor(random() * 3); m++) {
        record[keys[Math.floor(random() * keys.length)]!] = NASTY[Math.floor(random() * NASTY.length)];
      }
      data = JSON.stringify(random() < 0.1 ? record : { records: [goodRecord, record] });
    }
    usageBodies.push({ contentType: "application/json", data });
  }
  for (let n = 0; n < usageBodies.length; n += CONCURRENCY) {
    await batch("POST /api/v1/usage", usageBodies.slice(n, n + CONCURRENCY), (body) =>
      send(anon.request, "/api/v1/usage", { authorization: `Bearer ${token}` }, body),
    );
  }

  // The artifacts API (a runner registering images): the same mutations of its JSON, with the cluster's token.
  const goodImage = { org, project: "fz-no-project", name: "img", tags: ["latest"], size_bytes: 1 };
  const imageBodies: Body[] = [];
  for (let n = 0; n < BODIES; n++) {
    let data: string;
    const roll = random();
    if (roll < 0.15) data = String(RAW_BODIES[Math.floor(random() * RAW_BODIES.length)]![1]);
    else {
      const image: Record<string, unknown> = { ...goodImage };
      const keys = ["org", "project", "name", "tags", "size_bytes", "pushed_at", "owner", "extra"];
      for (let m = 0; m < 1 + Math.floor(random() * 3); m++) {
        image[keys[Math.floor(random() * keys.length)]!] = NASTY[Math.floor(random() * NASTY.length)];
      }
      data = JSON.stringify(image);
    }
    imageBodies.push({ contentType: "application/json", data });
  }
  planned += BODIES;
  for (let n = 0; n < imageBodies.length; n += CONCURRENCY) {
    await batch("POST /api/v1/artifacts", imageBodies.slice(n, n + CONCURRENCY), (body) =>
      send(anon.request, "/api/v1/artifacts", { authorization: `Bearer ${token}` }, body),
    );
  }

  await db?.end();
  await Promise.all([user.context.close(), operator.context.close(), anon.close()]);
  console.log(`[fuzz] ${sent} bodies sent; ${failures.length} failures`);
  expect(failures.slice(0, 20)).toEqual([]);
  expect(sent).toBe(planned);
});

test("malformed action payloads get 400 from the proxy, and no answer ever shows Next's internals", async ({
  request,
}) => {
  const { id } = actionIds().get("signInAction")!;
  for (const [contentType, data] of RAW_BODIES.filter(([t, d]) => d !== "[{}]" && t !== "")) {
    const r = await request.post("/signin", {
      headers: { "next-action": id, ...(contentType ? { "content-type": contentType } : {}) },
      data,
      failOnStatusCode: false,
    });
    expect(r.status(), `${contentType}: ${data.slice(0, 40)}`).toBe(400);
    expect(await r.text()).toBe("Bad request");
    // The same with a router's prefetch header, which page prefetches skip the proxy with: an action never does.
    for (const prefetch of [{ "next-router-prefetch": "1" }, { purpose: "prefetch" }] as Record<string, string>[]) {
      const p = await request.post("/signin", {
        headers: { "next-action": id, ...prefetch, ...(contentType ? { "content-type": contentType } : {}) },
        data,
        failOnStatusCode: false,
      });
      expect(p.status(), `${JSON.stringify(prefetch)} ${contentType}: ${data.slice(0, 40)}`).toBe(400);
    }
  }
  // Multipart shapes Next 16.4 answers with a 500 inside its action handler (lib/core/action-payload.ts).
  const file = { name: "x", mimeType: "application/octet-stream", buffer: Buffer.from("[1]") };
  for (const multipart of [
    { 0: file },
    { 0: '["$Q1"]', 1: '{"a":1}' },
    { 0: '["$W1"]', 1: "5" },
    { 0: '["$A1"]', 1: "{}" },
    { 0: '["$i1"]', 1: "{}" },
    { 0: '["$1:x:y"]', 1: "{}" },
    { 0: '["$h1"]', 1: '{"id":"x","bound":null}' },
  ] as Record<string, string | typeof file>[]) {
    const r = await request.post("/signin", { headers: { "next-action": id }, multipart, failOnStatusCode: false });
    expect(r.status(), JSON.stringify(multipart)).toBe(400);
  }
  const many = await request.post("/signin", {
    headers: { "next-action": id, "content-type": "text/plain;charset=UTF-8" },
    data: `[${Array(1001).fill("1").join(",")}]`,
    failOnStatusCode: false,
  });
  expect(many.status()).toBe(400);
  // A form action called without FormData is the action's own validation, not a 500.
  const plain = await request.post("/signin", {
    headers: { "next-action": id, "content-type": "text/plain;charset=UTF-8" },
    data: "[{}]",
  });
  expect(plain.status()).toBe(200);
  expect(await plain.text()).toContain("Enter your username or email.");
  void PASSWORD;
});

test("public files answer GET and HEAD, and 405 to any other method (Next's static handler would answer 500)", async ({
  request,
}) => {
  for (const file of ["/favicon.ico", "/icon.svg", "/icon-192.png", "/manifest.webmanifest"]) {
    expect((await request.get(file)).status(), file).toBe(200);
    expect((await request.head(file)).status(), file).toBe(200);
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const r = await request.fetch(file, { method, data: "x", failOnStatusCode: false });
      expect(r.status(), `${method} ${file}`).toBe(405);
      expect(r.headers()["allow"]).toBe("GET, HEAD");
    }
    const action = await request.post(file, { headers: { "next-action": "x" }, data: "[", failOnStatusCode: false });
    expect(action.status(), `action to ${file}`).toBe(405);
  }
});

/** The page a manifest worker renders (`app/(console)/orgs/[org]/jobs/page` → `/orgs/<org>/jobs`). */
function pathOf(route: string, c: Ctx): string {
  const path = route
    .replace(/^app/, "")
    .replace(/\/page$/, "")
    .replace(/\/\([^)]*\)/g, "")
    .replace("[org]", c.org)
    .replace("[name]", c.cluster)
    .replace("[token]", "fuzz")
    .replace("[payment]", "00000000-0000-4000-8000-000000000000")
    .replace("[...path]", "x");
  return path || "/";
}
