// One page of `mailMessages:list` for a filter, reloaded when the filter, the search words
// or the page change. Shared by the mail page and the "Emails" record block.
import { message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorText, filterParam, useMailApi } from '../api';

const EMPTY = { data: [], meta: { count: 0 } };

/** `filter`: a NocoBase filter, or null for "nothing to list yet". */
export function useMessageList({ filter, query, page, pageSize }) {
  const mail = useMailApi();
  const [list, setList] = useState(EMPTY);
  const [loading, setLoading] = useState(false);
  const key = filter ? filterParam(filter) : null;
  const reload = useCallback(() => {
    if (!key) {
      setList(EMPTY);
      return;
    }
    setLoading(true);
    mail.call('mailMessages:list', { params: { filter: key, sort: '-date', page, pageSize, ...(query ? { q: query } : {}) } })
      .then(setList, (error) => message.error(errorText(error)))
      .finally(() => setLoading(false));
  }, [mail, key, query, page, pageSize]);
  useEffect(reload, [reload]);
  return { list, loading, reload };
}
