// The same "Emails" block for NocoBase's classic (v1, schema) pages: offered in a record
// popup's "Add block" menu, stored as a schema node whose component props hold the choice
// of field and match, and configured from the block's settings menu.
import { MailOutlined } from '@ant-design/icons';
import { useField, useFieldSchema } from '@formily/react';
import {
  SchemaInitializerItem,
  SchemaSettings,
  useCollection,
  useCollectionRecordData,
  useDesignable,
  useSchemaInitializer,
  useSchemaInitializerItem,
} from '@nocobase/client';
import React from 'react';
import { NS, useT } from '../locale';
import { RecordEmails } from './RecordEmails';
import { PROBLEMS, fieldOptions, matchSettingsSchema, recordTarget } from './blockSettings';

export const CLASSIC_SETTINGS = 'blockSettings:emailManagerEmails';

/** The block: the popup's record, read from the classic page's record context. */
export function ClassicEmailsBlock({ matchBy = 'address', field }) {
  const t = useT();
  const record = useCollectionRecordData();
  const collection = useCollection();
  if (!field) return <RecordEmails matchBy={matchBy} value={null} problem={t(PROBLEMS.noField)} />;
  if (!record) return <RecordEmails matchBy={matchBy} value={null} problem={t(PROBLEMS.noRecord)} />;
  return <RecordEmails matchBy={matchBy} value={record[field] === undefined ? null : record[field]} target={recordTarget(collection, record)} />;
}

/** "Add block" → "Other blocks" → "Emails" in a record popup. */
export function ClassicEmailsBlockInitializer() {
  const { insert } = useSchemaInitializer();
  const item = useSchemaInitializerItem();
  const collection = useCollection();
  // The first field that looks like an e-mail field is the likely choice.
  const email = collection && (collection.getFields() || []).find((f) => f.interface === 'email');
  return (
    <SchemaInitializerItem
      {...item}
      icon={<MailOutlined />}
      onClick={() => insert({
        type: 'void',
        'x-settings': CLASSIC_SETTINGS,
        'x-decorator': 'CardItem',
        'x-decorator-props': { name: 'emails', title: `{{t("Emails", { ns: "${NS}" })}}` },
        'x-component': 'EmailManagerEmailsBlock',
        'x-component-props': { matchBy: 'address', field: email ? email.name : 'email' },
      })}
    />
  );
}

export const classicEmailsBlockSettings = new SchemaSettings({
  name: CLASSIC_SETTINGS,
  items: [
    {
      name: 'matchMailBy',
      type: 'modal',
      useComponentProps() {
        const t = useT();
        const field = useField();
        const schema = useFieldSchema();
        const { dn } = useDesignable();
        const collection = useCollection();
        const current = schema['x-component-props'] || {};
        return {
          title: t('Match mail by'),
          initialValues: { matchBy: current.matchBy || 'address', field: current.field },
          schema: {
            type: 'object',
            title: t('Match mail by'),
            properties: matchSettingsSchema(t, fieldOptions(collection && collection.getFields(), t)),
          },
          onSubmit({ matchBy, field: fieldName }) {
            const props = { ...current, matchBy, field: fieldName };
            schema['x-component-props'] = props;
            field.componentProps = { ...props };
            dn.emit('patch', { schema: { 'x-uid': schema['x-uid'], 'x-component-props': props } });
          },
        };
      },
    },
    { name: 'divider', type: 'divider' },
    {
      name: 'delete',
      type: 'remove',
      useComponentProps() {
        return { removeParentsIfNoChildren: true, breakRemoveOn: { 'x-component': 'Grid' } };
      },
    },
  ],
});
