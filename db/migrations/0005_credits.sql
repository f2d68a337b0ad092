CREATE TYPE "public"."job_status" AS ENUM('running', 'stopped');--> statement-breakpoint
CREATE TYPE "public"."ledger_kind" AS ENUM('topup', 'grant', 'charge', 'adjustment');--> statement-breakpoint
CREATE TYPE "public"."payment_status" AS ENUM('pending', 'paid', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "cluster_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"label" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"is_default" boolean DEFAULT false NOT NULL,
	"runner" text DEFAULT 'embedded' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_ledger" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"kind" "ledger_kind" NOT NULL,
	"amount" numeric(24, 8) NOT NULL,
	"balance_after" numeric(24, 8) NOT NULL,
	"actor_id" uuid,
	"member_id" uuid,
	"job_id" uuid,
	"payment_id" uuid,
	"idempotency_key" text,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"preset_id" uuid,
	"preset_name" text NOT NULL,
	"name" text NOT NULL,
	"status" "job_status" DEFAULT 'running' NOT NULL,
	"credits_per_hour" numeric(24, 8) NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone,
	"stop_reason" text,
	"credits_charged" numeric(24, 8) DEFAULT '0' NOT NULL,
	"charged_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "org_clusters" (
	"org_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"max_running_jobs" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "org_clusters_org_id_cluster_id_pk" PRIMARY KEY("org_id","cluster_id")
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid,
	"provider" text NOT NULL,
	"provider_ref" text,
	"credits" numeric(24, 8) NOT NULL,
	"amount_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"status" "payment_status" DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "presets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"cpu" numeric(8, 2) NOT NULL,
	"memory_mb" integer NOT NULL,
	"gpu" integer DEFAULT 0 NOT NULL,
	"credits_per_hour" numeric(24, 8) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "org_members" ADD COLUMN "credit_limit" numeric(24, 8);--> statement-breakpoint
ALTER TABLE "org_members" ADD COLUMN "spent" numeric(24, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "org_members" ADD COLUMN "max_running_jobs" integer;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "balance" numeric(24, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "spent" numeric(24, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "default_user_credit_limit" numeric(24, 8);--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "top_up_min_role" "org_role" DEFAULT 'user' NOT NULL;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "low_balance_thresholds" numeric(24, 8)[] DEFAULT '{100,10,0}' NOT NULL;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "notified_threshold" numeric(24, 8);--> statement-breakpoint
ALTER TABLE "cluster_tokens" ADD CONSTRAINT "cluster_tokens_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_tokens" ADD CONSTRAINT "cluster_tokens_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_member_id_users_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_preset_id_presets_id_fk" FOREIGN KEY ("preset_id") REFERENCES "public"."presets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_clusters" ADD CONSTRAINT "org_clusters_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_clusters" ADD CONSTRAINT "org_clusters_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "presets" ADD CONSTRAINT "presets_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cluster_tokens_token_hash_key" ON "cluster_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "cluster_tokens_cluster_idx" ON "cluster_tokens" USING btree ("cluster_id");--> statement-breakpoint
CREATE UNIQUE INDEX "clusters_name_key" ON "clusters" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_ledger_idempotency_key" ON "credit_ledger" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "credit_ledger_org_created_idx" ON "credit_ledger" USING btree ("org_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "credit_ledger_org_kind_idx" ON "credit_ledger" USING btree ("org_id","kind","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "credit_ledger_org_member_idx" ON "credit_ledger" USING btree ("org_id","member_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "credit_ledger_job_idx" ON "credit_ledger" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "jobs_org_status_idx" ON "jobs" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "jobs_org_user_status_idx" ON "jobs" USING btree ("org_id","user_id","status");--> statement-breakpoint
CREATE INDEX "jobs_cluster_status_idx" ON "jobs" USING btree ("cluster_id","status");--> statement-breakpoint
CREATE INDEX "jobs_org_started_idx" ON "jobs" USING btree ("org_id","started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "org_clusters_cluster_idx" ON "org_clusters" USING btree ("cluster_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_provider_ref_key" ON "payments" USING btree ("provider","provider_ref");--> statement-breakpoint
CREATE INDEX "payments_org_idx" ON "payments" USING btree ("org_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "presets_cluster_name_key" ON "presets" USING btree ("cluster_id","name");