import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

/** Organization roles, in order: user < manager < admin (see lib/authz.ts). */
export const orgRole = pgEnum("org_role", ["user", "manager", "admin"]);

/** The text member search matches against (lowercase); lib/members.ts filters on exactly this expression. */
export const USER_SEARCH_TEXT = sql.raw(`(username || ' ' || lower(email) || ' ' || lower(coalesce(name, '')))`);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    username: text("username").notNull(),
    email: text("email").notNull(),
    /** Null until the address is proven (verification link, or sign-up through an invitation sent to it). */
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
    name: text("name"),
    /** argon2id hash; null for accounts that only sign in through OAuth. */
    passwordHash: text("password_hash"),
    /** The org the person used last: `/` takes them back there. */
    lastOrgId: uuid("last_org_id").references(() => orgs.id, { onDelete: "set null" }),
    isPlatformAdmin: boolean("is_platform_admin").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("users_username_key").on(t.username),
    uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`),
    // Member search (username, email, name) with `like '%term%'`, index-backed for large orgs.
    index("users_search_trgm_idx").using("gin", sql`${USER_SEARCH_TEXT} gin_trgm_ops`),
  ],
);

/** Links an OAuth identity (GitHub, Google) to an account. */
export const oauthAccounts = pgTable(
  "oauth_accounts",
  {
    provider: text("provider").notNull(),
    providerAccountId: text("provider_account_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerAccountId] }), index("oauth_accounts_user_idx").on(t.userId)],
);

export const orgs = pgTable(
  "orgs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    displayName: text("display_name"),
    /** Kept equal to the org's row count in org_members by a trigger (migration 0004): O(1) totals. */
    memberCount: integer("member_count").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("orgs_name_key").on(t.name)],
);

export const orgMembers = pgTable(
  "org_members",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: orgRole("role").notNull().default("user"),
    /**
     * The member's username, copied in by a trigger on insert (migration 0004; usernames never change) so the
     * Users tab can sort and page large orgs on (org_id, …, username) indexes without touching users.
     */
    username: text("username").notNull().default(""),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.userId] }),
    index("org_members_user_idx").on(t.userId),
    index("org_members_org_username_idx").on(t.orgId, t.username),
    index("org_members_org_role_idx").on(t.orgId, t.role, t.username),
    index("org_members_org_created_idx").on(t.orgId, t.createdAt, t.username),
  ],
);

/**
 * Append-only history of org and membership changes, written in the same transaction as the change.
 * org_id has no foreign key on purpose: the history of a deleted org outlives it.
 * Never holds a token or a secret.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    orgId: uuid("org_id"),
    orgName: text("org_name"),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    actorUsername: text("actor_username"),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    targetLabel: text("target_label"),
    before: jsonb("before"),
    after: jsonb("after"),
    createdAt: createdAt(),
  },
  (t) => [
    index("audit_events_actor_idx").on(t.actorId),
    index("audit_events_org_created_idx").on(t.orgId, t.createdAt.desc(), t.id.desc()),
    index("audit_events_org_action_idx").on(t.orgId, t.action, t.id.desc()),
  ],
);

/**
 * Email invitations to an org. The token is random (256 bits) and only its SHA-256 is stored; it is valid
 * 7 days, single use, bound to the email address and role. At most one open invitation per org and address.
 */
export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: orgRole("role").notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedById: uuid("invited_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    acceptedById: uuid("accepted_by_id").references(() => users.id, { onDelete: "set null" }),
    declinedAt: timestamp("declined_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("invitations_token_hash_key").on(t.tokenHash),
    uniqueIndex("invitations_open_org_email_key")
      .on(t.orgId, sql`lower(${t.email})`)
      .where(sql`accepted_at is null and declined_at is null and revoked_at is null`),
    index("invitations_email_idx").on(sql`lower(${t.email})`),
    index("invitations_invited_by_idx").on(t.invitedById),
    index("invitations_accepted_by_idx").on(t.acceptedById),
  ],
);

/** Proof-of-inbox links for an account's email address (token stored as SHA-256 only). */
export const emailVerifications = pgTable(
  "email_verifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("email_verifications_token_hash_key").on(t.tokenHash),
    index("email_verifications_user_idx").on(t.userId),
  ],
);

/** Mail that had no SMTP server to go to (development, tests): kept here and printed to the dev server log. */
export const outboxEmails = pgTable(
  "outbox_emails",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("outbox_emails_to_idx").on(sql`lower(${t.to})`, t.createdAt)],
);
