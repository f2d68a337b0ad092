CREATE TYPE "public"."cluster_access_request_status" AS ENUM('pending', 'approved', 'declined');--> statement-breakpoint
CREATE TABLE "cluster_access_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"requested_by" uuid,
	"message" text,
	"status" "cluster_access_request_status" DEFAULT 'pending' NOT NULL,
	"cluster_id" uuid,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "org_name_redirects" (
	"old_name" text PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "batch_id" uuid;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "period_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cluster_access_requests" ADD CONSTRAINT "cluster_access_requests_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_access_requests" ADD CONSTRAINT "cluster_access_requests_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_access_requests" ADD CONSTRAINT "cluster_access_requests_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_access_requests" ADD CONSTRAINT "cluster_access_requests_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_name_redirects" ADD CONSTRAINT "org_name_redirects_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cluster_access_requests_one_pending" ON "cluster_access_requests" USING btree ("org_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "cluster_access_requests_status_idx" ON "cluster_access_requests" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "org_name_redirects_org_idx" ON "org_name_redirects" USING btree ("org_id");--> statement-breakpoint
-- Fold the per-tick charge rows of each job into one row per job per UTC hour (issue 14): the first row of each hour
-- keeps the hour's total and the balance after its last charge; zero charges are deleted. Σ amount per org is
-- unchanged, so balance = Σ ledger still holds. The fine-grained usage is already in usage_records (0014).
UPDATE "credit_ledger" SET "period_start" = date_trunc('hour', "created_at" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
WHERE "kind" = 'charge' AND "job_id" IS NOT NULL;--> statement-breakpoint
WITH g AS (
  SELECT "job_id", "period_start", min("id") AS keep_id, sum("amount") AS total, max("created_at") AS last_at,
         (array_agg("balance_after" ORDER BY "id" DESC))[1] AS last_balance, count(*) AS n
  FROM "credit_ledger" WHERE "kind" = 'charge' AND "job_id" IS NOT NULL
  GROUP BY "job_id", "period_start"
)
UPDATE "credit_ledger" l SET "amount" = g.total, "balance_after" = g.last_balance, "updated_at" = g.last_at
FROM g WHERE l."id" = g.keep_id AND g.n > 1;--> statement-breakpoint
DELETE FROM "credit_ledger" l USING "credit_ledger" k
WHERE l."kind" = 'charge' AND k."kind" = 'charge' AND l."job_id" = k."job_id"
  AND l."period_start" = k."period_start" AND k."id" < l."id";--> statement-breakpoint
DELETE FROM "credit_ledger" WHERE "kind" = 'charge' AND "amount" = 0;--> statement-breakpoint
-- A platform admin's "set balance" was posted as a grant (of any sign); it is an adjustment (issue 14). "Add" grants
-- are always positive, so a negative grant, or one with the default note of a set, was a set.
UPDATE "credit_ledger" SET "kind" = 'adjustment'
WHERE "kind" = 'grant' AND ("amount" < 0 OR "note" LIKE 'balance set to %');--> statement-breakpoint
CREATE UNIQUE INDEX "credit_ledger_job_period_key" ON "credit_ledger" USING btree ("job_id","period_start") WHERE kind = 'charge' and job_id is not null and period_start is not null;