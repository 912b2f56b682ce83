// Single-key shortcuts on the mail page, as Gmail and Outlook users' hands expect them:
// j/k next and previous, o or Enter open, r/a/f reply, reply all, forward, e archive,
// # delete, s star, / search, c compose, ? the list of them. Keys typed into a field, with
// a modifier, or while a dialog is open are left alone.
import { useEffect, useRef } from 'react';
import { msg } from '../locale';

export const SHORTCUTS = [
  ['j', msg('Next message')],
  ['k', msg('Previous message')],
  ['o', msg('Open the message (also Enter)')],
  ['r', msg('Reply')],
  ['a', msg('Reply all')],
  ['f', msg('Forward')],
  ['e', msg('Archive')],
  ['#', msg('Delete')],
  ['s', msg('Star or unstar')],
  ['/', msg('Search')],
  ['c', msg('Compose')],
  ['?', msg('Show these shortcuts')],
];

function typing(target) {
  if (!target || !(target instanceof Element)) return false;
  return Boolean(target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"], .ql-editor'));
}

function dialogOpen() {
  return Array.from(document.querySelectorAll('.ant-modal-wrap, .ant-drawer-open'))
    .some((element) => element.offsetParent !== null || getComputedStyle(element).display !== 'none');
}

/** `handlers`: key → function; the newest ones are called (no re-binding per render). */
export function useShortcuts(handlers, enabled = true) {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    if (!enabled) return undefined;
    const onKey = (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      if (typing(event.target) || dialogOpen()) return;
      const key = event.key === 'Enter' ? 'o' : event.key;
      const handler = current.current[key];
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
