// The list behind the Signatures and Templates tabs: one of the user's resources, read
// again after a change, and a delete that asks first.
import { Modal, message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorText, useMailApi } from '../api';

/** `resource`: mailSignatures or mailTemplates; `confirmText`: the delete's question. */
export function useOwnList(resource, confirmText) {
  const mail = useMailApi();
  const [rows, setRows] = useState([]);
  const load = useCallback(() => mail.call(`${resource}:list`, { params: { pageSize: 200 } })
    .then((answer) => setRows(answer.data), (error) => message.error(errorText(error))), [mail, resource]);
  useEffect(() => { load(); }, [load]);
  const remove = (row) => Modal.confirm({
    title: confirmText,
    onOk: () => mail.call(`${resource}:destroy`, { params: { filterByTk: row.id }, values: {} }).then(load, (error) => message.error(errorText(error))),
  });
  return { rows, load, remove };
}
