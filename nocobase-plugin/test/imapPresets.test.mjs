import assert from 'node:assert/strict';
import test from 'node:test';
import { connectValues, defaultPort, domainOf, presetFor } from '../src/client/accounts/imapPresets.mjs';

test('a known provider fills in its documented servers', () => {
  const fastmail = presetFor(' Ann@FastMail.com ');
  assert.equal(fastmail.name, 'Fastmail');
  assert.deepEqual(fastmail.imap, { host: 'imap.fastmail.com', port: 993, tls: 'implicit' });
  assert.deepEqual(fastmail.smtp, { host: 'smtp.fastmail.com', port: 465, tls: 'implicit' });
  assert.equal(fastmail.guess, false);
  assert.equal(presetFor('bob@me.com').smtp.tls, 'starttls');
  assert.equal(presetFor('eva@gmx.de').smtp.host, 'mail.gmx.net');
  assert.equal(presetFor('eva@gmx.com').imap.host, 'imap.gmx.com');
  assert.equal(presetFor('zoe@zohomail.eu').imap.host, 'imap.zoho.eu');
});

test('an unknown domain gets the usual names, marked as a guess', () => {
  const guess = presetFor('sales@acme-widgets.example');
  assert.equal(guess.guess, true);
  assert.equal(guess.imap.host, 'imap.acme-widgets.example');
  assert.equal(guess.smtp.port, 587);
});

test('Gmail and Outlook addresses are sent to their sign-in instead', () => {
  assert.deepEqual(presetFor('me@gmail.com'), { oauth: 'google' });
  assert.deepEqual(presetFor('me@hotmail.com'), { oauth: 'microsoft' });
});

test('no preset before there is a domain', () => {
  assert.equal(presetFor('ann'), null);
  assert.equal(presetFor('ann@'), null);
  assert.equal(domainOf('@x.com'), '');
});

test('the form becomes the values the service takes', () => {
  const values = connectValues({
    email: ' ann@acme.example ', password: 'p w', username: '',
    imapHost: ' imap.acme.example ', imapPort: '', imapTls: 'starttls',
    smtpHost: 'smtp.acme.example', smtpPort: '2525', smtpTls: 'starttls',
  });
  assert.deepEqual(values, {
    provider: 'imap',
    email: 'ann@acme.example',
    imap: { host: 'imap.acme.example', port: 143, tls: 'starttls' },
    smtp: { host: 'smtp.acme.example', port: 2525, tls: 'starttls' },
    password: 'p w',
  });
  assert.equal(connectValues({ username: ' ann ' }).username, 'ann');
  assert.equal(defaultPort('smtp', 'implicit'), 465);
});
