// What the "Emails" block's two variants (modern and classic pages) share: the settings
// form, the choice of fields it offers, and the messages shown when the block cannot
// find a record's mail. `t` translates one of this plugin's strings.
import { msg } from '../locale';
import { TEXT_INTERFACES } from './recordMatch.mjs';

/** Why a block shows no mail, by key. */
export const PROBLEMS = {
  noField: msg('Choose the record\'s email field in this block\'s settings.'),
  noRecord: msg('Put this block in a record\'s popup or details page: it shows the mail of one record.'),
};

/** A collection's fields that can hold an address, a domain or a web site, as options. */
export function fieldOptions(fields, t) {
  return (fields || [])
    .filter((f) => TEXT_INTERFACES.includes(f.interface || (f.options && f.options.interface)))
    .map((f) => ({ value: f.name, label: `${t((f.uiSchema && f.uiSchema.title) || f.title || f.name)} (${f.name})` }));
}

/** The settings form: match by address or domain, and which field holds it. */
export function matchSettingsSchema(t, options) {
  return {
    matchBy: {
      title: t('Match mail by'),
      type: 'string',
      'x-decorator': 'FormItem',
      'x-component': 'Radio.Group',
      enum: [
        { value: 'address', label: t('The record\'s email address') },
        { value: 'domain', label: t('The record\'s domain (all mail with that company)') },
      ],
    },
    field: {
      title: t('Field'),
      type: 'string',
      required: true,
      'x-decorator': 'FormItem',
      // A collection without text fields still lets the admin name one.
      'x-component': options.length ? 'Select' : 'Input',
      enum: options.length ? options : undefined,
      description: t('The field of the record that holds its email address, web site or domain.'),
    },
  };
}

/**
 * The record a template's `$nRecord` is read from: {dataSource, collection, filterByTk},
 * from a collection (classic or flow-engine) and one of its records; null when unknown.
 */
export function recordTarget(collection, record) {
  if (!collection || !record || !collection.name) return null;
  const keyName = Array.isArray(collection.filterTargetKey) ? null : collection.filterTargetKey || 'id';
  const filterByTk = keyName ? record[keyName] : undefined;
  if (filterByTk === undefined || filterByTk === null) return null;
  return { dataSource: dataSourceOf(collection), collection: collection.name, filterByTk };
}

/** The data source a collection (classic or flow-engine) belongs to; `main` if unsaid. */
export function dataSourceOf(collection) {
  const source = collection.dataSourceKey || collection.dataSource;
  return typeof source === 'string' ? source : (source && source.key) || 'main';
}
