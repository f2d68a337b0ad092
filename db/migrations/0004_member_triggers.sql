-- org_members.username: copied from users on insert (usernames never change), so member lists sort and page
-- on org_members' own indexes.
CREATE OR REPLACE FUNCTION org_members_fill_username() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT username INTO NEW.username FROM users WHERE id = NEW.user_id;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER org_members_fill_username BEFORE INSERT ON org_members
  FOR EACH ROW EXECUTE FUNCTION org_members_fill_username();--> statement-breakpoint

-- orgs.member_count: maintained in the same transaction as every membership insert and delete. Statement-level
-- with transition tables, so a bulk insert of many members updates each org row once.
CREATE OR REPLACE FUNCTION org_members_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE orgs o SET member_count = o.member_count + n.c
    FROM (SELECT org_id, count(*) AS c FROM new_rows GROUP BY org_id) n WHERE o.id = n.org_id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION org_members_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE orgs o SET member_count = o.member_count - d.c
    FROM (SELECT org_id, count(*) AS c FROM old_rows GROUP BY org_id) d WHERE o.id = d.org_id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER org_members_count_insert AFTER INSERT ON org_members
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION org_members_count_insert();--> statement-breakpoint
CREATE TRIGGER org_members_count_delete AFTER DELETE ON org_members
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION org_members_count_delete();--> statement-breakpoint

UPDATE org_members m SET username = u.username FROM users u WHERE u.id = m.user_id;--> statement-breakpoint
UPDATE orgs o SET member_count = (SELECT count(*) FROM org_members m WHERE m.org_id = o.id);
