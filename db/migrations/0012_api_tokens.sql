CREATE TABLE "api_idempotency_keys" (
	"user_id" uuid NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"status" integer,
	"body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_idempotency_keys_user_id_key_pk" PRIMARY KEY("user_id","key")
);
--> statement-breakpoint
CREATE TABLE "personal_access_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"hint" text NOT NULL,
	"scope" text NOT NULL,
	"org_id" uuid,
	"expires_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "via_token" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "registry_url" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "storage_url" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "users_url" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "monitoring_url" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "secrets_url" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "disks_url" text;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "buckets_url" text;--> statement-breakpoint
ALTER TABLE "org_clusters" ADD COLUMN "default_credits" numeric(24, 8);--> statement-breakpoint
ALTER TABLE "org_clusters" ADD COLUMN "default_max_running_jobs" integer;--> statement-breakpoint
ALTER TABLE "org_clusters" ADD COLUMN "default_role" text DEFAULT 'user' NOT NULL;--> statement-breakpoint
ALTER TABLE "org_clusters" ADD COLUMN "storage_size_bytes" bigint;--> statement-breakpoint
ALTER TABLE "api_idempotency_keys" ADD CONSTRAINT "api_idempotency_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "personal_access_tokens" ADD CONSTRAINT "personal_access_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "personal_access_tokens" ADD CONSTRAINT "personal_access_tokens_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_idempotency_keys_created_idx" ON "api_idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "personal_access_tokens_hash_key" ON "personal_access_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "personal_access_tokens_user_idx" ON "personal_access_tokens" USING btree ("user_id","created_at");