import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
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

/** Organization roles, in order: user < manager < admin (see lib/core/authz.ts). */
export const orgRole = pgEnum("org_role", ["user", "manager", "admin"]);

/** The text member search matches against (lowercase); lib/orgs/members.ts filters on exactly this expression. */
export const USER_SEARCH_TEXT = sql.raw(
  `(username || ' ' || lower(coalesce(email, '')) || ' ' || lower(coalesce(name, '')))`,
);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    username: text("username").notNull(),
    /**
     * Null only after someone who proved they own the address took it from this account while it was
     * unverified (lib/accounts/email-claims.ts); the person must add and verify another address.
     */
    email: text("email"),
    /** Null until the address is proven (verification link, or sign-up through an invitation sent to it). */
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
    /** The unverified address this account lost to a verified claim, shown to the person until they act on it. */
    lostEmail: text("lost_email"),
    name: text("name"),
    /** argon2id hash; null for accounts that only sign in through OAuth. */
    passwordHash: text("password_hash"),
    /** The org the person used last: `/` takes them back there. */
    lastOrgId: uuid("last_org_id").references(() => orgs.id, { onDelete: "set null" }),
    isPlatformAdmin: boolean("is_platform_admin").notNull().default(false),
    /**
     * Set when the person deleted their account: the row stays (emptied: no email, password, name) so the
     * ledger, jobs and audit history keep naming the username, and the username is never handed to someone
     * else who would then appear as that history's member.
     */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
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

/**
 * One row per signed-in browser. Its id travels inside the signed session token; every request checks that the
 * row still exists, so signing out, a password change or deleting the account ends the session at once.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userAgent: text("user_agent"),
    ipAddress: text("ip_address"),
    createdAt: createdAt(),
    /** Updated at most every few minutes, not on every request. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId, t.lastSeenAt)],
);

/** Forgot-password links (token stored as SHA-256 only): one hour, single use, dead once the password changes. */
export const passwordResets = pgTable(
  "password_resets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("password_resets_token_hash_key").on(t.tokenHash),
    index("password_resets_user_idx").on(t.userId),
  ],
);

export const orgs = pgTable(
  "orgs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Unique among open orgs; a closed org's name stays reserved for ORG_NAME_RESERVED_DAYS (lib/orgs/orgs.ts). */
    name: text("name").notNull(),
    displayName: text("display_name"),
    /** Kept equal to the org's row count in org_members by a trigger (migration 0004): O(1) totals. */
    memberCount: integer("member_count").notNull().default(0),
    /** Kept equal to the org's row count in projects by a trigger (migration 0017): O(1) Projects page totals. */
    projectCount: integer("project_count").notNull().default(0),
    /** Credit limit given to new members with role user; null = unlimited. */
    defaultUserCreditLimit: numeric("default_user_credit_limit", { precision: 24, scale: 8 }),
    /** Lowest role allowed to top up (admins may raise it to manager). */
    topUpMinRole: orgRole("top_up_min_role").notNull().default("user"),
    /** Low-balance thresholds, descending; crossing one downward notifies managers and admins once. */
    lowBalanceThresholds: numeric("low_balance_thresholds", { precision: 24, scale: 8 })
      .array()
      .notNull()
      .default(sql`'{100,10,0}'`),
    /**
     * Warn when the projected zero balance comes within each of these many seconds (Apolo's
     * `balance_projection_seconds`; default 7 days, 3 days, 1 day), descending. lib/billing/projection.ts.
     */
    balanceProjectionSeconds: integer("balance_projection_seconds")
      .array()
      .notNull()
      .default(sql`'{604800,259200,86400}'`),
    /**
     * Set when an admin closed the org (lib/orgs/orgs.ts closeOrg): it has no members or invitations any more,
     * answers 404 everywhere, and its wallet, ledger, payments, jobs and audit rows stay.
     */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("orgs_name_open_key")
      .on(t.name)
      .where(sql`deleted_at is null`),
    index("orgs_name_closed_idx")
      .on(t.name, t.deletedAt)
      .where(sql`deleted_at is not null`),
  ],
);

/**
 * The org's wallet, one row per org (created with the org by a trigger, migration 0010). Apart from the org row
 * so that charges (which lock the wallet) and membership changes (which lock the org) don't queue on each
 * other. Only lib/billing/ledger.ts writes balance and spent, always with a credit_ledger row in the same
 * transaction: balance = Σ ledger. Lock order: lib/billing/ledger.ts.
 */
export const orgWallets = pgTable(
  "org_wallets",
  {
    // Cascade here, RESTRICT from credit_ledger to the wallet: an org with any money record can't be deleted (it is
    // closed instead), while an org that never had one (a script's or a test's) still can.
    orgId: uuid("org_id")
      .primaryKey()
      .references(() => orgs.id, { onDelete: "cascade" }),
    /** May go below zero: a running job's usage is charged even past zero. */
    balance: numeric("balance", { precision: 24, scale: 8 }).notNull().default("0"),
    spent: numeric("spent", { precision: 24, scale: 8 }).notNull().default("0"),
    /** The lowest low-balance threshold already notified since the balance was last above it. */
    notifiedThreshold: numeric("notified_threshold", { precision: 24, scale: 8 }),
    /**
     * The smallest projection interval (seconds, from orgs.balance_projection_seconds) already notified since the
     * projection was last outside it, and when; re-armed once a top-up pushes the projected zero back out.
     */
    projectionNotifiedSeconds: integer("projection_notified_seconds"),
    projectionNotifiedAt: timestamp("projection_notified_at", { withTimezone: true }),
    /**
     * Automatic top-up's threshold, copied here from org_auto_topups while it is on (null: off), so that the charge
     * path marks a crossing in the balance update it already makes, without reading another table.
     */
    autoTopupBelow: numeric("auto_topup_below", { precision: 24, scale: 8 }),
    /**
     * Set (once) by the balance update that takes the balance below auto_topup_below: the crossing the background
     * worker tops up for (its time is part of the payment's idempotency key). Cleared when the worker finds the
     * balance back at or above the threshold, when the top-up settles, or when automatic top-up turns off.
     */
    autoTopupDueAt: timestamp("auto_topup_due_at", { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("org_wallets_auto_topup_due_idx")
      .on(t.autoTopupDueAt)
      .where(sql`auto_topup_due_at is not null`),
  ],
);

/**
 * An org's automatic top-up (lib/billing/auto-topup.ts), one row per org once an admin configured it: "when the
 * balance falls below `threshold`, add `amount`", at most `monthly_cap` credits of automatic top-ups per calendar
 * month (UTC). With Stripe, the card saved through Checkout in setup mode is charged off-session.
 */
export const orgAutoTopups = pgTable("org_auto_topups", {
  orgId: uuid("org_id")
    .primaryKey()
    .references(() => orgs.id, { onDelete: "cascade" }),
  enabled: boolean("enabled").notNull().default(false),
  threshold: numeric("threshold", { precision: 24, scale: 8 }).notNull(),
  amount: numeric("amount", { precision: 24, scale: 8 }).notNull(),
  monthlyCap: numeric("monthly_cap", { precision: 24, scale: 8 }).notNull(),
  stripeCustomerId: text("stripe_customer_id"),
  stripePaymentMethodId: text("stripe_payment_method_id"),
  /** What the admin sees of the saved card ("visa •••• 4242"), when Stripe told us. */
  cardLabel: text("card_label"),
  cardSavedAt: timestamp("card_saved_at", { withTimezone: true }),
  /** Why automatic top-up was turned off by the system (card declined, monthly cap reached), shown in Settings. */
  disabledReason: text("disabled_reason"),
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
  updatedBy: uuid("updated_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

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
    /** Max credits this member may spend in the org; null = unlimited. */
    creditLimit: numeric("credit_limit", { precision: 24, scale: 8 }),
    spent: numeric("spent", { precision: 24, scale: 8 }).notNull().default("0"),
    /** Max running jobs of this member in the org; null = unlimited. */
    maxRunningJobs: integer("max_running_jobs"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.userId] }),
    index("org_members_user_idx").on(t.userId),
    index("org_members_org_username_idx").on(t.orgId, t.username),
    index("org_members_org_role_idx").on(t.orgId, t.role, t.username),
    // Sort by role descending keeps names A→Z within a role: an index in that mixed order.
    index("org_members_org_role_desc_idx").on(t.orgId, t.role.desc().nullsFirst(), t.username),
    index("org_members_org_created_idx").on(t.orgId, t.createdAt, t.username),
  ],
);

/**
 * Append-only history of org and membership changes, written in the same transaction as the change.
 * org_id has no foreign key on purpose: rows of orgs deleted before closing (soft delete, orgs.deleted_at) existed
 * outlive them. Orgs are no longer deleted, so every newer row's org stays.
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
    /** The personal access token the change was made through (its name at the time), null for the browser. */
    viaToken: text("via_token"),
    /**
     * Rows written by one bulk operation (a bulk invite adding 45 members) share a batch id: the Audit log shows
     * them as one grouped row. Null for single changes.
     */
    batchId: uuid("batch_id"),
    createdAt: createdAt(),
  },
  (t) => [
    index("audit_events_actor_idx").on(t.actorId),
    index("audit_events_org_created_idx").on(t.orgId, t.createdAt.desc(), t.id.desc()),
    index("audit_events_org_action_idx").on(t.orgId, t.action, t.id.desc()),
    // The Audit log reads a bulk operation's rows by batch id (grouped rows, paging that never splits a batch).
    index("audit_events_batch_idx")
      .on(t.batchId, t.id)
      .where(sql`batch_id is not null`),
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
    /** The invited address (email invitations); null for an invitation bound to an account (by username). */
    email: text("email"),
    /** The invited account (username invitations): shown to that person in the app, accepted there. */
    inviteeId: uuid("invitee_id").references(() => users.id, { onDelete: "cascade" }),
    role: orgRole("role").notNull(),
    /** The link's token as SHA-256 (email invitations only: an in-app invitation has no link). */
    tokenHash: text("token_hash"),
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
    uniqueIndex("invitations_open_org_invitee_key")
      .on(t.orgId, t.inviteeId)
      .where(sql`accepted_at is null and declined_at is null and revoked_at is null`),
    index("invitations_invitee_idx").on(t.inviteeId),
    check("invitations_target_check", sql`(email is not null and token_hash is not null) or invitee_id is not null`),
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
    /** verify: proves the account's current address; change: proves a new address that then replaces it. */
    purpose: text("purpose", { enum: ["verify", "change"] })
      .notNull()
      .default("verify"),
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

export const outboxStatus = pgEnum("outbox_status", ["pending", "sent", "failed"]);

/**
 * The mail outbox: operations insert their mail here in the transaction of the change it reports, and the mail
 * worker (lib/mail/mail.ts `deliverOutbox`, started by app/_server/workers.ts) delivers it over SMTP, or prints it
 * in development.
 */
export const outboxEmails = pgTable(
  "outbox_emails",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    createdAt: createdAt(),
    /**
     * pending: waiting for the mail worker (lib/mail/mail.ts); sent: handed to the transport once; failed: gave up
     * after MAIL_MAX_ATTEMPTS tries. A worker claims due rows with FOR UPDATE SKIP LOCKED and holds them by
     * locked_until while it sends, so two instances never send a row twice.
     */
    status: outboxStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    lastError: text("last_error"),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    index("outbox_emails_to_idx").on(sql`lower(${t.to})`, t.createdAt),
    index("outbox_emails_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
  ],
);

// ---------------------------------------------------------------------------------------------- credits
// Credits are exact decimals: PostgreSQL numeric, strings in TypeScript, arithmetic in SQL. null limits
// mean unlimited. Every balance change writes a credit_ledger row in the same transaction.

const credits = (name: string) => numeric(name, { precision: 24, scale: 8 });

export const clusters = pgTable(
  "clusters",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description"),
    /** New orgs are added to default clusters automatically. */
    isDefault: boolean("is_default").notNull().default(false),
    /** Who meters this cluster's jobs: the runner embedded in the console, or an external one via /api/v1/usage. */
    runner: text("runner", { enum: ["embedded", "external"] })
      .notNull()
      .default("embedded"),
    /** What a disk on this cluster costs per GB-hour (set by platform admins; 0 = storage is free). */
    storageCreditsPerGbHour: credits("storage_credits_per_gb_hour").notNull().default("0"),
    /**
     * The cluster's service URLs the `apolo` CLI reads from GET /api/v1/config (set by platform admins; null:
     * the default derived from the console's URL, lib/compute/cluster-urls.ts).
     */
    registryUrl: text("registry_url"),
    storageUrl: text("storage_url"),
    usersUrl: text("users_url"),
    monitoringUrl: text("monitoring_url"),
    secretsUrl: text("secrets_url"),
    disksUrl: text("disks_url"),
    bucketsUrl: text("buckets_url"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("clusters_name_key").on(t.name)],
);

export const presets = pgTable(
  "presets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    cpu: numeric("cpu", { precision: 8, scale: 2 }).notNull(),
    memoryMb: integer("memory_mb").notNull(),
    gpu: integer("gpu").notNull().default(0),
    creditsPerHour: credits("credits_per_hour").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("presets_cluster_name_key").on(t.clusterId, t.name)],
);

export const orgClusters = pgTable(
  "org_clusters",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    /** Max running jobs of the org on this cluster; null = unlimited. */
    maxRunningJobs: integer("max_running_jobs"),
    /**
     * Apolo's org-cluster defaults (`apolo admin set-org-cluster-defaults`): the credit limit and running-jobs
     * limit given to members who join the org while it is on this cluster, and their cluster role; null = unlimited.
     */
    defaultCredits: credits("default_credits"),
    defaultMaxRunningJobs: integer("default_max_running_jobs"),
    defaultRole: text("default_role", { enum: ["user", "member", "manager", "admin"] })
      .notNull()
      .default("user"),
    /** Storage the org may use on the cluster, in bytes (`--storage-size`); null = unlimited. */
    storageSizeBytes: bigint("storage_size_bytes", { mode: "number" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.clusterId] }), index("org_clusters_cluster_idx").on(t.clusterId)],
);

/** Tokens external cluster runners use on POST /api/v1/usage (SHA-256 stored, shown once). */
export const clusterTokens = pgTable(
  "cluster_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("cluster_tokens_token_hash_key").on(t.tokenHash),
    index("cluster_tokens_cluster_idx").on(t.clusterId),
  ],
);

// ---------------------------------------------------------------------------------------------- projects
// A project lives in an org on one of the org's clusters (lib/projects). Project roles, in order:
// reader < writer < manager < admin (lib/projects/access.ts).

export const projectRole = pgEnum("project_role", ["reader", "writer", "manager", "admin"]);

export const projects = pgTable(
  "projects",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    /** Apolo's name rule, as org names: 3–63, `[a-z0-9](-?[a-z0-9])*`; unique per (cluster, org). */
    name: text("name").notNull(),
    displayName: text("display_name"),
    description: text("description"),
    /** The role new members get when added without one, and the role of members added by `is_default`. */
    defaultRole: projectRole("default_role").notNull().default("writer"),
    /** New org members are added to this project automatically, with `default_role`. */
    isDefault: boolean("is_default").notNull().default(false),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("projects_cluster_org_name_key").on(t.clusterId, t.orgId, t.name),
    // The target of project_members' (project_id, org_id) foreign key: a membership is always in the project's org.
    uniqueIndex("projects_id_org_key").on(t.id, t.orgId),
    index("projects_org_name_idx").on(t.orgId, t.name),
    index("projects_org_default_idx")
      .on(t.orgId)
      .where(sql`is_default`),
  ],
);

/**
 * Who is in a project, with which role. Only org members: (org_id, user_id) references org_members with
 * ON DELETE CASCADE, so leaving or being removed from the org removes every project membership in the same
 * statement (and transaction).
 */
export const projectMembers = pgTable(
  "project_members",
  {
    projectId: uuid("project_id").notNull(),
    orgId: uuid("org_id").notNull(),
    userId: uuid("user_id").notNull(),
    role: projectRole("role").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    foreignKey({ columns: [t.projectId, t.orgId], foreignColumns: [projects.id, projects.orgId] }).onDelete("cascade"),
    foreignKey({ columns: [t.orgId, t.userId], foreignColumns: [orgMembers.orgId, orgMembers.userId] }).onDelete(
      "cascade",
    ),
    index("project_members_org_user_idx").on(t.orgId, t.userId, t.projectId),
    index("project_members_project_role_idx").on(t.projectId, t.role),
  ],
);

export const jobStatus = pgEnum("job_status", ["running", "stopped"]);

export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "restrict" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    presetId: uuid("preset_id").references(() => presets.id, { onDelete: "set null" }),
    /** The project the job runs in; null for jobs started before projects existed ("no project"). */
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "set null" }),
    presetName: text("preset_name").notNull(),
    name: text("name").notNull(),
    status: jobStatus("status").notNull().default("running"),
    /** The preset's price when the job started. */
    creditsPerHour: credits("credits_per_hour").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    stoppedAt: timestamp("stopped_at", { withTimezone: true }),
    /** UserStopped, QuotaExhausted, ClusterRemoved, OrgDeleted (the org was closed). */
    stopReason: text("stop_reason"),
    /** Who stopped it (UserStopped), for "Stopped by <username>"; null for automatic stops or a deleted account. */
    stoppedBy: uuid("stopped_by").references(() => users.id, { onDelete: "set null" }),
    /** Usage charged so far and the moment it runs up to. */
    creditsCharged: credits("credits_charged").notNull().default("0"),
    chargedUntil: timestamp("charged_until", { withTimezone: true }),
  },
  (t) => [
    index("jobs_org_status_idx").on(t.orgId, t.status),
    index("jobs_org_user_status_idx").on(t.orgId, t.userId, t.status),
    index("jobs_cluster_status_idx").on(t.clusterId, t.status),
    index("jobs_org_started_idx").on(t.orgId, t.startedAt.desc()),
    index("jobs_project_status_idx").on(t.projectId, t.status),
  ],
);

export const ledgerKind = pgEnum("ledger_kind", ["topup", "grant", "charge", "adjustment", "auto_topup"]);

/**
 * Append-only: org_wallets.balance = Σ amount for every org. org_id references the wallet (not the org row), so
 * posting a charge only takes locks on the wallet: a membership change holding the org row never delays it.
 */
export const creditLedger = pgTable(
  "credit_ledger",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgWallets.orgId, { onDelete: "restrict" }),
    kind: ledgerKind("kind").notNull(),
    /** Signed: top-ups and grants positive, charges negative. */
    amount: credits("amount").notNull(),
    balanceAfter: credits("balance_after").notNull(),
    /** Who did it (payer, granting admin); null for metering. */
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    /** The member whose usage was charged. */
    memberId: uuid("member_id").references(() => users.id, { onDelete: "set null" }),
    jobId: uuid("job_id").references(() => jobs.id, { onDelete: "set null" }),
    /** The project a charge is for (its job's or disk's project); null for other kinds and projectless jobs. */
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "set null" }),
    /** The disk whose storage a charge is for. */
    artifactId: uuid("artifact_id").references(() => artifacts.id, { onDelete: "set null" }),
    paymentId: uuid("payment_id"),
    /** Replays of the same top-up or usage record carry the same key and change nothing. */
    idempotencyKey: text("idempotency_key"),
    note: text("note"),
    /**
     * A job's charges are one row per job per UTC hour (issue 14): the start of that hour. The row grows as the job
     * runs (amount and balance_after updated with the wallet, in the same transaction); the fine-grained usage stays
     * in usage_records. Null for every other row.
     */
    periodStart: timestamp("period_start", { withTimezone: true }),
    /** When a growing row last grew (null: written once). */
    updatedAt: timestamp("updated_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("credit_ledger_idempotency_key").on(t.idempotencyKey),
    uniqueIndex("credit_ledger_job_period_key")
      .on(t.jobId, t.periodStart)
      .where(sql`kind = 'charge' and job_id is not null and period_start is not null`),
    index("credit_ledger_org_created_idx").on(t.orgId, t.createdAt.desc(), t.id.desc()),
    index("credit_ledger_org_kind_idx").on(t.orgId, t.kind, t.id.desc()),
    index("credit_ledger_org_member_idx").on(t.orgId, t.memberId, t.id.desc()),
    index("credit_ledger_job_idx").on(t.jobId),
    index("credit_ledger_org_project_idx").on(t.orgId, t.projectId, t.id.desc()),
    index("credit_ledger_artifact_idx").on(t.artifactId),
  ],
);

/**
 * Every accepted usage record (lib/compute/metering.ts): one row per idempotency key, including those that charged
 * nothing (`nothing_due`), so the same key again changes nothing — whatever its `until`. The fine-grained usage of
 * a job (each runner report or embedded tick), apart from the ledger.
 */
export const usageRecords = pgTable(
  "usage_records",
  {
    idempotencyKey: text("idempotency_key").primaryKey(),
    jobId: uuid("job_id").references(() => jobs.id, { onDelete: "cascade" }),
    orgId: uuid("org_id").notNull(),
    /** The moment the record settled the job's usage up to (capped at the job's stop). */
    until: timestamp("until", { withTimezone: true }).notNull(),
    /** What it charged (0 for nothing_due). */
    amount: credits("amount").notNull(),
    outcome: text("outcome", { enum: ["charged", "nothing_due"] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("usage_records_job_idx").on(t.jobId, t.until)],
);

export const clusterAccessRequestStatus = pgEnum("cluster_access_request_status", ["pending", "approved", "declined"]);

/**
 * An org asks to be put on a cluster (the overview's "Request cluster access"): platform admins are notified, see
 * pending requests in the Admin area and approve one onto a cluster (adding the org to it) or decline it. At most
 * one pending request per org.
 */
export const clusterAccessRequests = pgTable(
  "cluster_access_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    requestedBy: uuid("requested_by").references(() => users.id, { onDelete: "set null" }),
    /** What the org wants to run, in the requester's words (optional). */
    message: text("message"),
    status: clusterAccessRequestStatus("status").notNull().default("pending"),
    /** The cluster the org was added to on approval. */
    clusterId: uuid("cluster_id").references(() => clusters.id, { onDelete: "set null" }),
    decidedBy: uuid("decided_by").references(() => users.id, { onDelete: "set null" }),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    /** The platform admin's reason when declining (optional), shown to the org on its overview. */
    declineReason: text("decline_reason"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("cluster_access_requests_one_pending")
      .on(t.orgId)
      .where(sql`status = 'pending'`),
    index("cluster_access_requests_status_idx").on(t.status, t.createdAt),
  ],
);

/**
 * An org's former URL names (Settings → General → change the URL name): pages under the old name redirect to the
 * new one for 30 days (ORG_NAME_REDIRECT_DAYS), and nobody else can take the old name meanwhile. After that the row
 * is deleted when the name is taken again.
 */
export const orgNameRedirects = pgTable(
  "org_name_redirects",
  {
    oldName: text("old_name").primaryKey(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [index("org_name_redirects_org_idx").on(t.orgId)],
);

export const paymentStatus = pgEnum("payment_status", ["pending", "paid", "failed", "cancelled"]);

/** One top-up attempt: pending → paid / failed / cancelled. */
export const payments = pgTable(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "restrict" }),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    provider: text("provider", { enum: ["sandbox", "stripe"] }).notNull(),
    /** The provider's id (Stripe Checkout Session id). */
    providerRef: text("provider_ref"),
    credits: credits("credits").notNull(),
    /** What the payer is charged, in the currency's minor unit. */
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    status: paymentStatus("status").notNull().default("pending"),
    /** checkout: a person's top-up through a checkout page; auto: an automatic top-up (lib/billing/auto-topup.ts). */
    kind: text("kind", { enum: ["checkout", "auto"] })
      .notNull()
      .default("checkout"),
    /** An automatic top-up's key, from its org and the crossing (`auto-topup:<org id>:<crossing time>`). */
    idempotencyKey: text("idempotency_key"),
    /** Why a failed payment failed (the card was declined, …), for Settings and the mail. */
    failureReason: text("failure_reason"),
    createdAt: createdAt(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("payments_provider_ref_key").on(t.provider, t.providerRef),
    uniqueIndex("payments_idempotency_key").on(t.idempotencyKey),
    // At most one automatic top-up in flight per org.
    uniqueIndex("payments_one_pending_auto_key")
      .on(t.orgId)
      .where(sql`kind = 'auto' and status = 'pending'`),
    index("payments_org_idx").on(t.orgId, t.createdAt.desc()),
  ],
);

// ---------------------------------------------------------------------------------------------- artifacts

export const artifactKind = pgEnum("artifact_kind", ["disk", "bucket", "secret", "image"]);

/**
 * What jobs leave behind on a cluster, kept per project (lib/artifacts). One table for the four kinds, so the
 * org's Artifacts page filters and pages them in one query; kind-specific columns are null for other kinds.
 * A secret's value is stored only encrypted (AES-256-GCM under SECRETS_KEY) and never read back out.
 */
export const artifacts = pgTable(
  "artifacts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: artifactKind("kind").notNull(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    /** With org_id, references the project: an artifact is always in its project's org. */
    projectId: uuid("project_id").notNull(),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    /** Who created it (the member; for images, whoever the runner named, or null). */
    ownerId: uuid("owner_id").references(() => users.id, { onDelete: "set null" }),
    /** Disks, buckets, images: Apolo's name rule; secrets: a key (letters, digits, `_`, `-`, `.`). */
    name: text("name").notNull(),
    /** Disks (requested size) and images (pushed size), in bytes. */
    sizeBytes: bigint("size_bytes", { mode: "number" }),
    /** Disks. */
    storageClass: text("storage_class"),
    /** Disks: pending, ready, broken. */
    status: text("status"),
    /** Buckets: aws, gcp, azure, minio, open_stack. */
    provider: text("provider"),
    /** Buckets. */
    region: text("region"),
    /** Images. */
    tags: text("tags").array(),
    pushedAt: timestamp("pushed_at", { withTimezone: true }),
    /** Secrets: base64 of iv (12 bytes) ‖ tag (16 bytes) ‖ ciphertext; never selected by a read path. */
    secretCiphertext: text("secret_ciphertext"),
    /** Disks: storage charged so far and the moment it runs up to (metering, as for jobs). */
    creditsCharged: credits("credits_charged").notNull().default("0"),
    chargedUntil: timestamp("charged_until", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    foreignKey({ columns: [t.projectId, t.orgId], foreignColumns: [projects.id, projects.orgId] }).onDelete("cascade"),
    uniqueIndex("artifacts_project_kind_name_key").on(t.projectId, t.kind, t.name),
    index("artifacts_org_kind_idx").on(t.orgId, t.kind, t.name),
    index("artifacts_org_owner_idx").on(t.orgId, t.ownerId),
    index("artifacts_cluster_kind_idx").on(t.clusterId, t.kind),
    check("artifacts_secret_check", sql`(kind = 'secret') = (secret_ciphertext is not null)`),
  ],
);

// ---------------------------------------------------------------------------------------------- API tokens

/**
 * Personal access tokens (Account → Tokens): a person's bearer credential for the API and the `apolo` CLI.
 * Only the SHA-256 of the token is stored; the token is shown once. A token acts as its user within its scope
 * (read or write) and, when org_id is set, only in that org (lib/accounts/tokens.ts).
 */
export const personalAccessTokens = pgTable(
  "personal_access_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** The first characters of the token after its prefix, shown in the list to tell tokens apart. */
    hint: text("hint").notNull(),
    scope: text("scope", { enum: ["read", "write"] }).notNull(),
    orgId: uuid("org_id").references(() => orgs.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("personal_access_tokens_hash_key").on(t.tokenHash),
    index("personal_access_tokens_user_idx").on(t.userId, t.createdAt),
  ],
);

/**
 * Answers remembered for the API's `Idempotency-Key` header (lib/core/idempotency.ts): a retried POST with the
 * same key and body gets the first answer instead of doing the work twice. Kept 24 hours.
 */
export const apiIdempotencyKeys = pgTable(
  "api_idempotency_keys",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** Method, path and a SHA-256 of the body: the same key with another request is refused. */
    fingerprint: text("fingerprint").notNull(),
    /** Null while the first request is still being handled. */
    status: integer("status"),
    body: jsonb("body"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index("api_idempotency_keys_created_idx").on(t.createdAt)],
);
