-- The `reports` schema: read-only views of what the Grafana dashboards (grafana/dashboards/*.json) show, keyed
-- by org name. Grafana connects as a login role that is a member of `apolo_reports` (see grafana/README.md),
-- which may only SELECT these views: never `users`, `credit_ledger` or any other table, and never write.
-- The views run with their owner's rights (security_invoker off), so the role needs no grant on the tables.
CREATE SCHEMA IF NOT EXISTS reports;--> statement-breakpoint

-- Every ledger entry with its org, the member charged, who acted, and the job's cluster and preset.
CREATE VIEW reports.ledger AS
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
JOIN public.orgs o ON o.id = l.org_id
LEFT JOIN public.users m ON m.id = l.member_id
LEFT JOIN public.users a ON a.id = l.actor_id
LEFT JOIN public.jobs j ON j.id = l.job_id
LEFT JOIN public.clusters cl ON cl.id = j.cluster_id;--> statement-breakpoint

CREATE VIEW reports.jobs AS
SELECT o.name AS org,
       u.username,
       cl.name AS cluster,
       j.preset_name AS preset,
       j.status::text AS status,
       j.started_at,
       j.stopped_at
FROM public.jobs j
JOIN public.orgs o ON o.id = j.org_id
JOIN public.users u ON u.id = j.user_id
JOIN public.clusters cl ON cl.id = j.cluster_id;--> statement-breakpoint

CREATE VIEW reports.members AS
SELECT o.name AS org,
       u.username,
       u.name,
       m.role::text AS role,
       m.credit_limit,
       m.created_at AS joined_at
FROM public.org_members m
JOIN public.orgs o ON o.id = m.org_id
JOIN public.users u ON u.id = m.user_id;--> statement-breakpoint

-- Roles belong to the whole server (several databases, e.g. CI's, may share it and migrate at once): create it
-- only when missing, and tolerate a concurrent creation. No password here: the operator creates the login role.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'apolo_reports') THEN
    CREATE ROLE apolo_reports NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;--> statement-breakpoint

GRANT USAGE ON SCHEMA reports TO apolo_reports;--> statement-breakpoint
GRANT SELECT ON ALL TABLES IN SCHEMA reports TO apolo_reports;--> statement-breakpoint
-- Views added to the schema by later migrations are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA reports GRANT SELECT ON TABLES TO apolo_reports;
