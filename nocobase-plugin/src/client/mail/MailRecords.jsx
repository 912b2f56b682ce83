// From mail to records (#25), under an opened message: the records whose email field holds
// one of the message's addresses (a customer, a lead, a contact), each opening to show
// its fields; and "Create record from this mail", which makes a record of a collection
// the user picks from the mail's sender, subject, date and text. Both go through NocoBase
// with the user's own permissions: a collection they may not read lists nothing, one
// they may not write to refuses the record.
import { useAPIClient } from '@nocobase/client';
import { Button, Descriptions, Drawer, Form, Modal, Select, Space, Tag, Typography, message as toast } from 'antd';
import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { errorText } from '../api';
import { msg, useT } from '../locale';
import { addressesIn } from '../record/recordMatch.mjs';
import { guessTargets, MAIL_PARTS, mailValues, matchableCollections, recordTitle, shownTitle, userCollections, writableFields } from './mailRecordsPlan.mjs';

// What of a message can fill a record's field, as the dialog names it.
const PART_LABELS = {
  subject: msg('Subject'),
  fromAddress: msg('Sender address'),
  fromName: msg('Sender name'),
  date: msg('Date'),
  text: msg('Body text'),
};

// How many records of a collection are shown for one message.
const PER_COLLECTION = 5;

let collectionsOnce = null;
let ownOnce = null;
/** The user's own addresses (mailboxes and their send-as addresses), once a page: they
 * are on every message and name no customer. */
function loadOwnAddresses(api) {
  if (!ownOnce) {
    ownOnce = api.request({ url: 'mailAccounts:list', method: 'get', params: { pageSize: 200 }, skipNotify: true })
      .then((answer) => new Set((answer.data.data || []).flatMap((a) => [a.email, ...(a.identities || []).map((i) => i.address)])
        .filter(Boolean).map((a) => String(a).toLowerCase())), () => { ownOnce = null; return new Set(); });
  }
  return ownOnce;
}

/** NocoBase's collections with their fields (what its own client loads), once a page. */
function loadCollections(api) {
  if (!collectionsOnce) {
    collectionsOnce = api.request({ url: 'collections:listMeta', method: 'get', skipNotify: true })
      .then((answer) => answer.data.data || [], (error) => { collectionsOnce = null; throw error; });
  }
  return collectionsOnce;
}

function RecordDrawer({ open, onClose, collection, record }) {
  const t = useT();
  if (!collection || !record) return null;
  const fields = (collection.fields || []).filter((f) => f.interface && !['password'].includes(f.interface) && record[f.name] !== undefined && (record[f.name] === null || typeof record[f.name] !== 'object'));
  return (
    <Drawer open={open} onClose={onClose} width={520} title={`${shownTitle(t, collection.title, collection.name)}: ${recordTitle(collection, record)}`} data-testid="mail-record-drawer">
      <Descriptions column={1} size="small" bordered items={fields.map((f) => ({ key: f.name, label: shownTitle(t, f.uiSchema && f.uiSchema.title, f.name), children: record[f.name] === null ? '' : String(record[f.name]) }))} />
    </Drawer>
  );
}

function CreateRecordDialog({ open, onClose, collections, mail, onCreated }) {
  const t = useT();
  const api = useAPIClient();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState(null);
  const collection = collections.find((c) => c.name === name) || null;
  const targets = useMemo(() => (collection ? writableFields(collection) : []), [collection]);
  useEffect(() => {
    if (collection) form.setFieldsValue({ targets: guessTargets(collection) });
  }, [collection, form]);
  const submit = async () => {
    const { targets: chosen = {} } = form.getFieldsValue();
    const values = mailValues(mail, chosen);
    if (!Object.keys(values).length) {
      toast.error(t('Choose at least one field to fill.'));
      return;
    }
    setBusy(true);
    try {
      const answer = await api.request({ url: `${collection.name}:create`, method: 'post', data: values, skipNotify: true });
      toast.success(t('Record created in {{collection}}.', { collection: shownTitle(t, collection.title, collection.name) }));
      onCreated(collection, answer.data.data);
      onClose();
    } catch (error) {
      toast.error(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={open} onCancel={onClose} onOk={submit} okText={t('Create record')} confirmLoading={busy} okButtonProps={{ disabled: !collection, 'data-testid': 'mail-record-create-ok' }} title={t('Create record from this mail')} destroyOnClose>
      <Form form={form} layout="vertical">
        <Form.Item label={t('Collection')}>
          <Select
            showSearch
            optionFilterProp="label"
            value={name}
            onChange={setName}
            data-testid="mail-record-collection"
            options={collections.filter((c) => writableFields(c).length).map((c) => ({ value: c.name, label: shownTitle(t, c.title, c.name) }))}
          />
        </Form.Item>
        {collection && MAIL_PARTS.map((part) => (
          <Form.Item key={part} name={['targets', part]} label={t(PART_LABELS[part])}>
            <Select allowClear placeholder={t('Not filled')} data-testid={`mail-record-target-${part}`}
              options={targets.map((f) => ({ value: f.name, label: shownTitle(t, f.uiSchema && f.uiSchema.title, f.name) }))} />
          </Form.Item>
        ))}
      </Form>
    </Modal>
  );
}

/** The records tied to `mail` by address, and "Create record from this mail". */
export function MailRecords({ mail }) {
  const t = useT();
  const api = useAPIClient();
  const [collections, setCollections] = useState([]);
  const [found, setFound] = useState([]);
  const [opened, setOpened] = useState(null);
  const [creating, setCreating] = useState(false);
  // Keyed by the addresses' text, so a re-render (or the same message reloaded) does not
  // look the records up again.
  const people = [mail.from, ...(mail.to || []), ...(mail.cc || [])].filter(Boolean).map((p) => p.address);
  const addressKey = addressesIn(people).join(' ');
  const addresses = useMemo(() => (addressKey ? addressKey.split(' ') : []), [addressKey]);
  const lookUp = useCallback(async (all) => {
    const own = await loadOwnAddresses(api);
    const wanted = addresses.filter((a) => !own.has(a));
    const rows = [];
    for (const { collection, field } of matchableCollections(all)) {
      if (!wanted.length) break;
      try {
        const answer = await api.request({
          url: `${collection.name}:list`,
          method: 'get',
          params: { filter: JSON.stringify({ [field]: { $in: wanted } }), pageSize: PER_COLLECTION },
          skipNotify: true,
        });
        for (const record of answer.data.data || []) rows.push({ collection, record });
      } catch {
        // A collection the user may not read lists nothing.
      }
    }
    setFound(rows);
  }, [api, addresses]);
  useEffect(() => {
    let live = true;
    loadCollections(api).then((all) => {
      if (!live) return;
      setCollections(userCollections(all));
      lookUp(all.filter((c) => !c.hidden));
    }, () => {});
    return () => { live = false; };
  }, [api, lookUp]);
  const key = (row) => `${row.collection.name}:${row.record[row.collection.filterTargetKey || 'id']}`;
  return (
    <Space wrap size={4} style={{ marginBottom: 12 }} data-testid="mail-records">
      <Typography.Text type="secondary">{t('Records')}:</Typography.Text>
      {found.length === 0 && <Typography.Text type="secondary">{t('none with these addresses')}</Typography.Text>}
      {found.map((row) => (
        <Tag key={key(row)} color="blue" style={{ cursor: 'pointer' }} onClick={() => setOpened(row)} data-testid="mail-record">
          {shownTitle(t, row.collection.title, row.collection.name)} · {recordTitle(row.collection, row.record)}
        </Tag>
      ))}
      <Button size="small" onClick={() => setCreating(true)} data-testid="mail-record-create">{t('Create record from this mail')}</Button>
      <RecordDrawer open={Boolean(opened)} onClose={() => setOpened(null)} collection={opened && opened.collection} record={opened && opened.record} />
      <CreateRecordDialog open={creating} onClose={() => setCreating(false)} collections={collections} mail={mail}
        onCreated={() => lookUp(collections)} />
    </Space>
  );
}

