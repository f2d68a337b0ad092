ALTER TABLE "cluster_access_requests" ADD COLUMN "decline_reason" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "stopped_by" uuid;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_stopped_by_users_id_fk" FOREIGN KEY ("stopped_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_batch_idx" ON "audit_events" USING btree ("batch_id","id") WHERE batch_id is not null;--> statement-breakpoint
CREATE INDEX "org_members_org_role_desc_idx" ON "org_members" USING btree ("org_id","role" DESC NULLS FIRST,"username");