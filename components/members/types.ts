/** Serializable shapes the Users tab passes from the server page to its client components. */
export type Role = "user" | "manager" | "admin";

export interface MemberView {
  userId: string;
  username: string;
  name: string | null;
  /** Only for managers and admins (and null when the account has no address). */
  email?: string | null;
  role: Role;
  joinedAt: Date;
  /** Pre-formatted on the server: "12.50 / 100.00" or "12.50 / Unlimited". */
  credits: string;
  creditLimit: string | null;
  maxRunningJobs: number | null;
  isSelf: boolean;
  actions: { changeRole: boolean; roles: Role[]; remove: boolean; quotas: boolean };
}

export interface InvitationView {
  id: string;
  /** An email invitation's address; null for an invitation bound to an account. */
  email: string | null;
  /** The invited account's username (invitation by username); null for an email invitation. */
  username: string | null;
  role: Role;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  expired: boolean;
  manageable: boolean;
}

export const ROLE_LABELS: Record<Role, string> = { user: "User", manager: "Manager", admin: "Admin" };
