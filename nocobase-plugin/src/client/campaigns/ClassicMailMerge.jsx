// "Mail merge" for classic (v1) table blocks: "Configure actions → Mail merge". NocoBase's
// own Action button, whose click opens the same form the modern pages' action does, with
// the table's selected rows and its filter as it stands.
import {
  ActionDesigner,
  SchemaInitializerItem,
  SchemaSettings,
  useAPIClient,
  useCollection,
  useSchemaInitializer,
  useSchemaInitializerItem,
  useSchemaToolbar,
  useTableBlockContext,
} from '@nocobase/client';
import { App } from 'antd';
import React from 'react';
import { mailApiOf } from '../api';
import { tval, useT } from '../locale';
import { MailMergeForm } from './MailMergeForm';
import { mergeTarget } from './mergeTarget';

const SETTINGS = 'actionSettings:emailManagerMailMerge';

/** What the form needs from a classic table block (`table`: its block context). */
export function classicTarget(table, collection, t) {
  if (!table) return null;
  const params = (table.service && table.service.params && table.service.params[0]) || {};
  const selected = table.field && table.field.data && table.field.data.selectedRowKeys;
  return mergeTarget(collection, selected, params.filter, t);
}

/** The button's props (`x-use-component-props`): its click opens the form. */
export function useEmailManagerMailMergeProps() {
  const t = useT();
  const api = useAPIClient();
  const { modal } = App.useApp();
  const table = useTableBlockContext();
  const collection = useCollection();
  return {
    onClick() {
      const target = classicTarget(table, collection, t);
      if (!target) {
        modal.error({ content: t('Put "Mail merge" in a table block: it mails that table\'s records.') });
        return;
      }
      const shown = modal.info({
        title: t('Mail merge'),
        icon: null,
        width: 640,
        closable: true,
        footer: null,
        content: <MailMergeForm mail={mailApiOf(api)} target={target} onClose={() => shown.destroy()} />,
      });
    },
  };
}

/** "Configure actions → Mail merge". */
export function ClassicMailMergeInitializer() {
  const { insert } = useSchemaInitializer();
  const item = useSchemaInitializerItem();
  return (
    <SchemaInitializerItem {...item} onClick={() => insert({
      type: 'void',
      title: tval('Mail merge'),
      'x-component': 'Action',
      'x-use-component-props': 'useEmailManagerMailMergeProps',
      'x-align': 'right',
      'x-action': 'emailManager:mailMerge',
      'x-toolbar': 'ActionSchemaToolbar',
      'x-settings': SETTINGS,
      'x-component-props': { icon: 'MailOutlined' },
    })} />
  );
}

/** The button's settings in the UI editor: remove it. */
export const classicMailMergeSettings = new SchemaSettings({
  name: SETTINGS,
  items: [
    {
      name: 'remove',
      sort: 100,
      Component: ActionDesigner.RemoveButton,
      useComponentProps() {
        return useSchemaToolbar().removeButtonProps;
      },
    },
  ],
});
