// The "Emails" block for NocoBase's modern (v2, flow-model) pages: put in a record's popup
// ("Add block" → "Other blocks" → "Emails"), it lists the mail exchanged with that record.
// Its settings say which of the record's fields holds the address (or the domain) and
// whether to match mail by address or by domain.
import { BlockModel } from '@nocobase/client';
import React, { useEffect, useState } from 'react';
import { NS, tval } from '../locale';
import { RecordEmails } from './RecordEmails';
import { PROBLEMS, fieldOptions, matchSettingsSchema, recordTarget } from './blockSettings';


/** Where the block stands: the popup's collection and record key, when it is in one. */
async function popupResource(ctx) {
  try {
    const popup = await ctx.popup;
    const resource = popup && popup.resource;
    if (resource && resource.collectionName && resource.filterByTk !== undefined && resource.filterByTk !== null) return resource;
  } catch {
    // Not in a popup: the block was put on a page with no record.
  }
  return null;
}

/** The record the block shows mail for: the context's own record when there is one (a
 * details page), else the popup's record read from NocoBase. */
async function loadRecord(ctx) {
  let own = null;
  try {
    own = ctx.record;
  } catch {
    // The context has no record of its own here.
  }
  if (own && typeof own === 'object' && !(own instanceof Promise)) return own;
  const resource = await popupResource(ctx);
  if (!resource) return null;
  const response = await ctx.api.request({
    url: `${resource.associationName || resource.collectionName}:get`,
    params: { filterByTk: resource.filterByTk, ...(resource.sourceId !== undefined && resource.associationName ? { sourceId: resource.sourceId } : {}) },
    headers: resource.dataSourceKey && resource.dataSourceKey !== 'main' ? { 'X-Data-Source': resource.dataSourceKey } : undefined,
  });
  return (response.data && response.data.data) || null;
}

/** The popup collection's fields that can hold an address or a domain, for the settings. */
async function popupFields(ctx) {
  const resource = await popupResource(ctx);
  const collection = ctx.collection || (resource && ctx.dataSourceManager
    && ctx.dataSourceManager.getCollection(resource.dataSourceKey || 'main', resource.collectionName));
  return (collection && typeof collection.getFields === 'function' && collection.getFields()) || [];
}

function EmailsBlockBody({ model, matchBy = 'address', field }) {
  // `problem` is a message key or an error's own text; translated at render, so the
  // effect does not depend on `t` (a new function on each render of the flow context).
  const [state, setState] = useState({ value: undefined, problem: null, target: null });
  useEffect(() => {
    let live = true;
    if (!field) {
      setState({ value: null, problem: 'noField' });
      return undefined;
    }
    setState({ value: undefined, problem: null });
    Promise.all([loadRecord(model.context), popupResource(model.context)]).then(([record, resource]) => {
      if (!live) return;
      if (!record) {
        setState({ value: null, problem: 'noRecord', target: null });
        return;
      }
      const target = resource
        ? { dataSource: resource.dataSourceKey || 'main', collection: resource.collectionName, filterByTk: resource.filterByTk }
        : recordTarget(model.context.collection, record);
      setState({ value: record[field] === undefined ? null : record[field], problem: null, target });
    }, (error) => {
      if (live) setState({ value: null, problem: (error && error.message) || String(error) });
    });
    return () => { live = false; };
  }, [model, field]);
  const t = model.context.t;
  const problem = state.problem && (PROBLEMS[state.problem] ? t(PROBLEMS[state.problem], { ns: NS }) : state.problem);
  return <RecordEmails matchBy={matchBy} value={state.value} problem={problem} target={state.target} />;
}


export class EmailsBlockModel extends BlockModel {
  renderComponent() {
    // The props are read here, inside NocoBase's observer, so a settings change re-renders.
    return <EmailsBlockBody model={this} matchBy={this.props.matchBy} field={this.props.field} />;
  }
}

EmailsBlockModel.define({ label: tval('Emails') });

EmailsBlockModel.registerFlow({
  key: 'emailsBlockSettings',
  title: tval('Emails'),
  on: 'beforeRender',
  steps: {
    match: {
      title: tval('Match mail by'),
      async uiSchema(ctx) {
        const t = (text) => ctx.t(text, { ns: NS });
        return matchSettingsSchema(t, fieldOptions(await popupFields(ctx), t));
      },
      defaultParams: { matchBy: 'address', field: 'email' },
      handler(ctx, params) {
        ctx.model.setProps({ matchBy: params.matchBy || 'address', field: params.field });
        // A title unless the admin gave the card one in its own settings.
        if (!ctx.model.decoratorProps.title) ctx.model.setDecoratorProps({ title: ctx.t('Emails', { ns: NS }) });
      },
    },
  },
});
