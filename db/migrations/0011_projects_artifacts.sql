CREATE TYPE "public"."artifact_kind" AS ENUM('disk', 'bucket', 'secret', 'image');--> statement-breakpoint
CREATE TYPE "public"."project_role" AS ENUM('reader', 'writer', 'manager', 'admin');--> statement-breakpoint
CREATE TABLE "artifacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "artifact_kind" NOT NULL,
	"org_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"owner_id" uuid,
	"name" text NOT NULL,
	"size_bytes" bigint,
	"storage_class" text,
	"status" text,
	"provider" text,
	"region" text,
	"tags" text[],
	"pushed_at" timestamp with time zone,
	"secret_ciphertext" text,
	"credits_charged" numeric(24, 8) DEFAULT '0' NOT NULL,
	"charged_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "artifacts_secret_check" CHECK ((kind = 'secret') = (secret_ciphertext is not null))
);
--> statement-breakpoint
CREATE TABLE "project_members" (
	"project_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "project_role" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_members_project_id_user_id_pk" PRIMARY KEY("project_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"display_name" text,
	"description" text,
	"default_role" "project_role" DEFAULT 'writer' NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- The target of the (project_id, org_id) foreign keys below: created before them.
CREATE UNIQUE INDEX "projects_id_org_key" ON "projects" USING btree ("id","org_id");--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "storage_credits_per_gb_hour" numeric(24, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "project_id" uuid;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "artifact_id" uuid;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "project_id" uuid;--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_project_id_org_id_projects_id_org_id_fk" FOREIGN KEY ("project_id","org_id") REFERENCES "public"."projects"("id","org_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_id_org_id_projects_id_org_id_fk" FOREIGN KEY ("project_id","org_id") REFERENCES "public"."projects"("id","org_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_org_id_user_id_org_members_org_id_user_id_fk" FOREIGN KEY ("org_id","user_id") REFERENCES "public"."org_members"("org_id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "artifacts_project_kind_name_key" ON "artifacts" USING btree ("project_id","kind","name");--> statement-breakpoint
CREATE INDEX "artifacts_org_kind_idx" ON "artifacts" USING btree ("org_id","kind","name");--> statement-breakpoint
CREATE INDEX "artifacts_org_owner_idx" ON "artifacts" USING btree ("org_id","owner_id");--> statement-breakpoint
CREATE INDEX "artifacts_cluster_kind_idx" ON "artifacts" USING btree ("cluster_id","kind");--> statement-breakpoint
CREATE INDEX "project_members_org_user_idx" ON "project_members" USING btree ("org_id","user_id","project_id");--> statement-breakpoint
CREATE INDEX "project_members_project_role_idx" ON "project_members" USING btree ("project_id","role");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_cluster_org_name_key" ON "projects" USING btree ("cluster_id","org_id","name");--> statement-breakpoint
CREATE INDEX "projects_org_name_idx" ON "projects" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "projects_org_default_idx" ON "projects" USING btree ("org_id") WHERE is_default;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_ledger_org_project_idx" ON "credit_ledger" USING btree ("org_id","project_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "credit_ledger_artifact_idx" ON "credit_ledger" USING btree ("artifact_id");--> statement-breakpoint
CREATE INDEX "jobs_project_status_idx" ON "jobs" USING btree ("project_id","status");