// The labels of one mailbox (`mailLabels:list`), reloaded on demand, and the palette a
// label may be given (the colours both Gmail and Outlook show; the service refuses others).
import { message } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { errorText, filterParam, useMailApi } from '../api';

export const PALETTE = ['#fb4c2f', '#ffad47', '#a46a21', '#fad165', '#16a766', '#2a9c68', '#aa8831',
  '#4a86e8', '#a479e2', '#b65775', '#999999', '#434343', '#000000'];

export function useLabels(accountId) {
  const mail = useMailApi();
  const [labels, setLabels] = useState([]);
  const reload = useCallback(() => {
    if (!accountId) {
      setLabels([]);
      return;
    }
    mail.call('mailLabels:list', { params: { filter: filterParam({ accountId }), pageSize: 200 } })
      .then((answer) => setLabels(answer.data || []), (error) => message.error(errorText(error)));
  }, [mail, accountId]);
  useEffect(reload, [reload]);
  return { labels, reload };
}
