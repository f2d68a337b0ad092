ALTER TABLE "orgs" ADD COLUMN "project_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint

-- orgs.project_count: maintained in the same transaction as every project insert and delete (as member_count is
-- by migration 0004), so the Projects page's "all" total is one column, not a count of the org's projects.
-- Statement-level with transition tables: a bulk insert or a cascade updates each org row once. Projects never
-- change org.
CREATE OR REPLACE FUNCTION projects_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE orgs o SET project_count = o.project_count + n.c
    FROM (SELECT org_id, count(*) AS c FROM new_rows GROUP BY org_id) n WHERE o.id = n.org_id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION projects_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE orgs o SET project_count = o.project_count - d.c
    FROM (SELECT org_id, count(*) AS c FROM old_rows GROUP BY org_id) d WHERE o.id = d.org_id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER projects_count_insert AFTER INSERT ON projects
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION projects_count_insert();--> statement-breakpoint
CREATE TRIGGER projects_count_delete AFTER DELETE ON projects
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION projects_count_delete();--> statement-breakpoint

UPDATE orgs o SET project_count = (SELECT count(*) FROM projects p WHERE p.org_id = o.id);
