// Above the list: select the page's rows (then "all N that match"), and act on them at
// once: read, unread, star, unstar, move, delete. The work goes in batches with a progress
// bar; at the end, how many changed and what the provider refused, grouped by reason.
import { DeleteOutlined } from '@ant-design/icons';
import { Alert, Button, Checkbox, Popconfirm, Progress, Select, Space, Typography, message } from 'antd';
import React, { useState } from 'react';
import { errorText, useMailApi } from '../api';
import { useT } from '../locale';
import { applyInBatches, collectIds, failureSummary } from './bulk.mjs';
import { folderName } from './folderName';

/** The most messages one "all that match" action takes (the rest stay for a second run). */
export const ALL_LIMIT = 20000;

/**
 * `rows`: the page; `selected`: the selected rows' ids; `allMatching`: the whole result is
 * selected; `total`: how many rows the list matches; `listAction`/`listParams`: the list's
 * own request, to collect every matching id; `folders`: the mailbox's, for Move;
 * `onDone(values)` when a run ended (`values` null for a delete).
 */
export function BulkBar({ rows, selected, setSelected, allMatching, setAllMatching, total, listAction, listParams, folders, labels = [], conversations, onDone }) {
  const t = useT();
  const mail = useMailApi();
  const [progress, setProgress] = useState(null);
  const [result, setResult] = useState(null);
  const onPage = rows.filter((r) => selected.has(r.id));
  const allOnPage = rows.length > 0 && onPage.length === rows.length;
  const busy = progress !== null;
  const ownLabels = labels.filter((l) => l.kind === 'user');

  const selectPage = (checked) => {
    setSelected(checked ? new Set(rows.map((r) => r.id)) : new Set());
    setAllMatching(false);
  };
  const run = async (values) => {
    setResult(null);
    try {
      let ids;
      if (allMatching) {
        setProgress({ phase: 'collect', done: 0, total });
        ids = await collectIds(mail.call, listAction, listParams, ALL_LIMIT, (n) => setProgress({ phase: 'collect', done: n, total }));
      } else {
        ids = onPage.flatMap((r) => r.messageIds || [r.id]);
      }
      setProgress({ phase: 'apply', done: 0, total: ids.length, failed: 0 });
      const outcome = await applyInBatches(mail.call, ids, values, (p) => setProgress({ phase: 'apply', ...p }));
      setResult({ total: outcome.total, failed: outcome.failed.length, reasons: failureSummary(outcome.failed) });
      setSelected(new Set());
      setAllMatching(false);
    } catch (error) {
      message.error(errorText(error));
    } finally {
      setProgress(null);
      onDone(values);
    }
  };

  const count = allMatching ? total : onPage.length;
  const percent = progress && progress.total ? Math.floor((progress.done * 100) / progress.total) : 0;
  return (
    <div style={{ marginBottom: 8 }} data-testid="bulk-bar">
      <Space wrap size={4}>
        <Checkbox checked={allOnPage} indeterminate={onPage.length > 0 && !allOnPage} disabled={busy || !rows.length}
          onChange={(event) => selectPage(event.target.checked)} data-testid="select-page" aria-label={t('Select all on this page')} />
        {count > 0 && <>
          <Typography.Text data-testid="bulk-count">
            {allMatching
              ? t('All {{count}} that match are selected', { count: total.toLocaleString() })
              : conversations ? t('{{count}} conversations selected', { count }) : t('{{count}} selected', { count })}
          </Typography.Text>
          {allOnPage && !allMatching && total > rows.length && (
            <Button type="link" size="small" onClick={() => setAllMatching(true)} data-testid="select-all-matching">
              {t('Select all {{count}} that match', { count: total.toLocaleString() })}
            </Button>
          )}
        </>}
      </Space>
      {count > 0 && (
        <Space wrap size={4} style={{ display: 'flex', marginTop: 4 }}>
          <Button size="small" disabled={busy} onClick={() => run({ isRead: true })} data-testid="bulk-read">{t('Mark read')}</Button>
          <Button size="small" disabled={busy} onClick={() => run({ isRead: false })} data-testid="bulk-unread">{t('Mark unread')}</Button>
          <Button size="small" disabled={busy} onClick={() => run({ isStarred: true })} data-testid="bulk-star">{t('Star')}</Button>
          <Button size="small" disabled={busy} onClick={() => run({ isStarred: false })}>{t('Unstar')}</Button>
          <Select size="small" placeholder={t('Move to…')} style={{ width: 130 }} value={null} disabled={busy} data-testid="bulk-move"
            options={folders.filter((f) => !['drafts', 'sent', 'starred', 'important'].includes(f.role)).map((f) => ({ value: f.id, label: folderName(t, f) }))}
            onChange={(folderId) => run({ folderId })} />
          {ownLabels.length > 0 && (
            <Select size="small" placeholder={t('Label…')} style={{ width: 150 }} value={null} disabled={busy} data-testid="bulk-label"
              options={[
                { label: t('Put on'), options: ownLabels.map((l) => ({ value: `add:${l.id}`, label: l.name })) },
                { label: t('Take off'), options: ownLabels.map((l) => ({ value: `remove:${l.id}`, label: l.name })) },
              ]}
              onChange={(choice) => {
                const [how, id] = choice.split(':');
                run(how === 'add' ? { addLabelIds: [Number(id)] } : { removeLabelIds: [Number(id)] });
              }} />
          )}
          <Popconfirm title={t('Move {{count}} to the trash?', { count: count.toLocaleString() })} onConfirm={() => run(null)} okText={t('Delete')} cancelText={t('Cancel')}>
            <Button size="small" danger disabled={busy} icon={<DeleteOutlined />} data-testid="bulk-delete">{t('Delete')}</Button>
          </Popconfirm>
        </Space>
      )}
      {progress && (
        <div data-testid="bulk-progress">
          <Progress size="small" percent={progress.phase === 'collect' ? 0 : percent} status="active" />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {progress.phase === 'collect'
              ? t('Finding the messages: {{done}} so far', { done: progress.done.toLocaleString() })
              : t('{{done}} of {{total}} messages', { done: progress.done.toLocaleString(), total: progress.total.toLocaleString() })}
          </Typography.Text>
        </div>
      )}
      {result && (
        <Alert style={{ marginTop: 4 }} closable onClose={() => setResult(null)} data-testid="bulk-result"
          type={result.failed ? 'warning' : 'success'} showIcon
          message={result.failed
            ? t('{{changed}} of {{total}} messages changed; {{failed}} could not be changed:', { changed: (result.total - result.failed).toLocaleString(), total: result.total.toLocaleString(), failed: result.failed.toLocaleString() })
            : t('{{total}} messages changed.', { total: result.total.toLocaleString() })}
          description={result.reasons.length > 0 && result.reasons.map((r) => <div key={`${r.code}${r.message}`}>{r.message} ({r.count.toLocaleString()})</div>)} />
      )}
    </div>
  );
}
