CREATE TABLE "usage_records" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"job_id" uuid,
	"org_id" uuid NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"amount" numeric(24, 8) NOT NULL,
	"outcome" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_records_job_idx" ON "usage_records" USING btree ("job_id","until");--> statement-breakpoint
-- Usage charged before this table existed: its keys, from the ledger, so replays of them stay duplicates.
INSERT INTO "usage_records" ("idempotency_key", "job_id", "org_id", "until", "amount", "outcome", "created_at")
SELECT l."idempotency_key", l."job_id", l."org_id", l."created_at", -l."amount", 'charged', l."created_at"
FROM "credit_ledger" l JOIN "jobs" j ON j."id" = l."job_id"
WHERE l."kind" = 'charge' AND l."idempotency_key" IS NOT NULL
ON CONFLICT DO NOTHING;
