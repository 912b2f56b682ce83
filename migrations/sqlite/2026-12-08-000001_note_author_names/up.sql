-- A note's author by name, as NocoBase showed it when the note was written or last
-- changed: colleagues who read the note may not list NocoBase's users (a member role
-- cannot), so the name is kept here. Null when the service checks tokens without asking
-- NocoBase (no nocobase.url), and for notes written before this column.
ALTER TABLE mail_notes ADD COLUMN author_name TEXT;
