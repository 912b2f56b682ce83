// One page of `mailMessages:list` (or, with `action`, `mailThreads:list`) for a filter,
// reloaded when the filter, the search words or the page change. Shared by the mail page
// and the "Emails" record block.
import { message } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText, filterParam, useMailApi } from '../api';

const EMPTY = { data: [], meta: { count: 0 } };

/** `filter`: a NocoBase filter, or null for "nothing to list yet". */
export function useMessageList({ filter, query, page, pageSize, action = 'mailMessages:list' }) {
  const mail = useMailApi();
  const [list, setList] = useState(EMPTY);
  const [loading, setLoading] = useState(false);
  const key = filter ? filterParam(filter) : null;
  // Only the newest request's answer is shown (a switch between messages and
  // conversations must not let a slower, older answer land last).
  const latest = useRef(0);
  const reload = useCallback(() => {
    const asked = ++latest.current;
    if (!key) {
      setList(EMPTY);
      return;
    }
    setLoading(true);
    mail.call(action, { params: { filter: key, sort: '-date', page, pageSize, ...(query ? { q: query } : {}) } })
      .then((answer) => { if (asked === latest.current) setList(answer); }, (error) => message.error(errorText(error)))
      .finally(() => { if (asked === latest.current) setLoading(false); });
  }, [mail, key, query, page, pageSize, action]);
  useEffect(reload, [reload]);
  return { list, loading, reload };
}
