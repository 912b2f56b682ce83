-- Folder counts kept exact by the database itself as folder links and read flags change,
-- so neither a sync run nor a mark-as-read recounts whole folders (counting a
-- 400,000-message inbox takes ~10 ms, its unread ~150 ms), and a folder's listing takes
-- its total from the folder row. Each link carries its message's read flag, so the
-- counting triggers need no other table (a message deleted by cascade is already gone).
ALTER TABLE mail_message_folders ADD COLUMN is_read BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE mail_message_folders
SET is_read = (SELECT is_read FROM mail_messages WHERE mail_messages.id = message_id);
UPDATE mail_folders SET
    total_count = (SELECT count(*) FROM mail_message_folders l WHERE l.folder_id = mail_folders.id),
    unread_count = (SELECT count(*) FROM mail_message_folders l
                    WHERE l.folder_id = mail_folders.id AND NOT l.is_read);

CREATE TRIGGER mail_message_folders_added AFTER INSERT ON mail_message_folders
BEGIN
    UPDATE mail_folders
    SET total_count = total_count + 1,
        unread_count = unread_count + (CASE WHEN NEW.is_read THEN 0 ELSE 1 END)
    WHERE id = NEW.folder_id;
END;

CREATE TRIGGER mail_message_folders_removed AFTER DELETE ON mail_message_folders
BEGIN
    UPDATE mail_folders
    SET total_count = total_count - 1,
        unread_count = unread_count - (CASE WHEN OLD.is_read THEN 0 ELSE 1 END)
    WHERE id = OLD.folder_id;
END;

CREATE TRIGGER mail_message_folders_read AFTER UPDATE OF is_read ON mail_message_folders
WHEN OLD.is_read <> NEW.is_read
BEGIN
    UPDATE mail_folders
    SET unread_count = unread_count + (CASE WHEN NEW.is_read THEN -1 ELSE 1 END)
    WHERE id = NEW.folder_id;
END;

-- A message read or unread carries its flag to its links (which count it, above).
CREATE TRIGGER mail_messages_read AFTER UPDATE OF is_read ON mail_messages
WHEN OLD.is_read <> NEW.is_read
BEGIN
    UPDATE mail_message_folders SET is_read = NEW.is_read WHERE message_id = NEW.id;
END;
