import { expect, type APIRequestContext, type APIResponse } from "@playwright/test";
import { API_ADMIN_OTHER_ORG, API_ADMIN_READ_ONLY, API_ORG, API_PEOPLE } from "./api-orgs-data";
import { orgName, test } from "./helpers";

/**
 * Apolo's admin API for orgs and org users over HTTP against the production build, as `apolo admin` (the
 * apolo SDK on neuro-admin-client) sends it: the methods, paths, query parameters and JSON bodies it sends, and
 * the fields it parses (`_parse_org_payload`, `_parse_org_user`, `_parse_balance`: `spent_credits` a decimal
 * string, `credits` a decimal string or null; `user_info.email` present). People and tokens come from
 * e2e/seed-api-orgs.ts.
 */

const BASE = "/apis/admin/v1";
const T = Object.fromEntries(Object.entries(API_PEOPLE).map(([k, p]) => [k, p.token])) as Record<
  keyof typeof API_PEOPLE,
  string
>;

function send(
  request: APIRequestContext,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  token: string | null,
  body?: unknown,
): Promise<APIResponse> {
  return request.fetch(`${BASE}/${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(body !== undefined ? { data: body } : {}),
  });
}

/** What the client's `_parse_balance` accepts. */
function expectBalanceShape(b: { credits: unknown; spent_credits: unknown }) {
  expect(typeof b.spent_credits).toBe("string");
  expect(b.spent_credits).toMatch(/^-?\d+(\.\d+)?$/);
  if (b.credits !== null) expect(b.credits).toMatch(/^-?\d+(\.\d+)?$/);
}

/** What the client's `_parse_org_payload` and `OrgNotificationIntervals(**payload)` accept. */
function expectOrgShape(o: Record<string, unknown>) {
  expect(Object.keys(o).sort()).toEqual(["balance", "name", "notification_intervals", "user_default_credits"]);
  expectBalanceShape(o.balance as { credits: unknown; spent_credits: unknown });
  expect(Object.keys(o.notification_intervals as object).sort()).toEqual([
    "balance_amount",
    "balance_depletion_seconds",
    "balance_projection_seconds",
  ]);
}

test("orgs: list, create, read, balance, spending, defaults, close — with who may and may not", async ({ request }) => {
  // Without a token: 401 with Apolo's error body (the SDK raises AuthenticationError(payload["error"])).
  const anon = await send(request, "GET", "orgs", null);
  expect(anon.status()).toBe(401);
  expect(anon.headers()["www-authenticate"]).toMatch(/^Bearer/);
  expect(typeof (await anon.json()).error).toBe("string");

  // get-orgs: a member sees their orgs; an outsider none of them; a restricted token its org only.
  const list = await send(request, "GET", "orgs", T.user);
  expect(list.status()).toBe(200);
  const orgs = (await list.json()) as Record<string, unknown>[];
  const lab = orgs.find((o) => o.name === API_ORG)!;
  expectOrgShape(lab);
  expect(
    (await (await send(request, "GET", "orgs", T.outsider)).json()).map((o: { name: string }) => o.name),
  ).not.toContain(API_ORG);
  const restricted = await (await send(request, "GET", "orgs", API_ADMIN_OTHER_ORG)).json();
  expect(restricted.map((o: { name: string }) => o.name)).not.toContain(API_ORG);

  // add-org: anyone signed in (201, the Org), not a restricted token, not a read-only one.
  const name = orgName("cli");
  const created = await request.post(`${BASE}/orgs?skip_auto_add_to_clusters=true`, {
    headers: { authorization: `Bearer ${T.outsider}` },
    data: { name, user_default_credits: "25" },
  });
  expect(created.status()).toBe(201);
  const org = await created.json();
  expectOrgShape(org);
  expect(org).toMatchObject({ name, user_default_credits: "25", balance: { spent_credits: "0" } });
  expect((await send(request, "POST", "orgs", API_ADMIN_OTHER_ORG, { name: orgName("no") })).status()).toBe(403);
  const ro = await send(request, "POST", "orgs", API_ADMIN_READ_ONLY, { name: orgName("no") });
  expect(ro.status()).toBe(403);
  expect((await ro.json()).error).toBe("This token is read-only: create a read and write token to make changes.");
  const dup = await send(request, "POST", "orgs", T.outsider, { name });
  expect(dup.status()).toBe(409);

  // GET orgs/{org}: members and platform admins; 404 for anyone else.
  expect((await send(request, "GET", `orgs/${name}`, T.outsider)).status()).toBe(200);
  expect((await send(request, "GET", `orgs/${name}`, T.operator)).status()).toBe(200);
  const hidden = await send(request, "GET", `orgs/${name}`, T.user);
  expect(hidden.status()).toBe(404);
  expect(await hidden.json()).toEqual({ error: "Not found", code: "not_found" });

  // set-org-credits / add-org-credits: platform admins; once per idempotency_key; null refused.
  const set = await send(request, "PATCH", `orgs/${name}/balance?idempotency_key=e2e-set-${name}`, T.operator, {
    credits: "500",
  });
  expect(set.status()).toBe(200);
  expect((await set.json()).balance).toEqual({ credits: "500", spent_credits: "0" });
  for (let i = 0; i < 2; i++) {
    const add = await send(request, "PATCH", `orgs/${name}/balance?idempotency_key=e2e-add-${name}`, T.operator, {
      additional_credits: "12.5",
    });
    expect((await add.json()).balance).toEqual({ credits: "512.5", spent_credits: "0" });
  }
  expect((await send(request, "PATCH", `orgs/${name}/balance`, T.outsider, { credits: "9" })).status()).toBe(404);
  const unlimited = await send(request, "PATCH", `orgs/${name}/balance`, T.operator, { credits: null });
  expect(unlimited.status()).toBe(422);
  expect((await unlimited.json()).error).toMatch(/can't be unlimited/);

  // charge_org: POST spending (platform admins).
  const spent = await send(request, "POST", `orgs/${name}/spending?idempotency_key=e2e-sp-${name}`, T.operator, {
    spending: "2.5",
  });
  expect((await spent.json()).balance).toEqual({ credits: "510", spent_credits: "2.5" });

  // set-org-defaults: the creator is its admin.
  const defaults = await send(request, "PATCH", `orgs/${name}/defaults`, T.outsider, {
    credits: null,
    notification_intervals: {
      balance_projection_seconds: null,
      balance_amount: [50, 5],
      balance_depletion_seconds: null,
    },
  });
  expect(defaults.status()).toBe(200);
  expect(await defaults.json()).toMatchObject({
    user_default_credits: null,
    notification_intervals: { balance_amount: [50, 5], balance_projection_seconds: [604800, 259200, 86400] },
  });

  // remove-org: the org's admins and platform admins (the CLI's own prompt is the confirmation); answers the Org.
  expect((await send(request, "DELETE", `orgs/${name}`, T.user)).status()).toBe(404);
  const closed = await send(request, "DELETE", `orgs/${name}`, T.outsider);
  expect(closed.status()).toBe(200);
  expect((await closed.json()).balance).toEqual({ credits: "510", spent_credits: "2.5" });
  expect((await send(request, "GET", `orgs/${name}`, T.outsider)).status()).toBe(404);
  const byOperator = orgName("op");
  expect((await send(request, "POST", "orgs", T.user, { name: byOperator })).status()).toBe(201);
  const closedByOperator = await send(request, "DELETE", `orgs/${byOperator}`, T.operator);
  expect(closedByOperator.status()).toBe(200);
  expect((await closedByOperator.json()).name).toBe(byOperator);
});

test("org users: list with user info, add (at once / invitation), credits, role, removal", async ({ request }) => {
  // get-org-users (with_user_info=true): every member, email for managers and up only.
  const byManager = await send(request, "GET", `orgs/${API_ORG}/users?with_user_info=true`, T.manager);
  expect(byManager.status()).toBe(200);
  const rows = (await byManager.json()) as {
    user_name: string;
    role: string;
    org_name: string;
    balance: { credits: string | null; spent_credits: string };
    user_info: { email: string | null; first_name: string | null; last_name: string | null; created_at: string };
  }[];
  const grace = rows.find((r) => r.user_name === API_PEOPLE.user.username)!;
  expect(grace).toMatchObject({
    org_name: API_ORG,
    role: "user",
    user_info: {
      email: `${API_PEOPLE.user.username}@example.com`,
      first_name: "Grace",
      last_name: "Brewster Hopper",
    },
  });
  expectBalanceShape(grace.balance);
  expect(Number.isNaN(Date.parse(grace.user_info.created_at))).toBe(false);
  const byUser = await (await send(request, "GET", `orgs/${API_ORG}/users?with_user_info=true`, T.user)).json();
  expect(byUser.every((r: { user_info: { email: unknown } }) => r.user_info.email === null)).toBe(true);
  const admins = await (
    await send(request, "GET", `orgs/${API_ORG}/users?with_user_info=false&roles=admin&roles=manager`, T.admin)
  ).json();
  expect(admins.map((r: { role: string }) => r.role).sort()).toEqual(["admin", "manager"]);
  expect((await send(request, "GET", `orgs/${API_ORG}/users`, T.outsider)).status()).toBe(404);
  expect((await send(request, "GET", `orgs/${API_ORG}/users`, API_ADMIN_OTHER_ORG)).status()).toBe(404);

  // add-org-user by an org manager: the in-app invitation, answered as pending.
  const invited = await send(request, "POST", `orgs/${API_ORG}/users?with_user_info=false`, T.manager, {
    user_name: API_PEOPLE.invitee.username,
    role: "manager",
    balance: { spent_credits: "0" },
  });
  expect(invited.status()).toBe(201);
  expect(await invited.json()).toEqual({
    org_name: API_ORG,
    user_name: API_PEOPLE.invitee.username,
    role: "manager",
    balance: { credits: null, spent_credits: "0" },
    pending: true,
  });
  expect((await send(request, "GET", `orgs/${API_ORG}/users/${API_PEOPLE.invitee.username}`, T.admin)).status()).toBe(
    404,
  );

  // add-org-user by a platform admin: at once, with `-c 100`.
  const added = await send(request, "POST", `orgs/${API_ORG}/users?with_user_info=false`, T.operator, {
    user_name: API_PEOPLE.added.username,
    role: "user",
    balance: { credits: "100", spent_credits: "0" },
  });
  expect(added.status()).toBe(201);
  expect(await added.json()).toEqual({
    org_name: API_ORG,
    user_name: API_PEOPLE.added.username,
    role: "user",
    balance: { credits: "100", spent_credits: "0" },
  });
  const user = `orgs/${API_ORG}/users/${API_PEOPLE.added.username}`;

  // set-user-credits / add-user-credits (managers), once per idempotency_key; a user may not.
  const setCredits = await send(request, "PATCH", `${user}/balance?with_user_info=false`, T.manager, {
    credits: "30",
  });
  expect((await setCredits.json()).balance).toEqual({ credits: "30", spent_credits: "0" });
  for (let i = 0; i < 2; i++) {
    const delta = await send(
      request,
      "PATCH",
      `${user}/balance?with_user_info=false&idempotency_key=e2e-d`,
      T.manager,
      {
        additional_credits: "5.5",
      },
    );
    expect((await delta.json()).balance).toEqual({ credits: "35.5", spent_credits: "0" });
  }
  expect((await send(request, "PATCH", `${user}/balance`, T.user, { credits: "1" })).status()).toBe(403);
  const ro = await send(request, "PATCH", `${user}/balance`, API_ADMIN_READ_ONLY, { credits: "1" });
  expect(ro.status()).toBe(403);

  // update_org_user (PUT): role change by the console's rules; a manager can't grant admin.
  const promoted = await send(request, "PUT", `${user}?with_user_info=true`, T.manager, {
    user_name: API_PEOPLE.added.username,
    role: "manager",
    balance: { credits: "35.5", spent_credits: "0" },
  });
  expect(promoted.status()).toBe(200);
  expect(await promoted.json()).toMatchObject({ role: "manager", balance: { credits: "35.5" } });
  expect((await promoted.json()).user_info.email).toBe(`${API_PEOPLE.added.username}@example.com`);
  expect((await send(request, "PUT", user, T.manager, { role: "admin" })).status()).toBe(403);

  // charge_org_user: platform admins only.
  const charged = await send(request, "POST", `${user}/spending?with_user_info=false`, T.operator, { spending: "0.5" });
  expect((await charged.json()).balance).toEqual({ credits: "35", spent_credits: "0.5" });
  expect((await send(request, "POST", `${user}/spending`, T.admin, { spending: "1" })).status()).toBe(404);

  // remove-org-user: 204; nobody removes themselves; a user removes nobody.
  expect((await send(request, "DELETE", user, T.user)).status()).toBe(403);
  const self = await send(request, "DELETE", `orgs/${API_ORG}/users/${API_PEOPLE.admin.username}`, T.admin);
  expect(self.status()).toBe(403);
  expect((await self.json()).error).toMatch(/can't remove yourself/);
  const removed = await send(request, "DELETE", user, T.admin);
  expect(removed.status()).toBe(204);
  expect((await send(request, "GET", user, T.admin)).status()).toBe(404);
});
