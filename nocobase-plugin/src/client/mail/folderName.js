// A folder's name as the user reads it. System folders (those with a role) are named in the
// user's language when the plugin has a word for them: Gmail names its system labels in
// English whatever the user's language, and Outlook in the mailbox's language, not
// NocoBase's. English keeps the provider's own names ("Sent Items" stays "Sent Items").
// Folders the user made keep their names.
export function folderName(t, folder) {
  if (!folder) return '';
  if (!folder.role) return folder.name;
  return t(`folder.${folder.role}`, { defaultValue: folder.name });
}
