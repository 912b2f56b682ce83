// "Mail merge" in a table block's action bar on modern (v2) pages: it opens the mail-merge
// form for the table's collection, with the rows the user selected (or, their choice, all
// that match the table's filter as it stands), the collection's e-mail field chosen.
import { ActionModel, ActionSceneEnum } from '@nocobase/client';
import React from 'react';
import { mailApiOf } from '../api';
import { NS, tval } from '../locale';
import { fieldOptions } from '../record/blockSettings';
import { MailMergeForm } from './MailMergeForm';

/** What the form needs from the table block: its collection, fields, selection, filter. */
export function tableTarget(block, t) {
  const resource = block && block.resource;
  const collection = block && block.collection;
  if (!resource || !collection) return null;
  const key = Array.isArray(collection.filterTargetKey) ? null : collection.filterTargetKey || 'id';
  const rows = (typeof resource.getSelectedRows === 'function' && resource.getSelectedRows()) || [];
  const fields = (typeof collection.getFields === 'function' && collection.getFields()) || [];
  const options = fieldOptions(fields, t);
  const email = fields.find((f) => (f.interface || (f.options && f.options.interface)) === 'email');
  const source = collection.dataSourceKey || collection.dataSource;
  return {
    dataSource: typeof source === 'string' ? source : (source && source.key) || 'main',
    collection: collection.name,
    fields: options,
    emailField: email ? email.name : options[0] && options[0].value,
    selected: key ? rows.map((row) => row[key]).filter((k) => k !== undefined && k !== null) : [],
    filter: (typeof resource.getFilter === 'function' && resource.getFilter()) || {},
  };
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
