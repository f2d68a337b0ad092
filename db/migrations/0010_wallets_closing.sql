CREATE TABLE "org_wallets" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"balance" numeric(24, 8) DEFAULT '0' NOT NULL,
	"spent" numeric(24, 8) DEFAULT '0' NOT NULL,
	"notified_threshold" numeric(24, 8),
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- The wallet moves out of the org row: every org gets its wallet with the balance, spending and notified
-- threshold it has now (balance = Σ ledger carries over unchanged).
INSERT INTO "org_wallets" ("org_id", "balance", "spent", "notified_threshold")
SELECT "id", "balance", "spent", "notified_threshold" FROM "orgs";--> statement-breakpoint
-- Every org has exactly one wallet, created with it, whoever inserts the org (createOrg, scripts, tests).
CREATE OR REPLACE FUNCTION orgs_create_wallet() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO org_wallets (org_id) VALUES (NEW.id);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER orgs_create_wallet AFTER INSERT ON orgs
  FOR EACH ROW EXECUTE FUNCTION orgs_create_wallet();--> statement-breakpoint
ALTER TABLE "credit_ledger" DROP CONSTRAINT "credit_ledger_org_id_orgs_id_fk";
--> statement-breakpoint
ALTER TABLE "jobs" DROP CONSTRAINT "jobs_org_id_orgs_id_fk";
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_org_id_orgs_id_fk";
--> statement-breakpoint
DROP INDEX "orgs_name_key";--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "org_wallets" ADD CONSTRAINT "org_wallets_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_org_id_org_wallets_org_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."org_wallets"("org_id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "orgs_name_open_key" ON "orgs" USING btree ("name") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "orgs_name_closed_idx" ON "orgs" USING btree ("name","deleted_at") WHERE deleted_at is not null;--> statement-breakpoint
ALTER TABLE "orgs" DROP COLUMN "balance";--> statement-breakpoint
ALTER TABLE "orgs" DROP COLUMN "spent";--> statement-breakpoint
ALTER TABLE "orgs" DROP COLUMN "notified_threshold";--> statement-breakpoint
-- The reports views show open orgs only: a closed org's name may be taken by a new org after the reservation.
CREATE OR REPLACE VIEW reports.ledger AS
SELECT o.name AS org,
       l.id,
       l.kind::text AS kind,
       l.amount,
       l.balance_after,
       l.created_at,
       m.username AS member,
       m.name AS member_name,
       a.username AS actor,
       cl.name AS cluster,
       j.preset_name AS preset,
       l.note
FROM public.credit_ledger l
JOIN public.orgs o ON o.id = l.org_id AND o.deleted_at IS NULL
LEFT JOIN public.users m ON m.id = l.member_id
LEFT JOIN public.users a ON a.id = l.actor_id
LEFT JOIN public.jobs j ON j.id = l.job_id
LEFT JOIN public.clusters cl ON cl.id = j.cluster_id;--> statement-breakpoint
CREATE OR REPLACE VIEW reports.jobs AS
SELECT o.name AS org,
       u.username,
       cl.name AS cluster,
       j.preset_name AS preset,
       j.status::text AS status,
       j.started_at,
       j.stopped_at
FROM public.jobs j
JOIN public.orgs o ON o.id = j.org_id AND o.deleted_at IS NULL
JOIN public.users u ON u.id = j.user_id
JOIN public.clusters cl ON cl.id = j.cluster_id;--> statement-breakpoint
CREATE OR REPLACE VIEW reports.members AS
SELECT o.name AS org,
       u.username,
       u.name,
       m.role::text AS role,
       m.credit_limit,
       m.created_at AS joined_at
FROM public.org_members m
JOIN public.orgs o ON o.id = m.org_id AND o.deleted_at IS NULL
JOIN public.users u ON u.id = m.user_id;
