// What a page shows when the email service does not answer: in words a user understands,
// with a way to try again (the administrator's details are in NocoBase's log).
import { Button, Result } from 'antd';
import React from 'react';
import { useT } from './locale';

export function ServiceDown({ onRetry }) {
  const t = useT();
  // antd's Result passes no data-* attribute on: the wrapper carries the test id.
  return (
    <div data-testid="service-down">
      <Result status="warning"
        title={t('The email service is unavailable')}
        subTitle={t('Your mail cannot be shown right now. Try again in a few minutes; if it stays like this, tell your administrator.')}
        extra={onRetry && <Button onClick={onRetry}>{t('Try again')}</Button>} />
    </div>
  );
}
