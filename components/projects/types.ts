/** Serializable shapes the Projects pages pass from the server pages to their client components. */
export type ProjectRole = "reader" | "writer" | "manager" | "admin";
export type OrgRole = "user" | "manager" | "admin";

/** Project roles in order (lib/projects/access.ts PROJECT_ROLES; repeated here so client code pulls in no lib). */
export const PROJECT_ROLE_ORDER: readonly ProjectRole[] = ["reader", "writer", "manager", "admin"];

export const PROJECT_ROLE_LABELS: Record<ProjectRole, string> = {
  reader: "Reader",
  writer: "Writer",
  manager: "Manager",
  admin: "Admin",
};

/** What each project role adds, for the role selects' hints. */
export const PROJECT_ROLE_HINT =
  "Readers see the project; writers also run jobs and create artifacts; managers also add members; admins also change settings.";

export interface ProjectRowView {
  id: string;
  name: string;
  displayName: string | null;
  cluster: string;
  isDefault: boolean;
  /** The role the caller acts with (org managers and admins: admin), null when they only see it. */
  role: ProjectRole | null;
  /** The caller's own membership role, null when not a member. */
  memberRole: ProjectRole | null;
  members: number;
  jobsRunning: number;
  /** Pre-formatted on the server. */
  credits: string;
  href: string;
}

export interface ProjectMemberView {
  userId: string;
  username: string;
  name: string | null;
  role: ProjectRole;
  orgRole: OrgRole;
  joinedAt: Date;
  isSelf: boolean;
  actions: { changeRole: boolean; roles: ProjectRole[]; remove: boolean };
}

/** A project as the member actions address it. */
export interface ProjectKey {
  org: string;
  cluster: string;
  project: string;
}
