// "Mail merge" in a table block's action bar on modern (v2) pages: it opens the mail-merge
// form for the table's collection, with the rows the user selected (or, their choice, all
// that match the table's filter as it stands), the collection's e-mail field chosen.
import { ActionModel, ActionSceneEnum } from '@nocobase/client';
import React from 'react';
import { mailApiOf } from '../api';
import { NS, tval } from '../locale';
import { MailMergeForm } from './MailMergeForm';
import { mergeTarget } from './mergeTarget';

/** What the form needs from the table block: its collection, selection and filter. */
export function tableTarget(block, t) {
  const resource = block && block.resource;
  const collection = block && block.collection;
  if (!resource || !collection) return null;
  const key = Array.isArray(collection.filterTargetKey) ? null : collection.filterTargetKey || 'id';
  const rows = (typeof resource.getSelectedRows === 'function' && resource.getSelectedRows()) || [];
  const selected = key ? rows.map((row) => row[key]).filter((k) => k !== undefined && k !== null) : [];
  return mergeTarget(collection, selected, typeof resource.getFilter === 'function' && resource.getFilter(), t);
}

export class MailMergeActionModel extends ActionModel {
  static scene = ActionSceneEnum.collection;

  defaultProps = {
    title: tval('Mail merge'),
    icon: 'MailOutlined',
  };
}

MailMergeActionModel.define({ label: tval('Mail merge') });

MailMergeActionModel.registerFlow({
  key: 'mailMergeSettings',
  title: tval('Mail merge'),
  on: 'click',
  steps: {
    open: {
      handler(ctx) {
        const t = (text, options) => ctx.t(text, { ns: NS, ...options });
        const target = tableTarget(ctx.blockModel, t);
        if (!target) {
          ctx.message.error(t('Put "Mail merge" in a table block: it mails that table\'s records.'));
          return;
        }
        ctx.viewer.dialog({
          title: t('Mail merge'),
          width: 640,
          closable: true,
          content: (view) => (
            <MailMergeForm mail={mailApiOf(ctx.api)} target={target} onClose={(campaign) => {
              view.close();
              if (campaign && campaign.status !== 'draft') {
                ctx.message.info(t('Follow it in Email → Mail merge.'));
              }
            }} />
          ),
        });
      },
    },
  },
});
