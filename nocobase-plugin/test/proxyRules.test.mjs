// What NocoBase's proxy forwards: `node --test nocobase-plugin/test`.
import assert from 'node:assert/strict';
import test from 'node:test';
import rules from '../src/server/proxyRules.js';

const { forwardableAction, requestHeaders, answerCookies } = rules;

test('only mail<Resource>:<action> is forwarded (path traversal to /metrics is not)', () => {
  assert.equal(forwardableAction('/api/mailMessages:list', '/api/'), 'mailMessages:list');
  assert.equal(forwardableAction('/api/mailOAuth:callback', '/api/'), 'mailOAuth:callback');
  for (const path of ['/api/mailX/../../metrics', '/api/mailMessages:list/x', '/api/mailMessages',
    '/api/mailMessages:li%73t', '/api/mail:list', '/api/mailMessages:list:x', '/api/users:list', '/apimailA:b']) {
    assert.equal(forwardableAction(path, '/api/'), null, path);
  }
});

test('hop-by-hop headers and those Connection names are dropped; NocoBase cookies stay home', () => {
  const sent = requestHeaders({
    authorization: 'Bearer t', connection: 'keep-alive, X-Secret-Hop', 'x-secret-hop': '1', 'keep-alive': '5',
    'transfer-encoding': 'chunked', host: 'nocobase', 'proxy-authorization': 'Basic x', 'x-role': 'admin',
    cookie: 'nb_auth_token_main=secret; em_connect_AbC=v1',
  }, 'mailMessages:list');
  assert.deepEqual(sent, { authorization: 'Bearer t', 'x-role': 'admin' });
});

test('the callback gets the binding cookie and nothing else of the jar', () => {
  const sent = requestHeaders({ cookie: 'nb_auth_token_main=secret; em_connect_AbC=v1; em_connect_x-y=v2' }, 'mailOAuth:callback');
  assert.equal(sent.cookie, 'em_connect_AbC=v1; em_connect_x-y=v2');
  assert.equal(requestHeaders({ cookie: 'nb_auth_token_main=secret' }, 'mailOAuth:callback').cookie, undefined);
});

test('answers set binding cookies only, and only from the connect actions', () => {
  const cookies = ['em_connect_Q1=v; Path=/api/mailOAuth:callback; HttpOnly; SameSite=Lax', 'nb_auth_token_main=x'];
  assert.deepEqual(answerCookies('mailAccounts:authorize', cookies), [cookies[0]]);
  assert.deepEqual(answerCookies('mailOAuth:callback', cookies), [cookies[0]]);
  assert.deepEqual(answerCookies('mailMessages:list', cookies), []);
});
