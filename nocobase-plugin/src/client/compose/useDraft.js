// The draft behind an open compose form, kept at the provider (a Gmail draft, an Outlook
// draft): the first save creates it, later saves update it with the version last read,
// so a change made elsewhere meanwhile (Gmail, Outlook, another tab) is a conflict the
// user settles, never overwritten. At Graph each save gives the draft a new id; the
// answer carries it. Files added since the last save travel with the next one.
import { useCallback, useRef, useState } from 'react';
import { errorText } from '../api';
import { draftValues, messageValues } from './values.mjs';

const base64Of = (file) => new Promise((resolve, reject) => {
  const reader = new FileReader();
  reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
  reader.onerror = () => reject(reader.error);
  reader.readAsDataURL(file);
});

async function attachments(files) {
  return Promise.all(files.map(async (file) => ({
    filename: file.name, contentType: file.type || 'application/octet-stream', content: await base64Of(file),
  })));
}

/** The draft as the form tracks it, from an API answer. */
export function tracked(answer) {
  return { id: answer.id, version: answer.version, files: answer.attachments || [] };
}

/**
 * `read()` gives the form's state and its new files; `setFiles` drops the ones a save
 * took. Returns {draft, status, conflict, save, adopt, reset, settle, saving}.
 */
export function useDraft(mail, read, setFiles) {
  const [draft, setDraft] = useState(null);
  const [status, setStatus] = useState({ kind: 'idle' });
  const [conflict, setConflict] = useState(false);
  const current = useRef(null);
  const saving = useRef(null);

  const adopt = useCallback((next) => {
    current.current = next;
    setDraft(next);
  }, []);

  const reset = useCallback(() => {
    current.current = null;
    saving.current = null;
    setDraft(null);
    setConflict(false);
    setStatus({ kind: 'idle' });
  }, []);

  /** Saves now (one save at a time; a call during a save waits for it). `asNew`: a new draft. */
  const save = useCallback(async ({ asNew = false } = {}) => {
    if (saving.current) await saving.current.catch(() => {});
    const run = (async () => {
      const { state, files, keptFileIds } = read();
      const sending = files.slice();
      const newFiles = await attachments(sending);
      setStatus({ kind: 'saving' });
      try {
        const existing = asNew ? null : current.current;
        let answer;
        if (existing) {
          const values = { ...draftValues(state, existing, keptFileIds), attachments: newFiles };
          answer = (await mail.call('mailDrafts:update', { params: { filterByTk: existing.id }, values })).data[0];
        } else {
          const values = { ...messageValues(state), attachments: newFiles };
          answer = (await mail.call('mailDrafts:create', { values })).data;
        }
        adopt(tracked(answer));
        setFiles((all) => all.filter((f) => !sending.includes(f)));
        setConflict(false);
        setStatus({ kind: 'saved', at: new Date() });
        return answer;
      } catch (error) {
        const code = error && error.response && error.response.data && error.response.data.errors
          && error.response.data.errors[0] && error.response.data.errors[0].code;
        if (code === 'DRAFT_CHANGED') setConflict(true);
        setStatus({ kind: 'failed', message: errorText(error) });
        throw error;
      }
    })();
    saving.current = run;
    try {
      return await run;
    } finally {
      if (saving.current === run) saving.current = null;
    }
  }, [mail, read, setFiles, adopt]);

  /** The conflict is settled (the newer version was opened). */
  const settle = useCallback(() => {
    setConflict(false);
    setStatus({ kind: 'idle' });
  }, []);

  return { draft, status, conflict, save, adopt, reset, settle, saving };
}
