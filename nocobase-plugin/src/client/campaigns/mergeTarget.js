// What the mail-merge form is opened with, from a table of either page kind: its
// collection, the fields that can hold an address (the Email field chosen), the rows the
// user selected and the table's filter as it stands.
import { dataSourceOf, fieldOptions } from '../record/blockSettings';

/** `collection` (classic or flow-engine), `selected` row keys, `filter`; null without one. */
export function mergeTarget(collection, selected, filter, t) {
  if (!collection || !collection.name) return null;
  const fields = (typeof collection.getFields === 'function' && collection.getFields()) || [];
  const options = fieldOptions(fields, t);
  const email = fields.find((f) => (f.interface || (f.options && f.options.interface) || (f.uiSchema && f.uiSchema.interface)) === 'email');
  return {
    dataSource: dataSourceOf(collection),
    collection: collection.name,
    fields: options,
    emailField: email ? email.name : options[0] && options[0].value,
    selected: selected || [],
    filter: filter || {},
  };
}
