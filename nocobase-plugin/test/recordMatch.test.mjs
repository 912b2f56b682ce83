// What the "Emails" block makes of a record's field: `node --test nocobase-plugin/test`.
import assert from 'node:assert/strict';
import test from 'node:test';
import { addressesIn, domainsIn, recordFilter } from '../src/client/record/recordMatch.mjs';

test('addresses: one, several, display forms, case and repeats', () => {
  assert.deepEqual(addressesIn('Ann@Acme.com'), ['ann@acme.com']);
  assert.deepEqual(addressesIn('Ann <ann@acme.com>; bob@acme.com, ann@ACME.com.'), ['ann@acme.com', 'bob@acme.com']);
  assert.deepEqual(addressesIn(['a@x.org', ['b@y.org']]), ['a@x.org', 'b@y.org']);
});

test('addresses: nothing usable gives nothing', () => {
  for (const value of [null, undefined, '', 'no address here', 'ann@localhost', { email: 'a@x.org' }]) {
    assert.deepEqual(addressesIn(value), [], JSON.stringify(value));
  }
});

test('domains: from addresses, web sites and bare domains', () => {
  assert.deepEqual(domainsIn('ann@acme.com'), ['acme.com']);
  assert.deepEqual(domainsIn('https://www.Acme.com/about?x=1'), ['acme.com']);
  assert.deepEqual(domainsIn('acme.co.uk, http://sub.acme.com:8080'), ['acme.co.uk', 'sub.acme.com']);
  assert.deepEqual(domainsIn('Acme Corp'), []);
});

test('the filter: participants.address or .domain, and none for an empty record', () => {
  assert.deepEqual(recordFilter('address', 'ann@acme.com'), { 'participants.address': { $in: ['ann@acme.com'] } });
  assert.deepEqual(recordFilter('domain', 'ann@acme.com'), { 'participants.domain': { $in: ['acme.com'] } });
  assert.equal(recordFilter('address', ''), null);
  assert.equal(recordFilter('domain', null), null);
});

test('a field stuffed with addresses is capped, not sent whole', () => {
  const many = Array.from({ length: 500 }, (_, i) => `p${i}@x.org`).join(',');
  assert.equal(addressesIn(many).length, 50);
});
