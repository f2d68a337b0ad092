DROP INDEX "org_members_org_role_idx";--> statement-breakpoint
DROP INDEX "org_members_org_created_idx";--> statement-breakpoint
ALTER TABLE "org_members" ADD COLUMN "username" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "member_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_id");--> statement-breakpoint
CREATE INDEX "invitations_invited_by_idx" ON "invitations" USING btree ("invited_by_id");--> statement-breakpoint
CREATE INDEX "invitations_accepted_by_idx" ON "invitations" USING btree ("accepted_by_id");--> statement-breakpoint
CREATE INDEX "org_members_org_username_idx" ON "org_members" USING btree ("org_id","username");--> statement-breakpoint
CREATE INDEX "org_members_org_role_idx" ON "org_members" USING btree ("org_id","role","username");--> statement-breakpoint
CREATE INDEX "org_members_org_created_idx" ON "org_members" USING btree ("org_id","created_at","username");