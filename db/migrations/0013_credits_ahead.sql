ALTER TYPE "public"."ledger_kind" ADD VALUE 'auto_topup';--> statement-breakpoint
CREATE TABLE "org_auto_topups" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"threshold" numeric(24, 8) NOT NULL,
	"amount" numeric(24, 8) NOT NULL,
	"monthly_cap" numeric(24, 8) NOT NULL,
	"stripe_customer_id" text,
	"stripe_payment_method_id" text,
	"card_label" text,
	"card_saved_at" timestamp with time zone,
	"disabled_reason" text,
	"disabled_at" timestamp with time zone,
	"updated_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "org_wallets" ADD COLUMN "projection_notified_seconds" integer;--> statement-breakpoint
ALTER TABLE "org_wallets" ADD COLUMN "projection_notified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "org_wallets" ADD COLUMN "auto_topup_below" numeric(24, 8);--> statement-breakpoint
ALTER TABLE "org_wallets" ADD COLUMN "auto_topup_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "balance_projection_seconds" integer[] DEFAULT '{604800,259200,86400}' NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "kind" text DEFAULT 'checkout' NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "failure_reason" text;--> statement-breakpoint
ALTER TABLE "org_auto_topups" ADD CONSTRAINT "org_auto_topups_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_auto_topups" ADD CONSTRAINT "org_auto_topups_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "org_wallets_auto_topup_due_idx" ON "org_wallets" USING btree ("auto_topup_due_at") WHERE auto_topup_due_at is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_idempotency_key" ON "payments" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_one_pending_auto_key" ON "payments" USING btree ("org_id") WHERE kind = 'auto' and status = 'pending';