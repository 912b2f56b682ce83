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
import { fieldOptions } from '../record/blockSettings';
import { MailMergeForm } from './MailMergeForm';

const SETTINGS = 'actionSettings:emailManagerMailMerge';

/** What the form needs from a classic table block (`table`: its block context). */
export function classicTarget(table, collection, t) {
  if (!table || !collection || !collection.name) return null;
  const fields = (typeof collection.getFields === 'function' && collection.getFields()) || [];
  const options = fieldOptions(fields, t);
  const email = fields.find((f) => (f.interface || (f.uiSchema && f.uiSchema.interface)) === 'email');
  const params = (table.service && table.service.params && table.service.params[0]) || {};
  const source = collection.dataSource;
  return {
    dataSource: typeof source === 'string' ? source : (source && source.key) || 'main',
    collection: collection.name,
    fields: options,
    emailField: email ? email.name : options[0] && options[0].value,
    selected: (table.field && table.field.data && table.field.data.selectedRowKeys) || [],
    filter: params.filter || {},
  };
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
