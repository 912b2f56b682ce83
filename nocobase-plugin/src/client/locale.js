import { useTranslation } from 'react-i18next';
import en from '../locale/en-US.json';
import pl from '../locale/pl-PL.json';
import zh from '../locale/zh-CN.json';

export const NS = '@email-manager-sidecar/plugin-email-manager';
export const resources = { 'en-US': en, 'zh-CN': zh, 'pl-PL': pl };

/** A title NocoBase translates when it renders it (settings menu, page titles). */
export function tval(text) {
  return `{{t(${JSON.stringify(text)}, { ns: ${JSON.stringify(NS)} })}}`;
}

/** `t` for this plugin's strings, falling back to NocoBase's own. */
export function useT() {
  const { t } = useTranslation([NS, 'client'], { nsMode: 'fallback' });
  return t;
}

/** Marks a string kept in a table and translated where it is shown (`t(text)`), so the
 * locale check finds it. */
export const msg = (text) => text;
