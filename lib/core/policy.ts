import type { OrgAccess } from "./authz";
import { READ_ONLY_TOKEN, type AccessMode } from "./caller";
import { Forbidden, NotFound } from "./errors";
import { canGrant, grantableRoles, higherRole, roleAtLeast, type OrgRole } from "./roles";

/**
 * One rule of the policy: the lowest org role that may do the action, whether it reads or writes (a read-only
 * token does no writes), and optionally
 * - `owner`: the owner of the resource may do it with at least this role ("the job's owner or a manager");
 * - `raisedBy`: an org setting that can raise `role` (who may top up);
 * - `hidden`: refused callers are told the resource doesn't exist (NotFound with this message), not Forbidden.
 */
export interface PolicyRule {
  role: OrgRole;
  mode: AccessMode;
  owner?: OrgRole;
  raisedBy?: "topUpMinRole";
  hidden?: string;
}

/**
 * The permission table (docs/architecture.md, "Policy"), as a policy: every org action the server checks and the UI hides. Lib
 * operations check it against the role read from the database (requireOrgAccess, authorize); the UI asks
 * `allowed` (or `can`) with the same access, so it shows exactly what the server would let through.
 */
export const POLICY = {
  "org.view": { role: "user", mode: "read" }, // see the org, its members list, its clusters, the org balance
  "members.list": { role: "user", mode: "read" },
  "members.viewEmail": { role: "manager", mode: "read" }, // members' email addresses (users see usernames, names)
  "jobs.run": { role: "user", mode: "write" },
  "jobs.manageAll": { role: "manager", mode: "read" }, // see everyone's jobs
  // Stop a job: its owner, or a manager/admin for anyone's; a user doesn't learn about other people's jobs.
  "jobs.stop": { role: "manager", owner: "user", mode: "write", hidden: "Job not found" },
  "projects.create": { role: "user", mode: "write" }, // every member creates own projects (becoming their admin)
  "projects.viewAll": { role: "manager", mode: "read" }, // every project of the org, acting as its admin
  "artifacts.viewAll": { role: "manager", mode: "read" }, // the org's Artifacts page: every project's artifacts
  "credits.topup": { role: "user", mode: "write", raisedBy: "topUpMinRole" }, // an org setting may raise this
  "org.leave": { role: "user", mode: "write" }, // never the last admin
  "settings.open": { role: "manager", mode: "read" }, // Users tab actions, Reports, Audit log
  "members.invite": { role: "manager", mode: "write" }, // grant at most own role
  "members.changeRole": { role: "manager", mode: "write" }, // manager only between user and manager
  "members.remove": { role: "manager", mode: "write" }, // manager removes users and managers; admin anyone
  "ledger.viewAll": { role: "manager", mode: "read" },
  "reports.view": { role: "manager", mode: "read" }, // the Reports tab and its Grafana proxy
  "quotas.set": { role: "manager", mode: "write" }, // member quotas and the org's default credit limit
  "org.updateSettings": { role: "admin", mode: "write" },
  "org.delete": { role: "admin", mode: "write" },
} as const satisfies Record<string, PolicyRule>;

export type OrgAction = keyof typeof POLICY;
/** The former name of an org action. */
export type OrgPermission = OrgAction;

/** The table's base roles (no org settings, no ownership): action → lowest role. */
export const ORG_PERMISSIONS = Object.fromEntries(
  Object.entries(POLICY).map(([action, rule]) => [action, rule.role]),
) as { [A in OrgAction]: (typeof POLICY)[A]["role"] };

/** A resource an action is about: its owner, for the ownership rules. */
export interface PolicyResource {
  ownerId?: string | null;
}

/** The org settings a rule may read. */
type OrgSettings = { topUpMinRole: OrgRole };

const ruleOf = (action: OrgAction): PolicyRule => POLICY[action];

/** The lowest role `action` needs in this org: the table's role, raised by the org setting the rule names. */
export function requiredRole(action: OrgAction, org?: Partial<OrgSettings>): OrgRole {
  const rule = ruleOf(action);
  const setting = rule.raisedBy && org?.[rule.raisedBy];
  return setting ? higherRole(rule.role, setting) : rule.role;
}

/** The role-only question, for places that know no org settings and no resource (the UI's navigation). */
export function can(role: OrgRole, action: OrgAction): boolean {
  return roleAtLeast(role, ruleOf(action).role);
}

type Decision = { ok: true } | { ok: false; error: Forbidden | NotFound };

function decide(
  access: Pick<OrgAccess, "role" | "org"> & { caller?: Pick<OrgAccess["caller"], "id" | "scopes"> },
  action: OrgAction,
  resource?: PolicyResource,
): Decision {
  const rule = ruleOf(action);
  const scopes = access.caller?.scopes;
  if (rule.mode === "write" && scopes && !scopes.includes("write")) {
    return { ok: false, error: new Forbidden(READ_ONLY_TOKEN) };
  }
  const min = requiredRole(action, access.org);
  if (roleAtLeast(access.role, min)) return { ok: true };
  // Ownership: without a resource (loading the org before the resource is known) the owner's floor is what
  // counts; with one, the caller must own it.
  if (rule.owner && roleAtLeast(access.role, rule.owner)) {
    if (resource === undefined) return { ok: true };
    if (resource.ownerId && access.caller && resource.ownerId === access.caller.id) return { ok: true };
  }
  if (rule.hidden) return { ok: false, error: new NotFound(rule.hidden) };
  if (rule.raisedBy === "topUpMinRole" && min !== rule.role) {
    return { ok: false, error: new Forbidden(`In ${access.org.name}, only ${min}s and above can top up.`) };
  }
  return { ok: false, error: new Forbidden() };
}

/**
 * The one permission check: may the caller of `access` do `action` (to `resource`, for ownership rules)?
 * Throws Forbidden (NotFound for hidden resources) when not. Read from the access loaded from the database
 * in this request, never from a session token.
 */
export function authorize(access: OrgAccess, action: OrgAction, resource?: PolicyResource): void {
  const d = decide(access, action, resource);
  if (!d.ok) throw d.error;
}

/** The same decision as a boolean, for the UI: show exactly what `authorize` would let through. */
export function allowed(
  access: Pick<OrgAccess, "role" | "org"> & { caller?: Pick<OrgAccess["caller"], "id" | "scopes"> },
  action: OrgAction,
  resource?: PolicyResource,
): boolean {
  return decide(access, action, resource).ok;
}

/** What the viewer may do to a member: the UI shows exactly these, the server checks them again. */
export function memberActions(viewer: { userId: string; role: OrgRole }, target: { userId: string; role: OrgRole }) {
  const self = viewer.userId === target.userId;
  const touchable = !self && can(viewer.role, "members.changeRole") && canGrant(viewer.role, target.role);
  return {
    changeRole: touchable,
    roles: touchable ? grantableRoles(viewer.role) : [],
    remove: !self && can(viewer.role, "members.remove") && canGrant(viewer.role, target.role),
    quotas: can(viewer.role, "quotas.set") && canGrant(viewer.role, target.role),
  };
}
