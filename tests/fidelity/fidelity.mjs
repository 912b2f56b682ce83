// Fidelity check: Google's and Microsoft's official clients, pointed at the provider
// emulator, must parse every answer. Run by .ci/run:
//   EMULATOR_BIN=target/debug/provider-emulator node tests/fidelity/fidelity.mjs
// Prints one line per check and a closing "N passed, N failed" line; exits 1 on failure.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { google } from 'googleapis';
import { Client, HTTPMessageHandler, RetryHandler, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { assert, check as checkWith, summary } from '../harness/checks.mjs';

const bin = process.env.EMULATOR_BIN;
if (!bin) {
  console.error('set EMULATOR_BIN to the provider-emulator binary');
  process.exit(2);
}

const emulator = spawn(bin, ['--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  let text = '';
  emulator.stdout.on('data', (chunk) => {
    text += chunk;
    const match = text.match(/listening on (http:\/\/\S+)/);
    if (match) resolve(match[1]);
  });
  emulator.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  setTimeout(() => reject(new Error('emulator did not start in 20 s')), 20000);
});

/** What an official client's error carries: the HTTP answer it got. */
function describe(error) {
  const detail = error && error.response
    ? ` (HTTP ${error.response.status} ${error.config && error.config.url}: ${JSON.stringify(error.response.data).slice(0, 300)})`
    : ` (${JSON.stringify({ status: error?.status, statusCode: error?.statusCode, code: error?.code, body: String(error?.body ?? '').slice(0, 200) })})`;
  return `${error && error.message}${detail} ${error && error.stack ? error.stack.split('\n').slice(1, 3).join(' | ') : ''}`;
}
const check = (name, body) => checkWith(name, body, describe);
async function control(path, body) {
  const response = await fetch(`${base}/_emulator${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}),
  });
  return response.json();
}
async function truth(path) {
  return (await fetch(`${base}/_emulator${path}`)).json();
}
/** Answers a consent page as a person would: the form, their address, "Allow". */
async function consent(authorizeUrl, email) {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  assert(page.status === 200 && html.includes('name="email"'), 'consent page with an email field');
  const response = await fetch(authorizeUrl, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, action: 'allow' }),
  });
  assert(response.status === 302, `consent redirects (got ${response.status})`);
  return new URL(response.headers.get('location')).searchParams;
}
function mime(from, to, subject, headers = '') {
  return `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\n${headers}Content-Type: text/plain; charset=utf-8\r\n\r\nHello from the fidelity check.\r\n`;
}

const REDIRECT = 'http://localhost:13100/api/mailOAuth:callback';

// ---------------------------------------------------------------- Google (googleapis)
await control('/clients', { provider: 'google', clientId: 'fid-google', clientSecret: 'fid-secret', redirectUris: [REDIRECT] });
await control('/users', { provider: 'google', email: 'ann@gmail.test', name: 'Ann Example', messages: 40, seed: 5 });
const oauth2 = new google.auth.OAuth2({
  clientId: 'fid-google', clientSecret: 'fid-secret', redirectUri: REDIRECT,
  endpoints: {
    oauth2AuthBaseUrl: `${base}/google/o/oauth2/v2/auth`,
    oauth2TokenUrl: `${base}/google/token`,
    oauth2RevokeUrl: `${base}/google/revoke`,
    tokenInfoUrl: `${base}/google/tokeninfo`,
  },
});
let gmail;
let firstId;
await check('google-auth-library: authorize URL, consent, code exchange with PKCE', async () => {
  const codes = await oauth2.generateCodeVerifierAsync();
  const url = oauth2.generateAuthUrl({
    access_type: 'offline', prompt: 'consent', state: 'fidelity', login_hint: 'ann@gmail.test',
    scope: ['openid', 'email', 'profile', 'https://www.googleapis.com/auth/gmail.modify'],
    code_challenge_method: 'S256', code_challenge: codes.codeChallenge,
  });
  const params = await consent(url, 'ann@gmail.test');
  assert(params.get('state') === 'fidelity', 'state echoed');
  const { tokens } = await oauth2.getToken({ code: params.get('code'), codeVerifier: codes.codeVerifier });
  assert(tokens.access_token && tokens.refresh_token, 'access and refresh tokens');
  oauth2.setCredentials(tokens);
  // googleapis resolves API paths against the host root (see the emulator's aliases).
  gmail = google.gmail({ version: 'v1', auth: oauth2, rootUrl: `${base}/` });
});
await check('gmail.users.getProfile', async () => {
  const { data } = await gmail.users.getProfile({ userId: 'me' });
  assert(data.emailAddress === 'ann@gmail.test' && data.messagesTotal === 40 && typeof data.historyId === 'string', JSON.stringify(data));
});
await check('gmail.users.labels.list', async () => {
  const { data } = await gmail.users.labels.list({ userId: 'me' });
  assert(data.labels.some((l) => l.id === 'INBOX') && data.labels.some((l) => l.type === 'user'), 'system and user labels');
});
await check('gmail.users.messages.list with q, labelIds and paging', async () => {
  const ids = [];
  let pageToken;
  do {
    const { data } = await gmail.users.messages.list({ userId: 'me', maxResults: 15, pageToken, includeSpamTrash: true });
    ids.push(...data.messages.map((m) => m.id));
    pageToken = data.nextPageToken;
  } while (pageToken);
  assert(ids.length === 40, `40 ids, got ${ids.length}`);
  firstId = ids[0];
  const { data } = await gmail.users.messages.list({ userId: 'me', labelIds: ['INBOX'], q: 'is:unread' });
  assert(typeof data.resultSizeEstimate === 'number', 'resultSizeEstimate');
});
await check('gmail.users.messages.get format=full', async () => {
  const { data } = await gmail.users.messages.get({ userId: 'me', id: firstId, format: 'full' });
  assert(data.payload && data.payload.headers.length > 3 && data.payload.mimeType.startsWith('multipart/'), 'a MIME tree');
  assert(typeof data.internalDate === 'string' && typeof data.sizeEstimate === 'number', 'int64 as strings, sizes as numbers');
});
await check('gmail.users.messages.get format=raw and metadata', async () => {
  const { data } = await gmail.users.messages.get({ userId: 'me', id: firstId, format: 'raw' });
  const raw = Buffer.from(data.raw, 'base64url').toString('utf8');
  assert(raw.includes('Message-ID:') && raw.includes('MIME-Version: 1.0'), 'RFC 5322 bytes');
  const meta = await gmail.users.messages.get({ userId: 'me', id: firstId, format: 'metadata', metadataHeaders: ['Subject', 'From'] });
  assert(meta.data.payload.headers.length === 2, 'filtered headers');
});
await check('gmail.users.threads.get', async () => {
  const { data: message } = await gmail.users.messages.get({ userId: 'me', id: firstId, format: 'minimal' });
  const { data } = await gmail.users.threads.get({ userId: 'me', id: message.threadId, format: 'minimal' });
  assert(data.messages.length >= 1, 'messages in the thread');
});
await check('gmail.users.history.list sees delivered mail', async () => {
  const { data: profile } = await gmail.users.getProfile({ userId: 'me' });
  const delivered = await control('/users/ann@gmail.test/deliver', { subject: 'Fidelity news', from: 'Zed <zed@acme.com>' });
  const { data } = await gmail.users.history.list({ userId: 'me', startHistoryId: profile.historyId, historyTypes: ['messageAdded'] });
  assert(data.history.some((h) => h.messagesAdded.some((a) => a.message.id === delivered.id)), 'messageAdded record');
});
await check('gmail.users.messages.send (raw, and media upload)', async () => {
  const raw = Buffer.from(mime('Ann <ann@gmail.test>', 'Zed <zed@acme.com>', 'Raw send')).toString('base64url');
  const { data } = await gmail.users.messages.send({ userId: 'me', requestBody: { raw } });
  assert(data.id && data.labelIds.includes('SENT'), JSON.stringify(data));
  // Upload URLs are built from the per-call rootUrl, not the service's.
  const upload = await gmail.users.messages.send({
    userId: 'me', requestBody: {},
    media: { mimeType: 'message/rfc822', body: mime('Ann <ann@gmail.test>', 'Zed <zed@acme.com>', 'Uploaded send') },
  }, { rootUrl: `${base}/` });
  assert(upload.data.id, 'an id for the upload');
  const sent = await truth('/users/ann@gmail.test/sent');
  assert(sent.length === 2, `two sent, got ${sent.length}`);
});
await check('gmail.users.drafts create, get, list, update, send and delete', async () => {
  const raw = (subject) => Buffer.from(mime('Ann <ann@gmail.test>', 'Zed <zed@acme.com>', subject)).toString('base64url');
  const { data: created } = await gmail.users.drafts.create({ userId: 'me', requestBody: { message: { raw: raw('Draft one') } } });
  assert(created.id && created.message.id && created.message.labelIds.includes('DRAFT'), JSON.stringify(created));
  const { data: got } = await gmail.users.drafts.get({ userId: 'me', id: created.id, format: 'raw' });
  assert(Buffer.from(got.message.raw, 'base64url').toString().includes('Subject: Draft one'), 'the raw draft');
  const { data: updated } = await gmail.users.drafts.update({ userId: 'me', id: created.id, requestBody: { message: { raw: raw('Draft two') } } });
  assert(updated.id === created.id && updated.message.id !== created.message.id, 'same draft, new message');
  const { data: listed } = await gmail.users.drafts.list({ userId: 'me' });
  assert(listed.drafts.length === 1 && listed.drafts[0].id === created.id, JSON.stringify(listed));
  const { data: sent } = await gmail.users.drafts.send({ userId: 'me', requestBody: { id: created.id } });
  assert(sent.labelIds.includes('SENT'), JSON.stringify(sent));
  const { data: other } = await gmail.users.drafts.create({ userId: 'me', requestBody: { message: { raw: raw('Draft three') } } });
  await gmail.users.drafts.delete({ userId: 'me', id: other.id });
  const { data: none } = await gmail.users.drafts.list({ userId: 'me' });
  assert(!none.drafts, JSON.stringify(none));
});
await check('gmail.users.settings.sendAs.list', async () => {
  await control('/users/ann@gmail.test/send-as', { aliases: [{ address: 'sales@acme.test', name: 'Sales' }, { address: 'ceo@acme.test', verified: false }] });
  const { data } = await gmail.users.settings.sendAs.list({ userId: 'me' });
  const emails = data.sendAs.map((s) => `${s.sendAsEmail}:${s.verificationStatus || 'primary'}`);
  assert(emails.join(',') === 'ann@gmail.test:primary,sales@acme.test:accepted,ceo@acme.test:pending', emails.join(','));
});
await check('google-auth-library refreshes an expired access token', async () => {
  oauth2.setCredentials({ ...oauth2.credentials, access_token: 'ya29.expired', expiry_date: Date.now() - 1000 });
  const { data } = await gmail.users.getProfile({ userId: 'me' });
  assert(data.emailAddress === 'ann@gmail.test' && oauth2.credentials.access_token !== 'ya29.expired', 'refreshed');
});
await check('googleapis surfaces Gmail errors with their reason', async () => {
  try {
    await gmail.users.messages.get({ userId: 'me', id: '0000000000000001' });
    throw new Error('expected a 404');
  } catch (error) {
    assert(error.status === 404 || error.code === 404 || error.response?.status === 404, `status ${error.status} code ${error.code} ${error.message}`);
    const reason = (error.errors ?? error.response?.data?.error?.errors)?.[0]?.reason;
    assert(reason === 'notFound', `reason ${reason}`);
  }
});

// --------------------------------------------------- Microsoft (microsoft-graph-client)
await control('/clients', { provider: 'microsoft', clientId: 'fid-ms', clientSecret: 'fid-secret', redirectUris: [REDIRECT] });
await control('/users', { provider: 'microsoft', email: 'bob@contoso.test', name: 'Bob Jones', messages: 30, seed: 6 });
let graph;
await check('Microsoft identity: consent and code redemption', async () => {
  const authorize = new URL(`${base}/microsoft/organizations/oauth2/v2.0/authorize`);
  authorize.search = new URLSearchParams({
    client_id: 'fid-ms', response_type: 'code', redirect_uri: REDIRECT, state: 'ms',
    scope: 'openid email profile offline_access User.Read Mail.ReadWrite Mail.Send',
  }).toString();
  const params = await consent(authorize.toString(), 'bob@contoso.test');
  const response = await fetch(`${base}/microsoft/organizations/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: params.get('code'), client_id: 'fid-ms', client_secret: 'fid-secret', redirect_uri: REDIRECT }),
  });
  const tokens = await response.json();
  assert(tokens.access_token && tokens.refresh_token && tokens.ext_expires_in, JSON.stringify(tokens));
  // The client's own AuthenticationHandler attaches tokens only to https URLs, and the
  // emulator speaks plain http on loopback; so the token goes in by a one-line
  // middleware, chained with the client's real retry and HTTP handlers.
  const bearer = {
    setNext(next) { this.next = next; },
    async execute(context) {
      const headers = context.options.headers;
      if (headers instanceof Headers) headers.set('Authorization', `Bearer ${tokens.access_token}`);
      else context.options.headers = { ...(headers || {}), Authorization: `Bearer ${tokens.access_token}` };
      return this.next.execute(context);
    },
  };
  const retry = new RetryHandler(new RetryHandlerOptions());
  bearer.setNext(retry);
  retry.setNext(new HTTPMessageHandler());
  graph = Client.initWithMiddleware({ baseUrl: `${base}/microsoft`, defaultVersion: 'v1.0', middleware: bearer });
});
await check('graph /me', async () => {
  const me = await graph.api('/me').get();
  assert(me.mail === 'bob@contoso.test' && me.displayName === 'Bob Jones', JSON.stringify(me));
});
await check('graph /me proxyAddresses with $select', async () => {
  await control('/users/bob@contoso.test/send-as', { aliases: [{ address: 'sales@contoso.test' }] });
  const me = await graph.api('/me').select('mail,proxyAddresses').get();
  assert(JSON.stringify(me.proxyAddresses) === JSON.stringify(['SMTP:bob@contoso.test', 'smtp:sales@contoso.test']), JSON.stringify(me));
  const plain = await graph.api('/me').get();
  assert(plain.proxyAddresses === undefined, 'not in the default set');
});
await check('graph mailFolders', async () => {
  const folders = await graph.api('/me/mailFolders').get();
  assert(folders.value.some((f) => f.displayName === 'Inbox'), 'Inbox listed');
  const inbox = await graph.api('/me/mailFolders/inbox').get();
  assert(inbox.totalItemCount > 0, 'counts');
});
let graphIds = [];
// The Graph client treats only https:// URLs as absolute; the emulator's links are
// http:// on loopback, so they are followed as paths below the version, verbatim.
function relative(link) {
  const prefix = `${base}/microsoft/v1.0`;
  assert(link.startsWith(prefix), `link under ${prefix}: ${link}`);
  return link.slice(prefix.length);
}
await check('graph messages with $select/$top, following @odata.nextLink', async () => {
  let page = await graph.api('/me/messages').select('subject,isRead,receivedDateTime').top(7).get();
  graphIds.push(...page.value.map((m) => m.id));
  while (page['@odata.nextLink']) {
    page = await graph.api(relative(page['@odata.nextLink'])).get();
    graphIds.push(...page.value.map((m) => m.id));
  }
  assert(graphIds.length === 30, `30 messages, got ${graphIds.length}`);
  const filtered = await graph.api('/me/mailFolders/inbox/messages').filter('isRead eq false').top(50).get();
  assert(Array.isArray(filtered.value), 'filter answers');
});
await check('graph message get and $value', async () => {
  const message = await graph.api(`/me/messages/${graphIds[0]}`).get();
  assert(message.body && message.from.emailAddress.address, 'body and from');
  const mime = await graph.api(`/me/messages/${graphIds[0]}/$value`).responseType('text').get();
  assert(typeof mime === 'string' && mime.includes('MIME-Version: 1.0'), 'MIME text');
});
await check('graph delta: paging to a deltaLink, then only the changes', async () => {
  let page = await graph.api('/me/mailFolders/inbox/messages/delta')
    .header('Prefer', 'IdType="ImmutableId", odata.maxpagesize=8').select('subject,isRead').get();
  let count = page.value.length;
  while (page['@odata.nextLink']) {
    page = await graph.api(relative(page['@odata.nextLink'])).header('Prefer', 'IdType="ImmutableId", odata.maxpagesize=8').get();
    count += page.value.length;
  }
  assert(page['@odata.deltaLink'] && count > 0, 'a deltaLink after the pages');
  const delivered = await control('/users/bob@contoso.test/deliver', { subject: 'Delta news' });
  const changes = await graph.api(relative(page['@odata.deltaLink'])).header('Prefer', 'IdType="ImmutableId"').get();
  assert(changes.value.some((m) => m.id === delivered.id), 'the new message in the next round');
});
await check('graph delta() with the function parentheses, as the Kiota-built SDKs call it', async () => {
  const page = await graph.api('/me/mailFolders/inbox/messages/delta()')
    .header('Prefer', 'IdType="ImmutableId", odata.maxpagesize=8').select('subject').get();
  const next = page['@odata.nextLink'] || page['@odata.deltaLink'];
  assert(page.value.length > 0 && next && next.includes('/messages/delta()?'), 'pages and links keep delta()');
});
await check('graph PATCH isRead and move', async () => {
  const patched = await graph.api(`/me/messages/${graphIds[0]}`).header('Prefer', 'IdType="ImmutableId"').patch({ isRead: true });
  assert(patched.isRead === true, 'read');
  const moved = await graph.api(`/me/messages/${graphIds[1]}/move`).header('Prefer', 'IdType="ImmutableId"').post({ destinationId: 'archive' });
  assert(moved.id, 'moved message returned');
});
await check('graph sendMail', async () => {
  await graph.api('/me/sendMail').post({
    message: { subject: 'Fidelity send', body: { contentType: 'Text', content: 'Hi' }, toRecipients: [{ emailAddress: { address: 'ann@gmail.test' } }] },
    saveToSentItems: true,
  });
  const sent = await truth('/users/bob@contoso.test/sent');
  assert(sent.length === 1, `one sent, got ${sent.length}`);
});
await check('graph answer drafts: createReply, PATCH, attachments added, listed and deleted, send', async () => {
  const original = await graph.api(`/me/messages/${graphIds[2]}`).select('conversationId,subject').get();
  const draft = await graph.api(`/me/messages/${graphIds[2]}/createReply`).post({});
  assert(draft.isDraft === true && draft.conversationId === original.conversationId, 'a draft in the conversation');
  const patched = await graph.api(`/me/messages/${draft.id}`).patch({
    subject: 'RE: fidelity answer', body: { contentType: 'HTML', content: '<p>Answered</p>' },
    toRecipients: [{ emailAddress: { address: 'ann@gmail.test', name: 'Ann' } }],
    internetMessageId: '<fidelity-answer@contoso.test>',
  });
  assert(patched.subject === 'RE: fidelity answer' && patched.conversationId === original.conversationId, JSON.stringify(patched));
  await graph.api(`/me/messages/${draft.id}/attachments`).post({
    '@odata.type': '#microsoft.graph.fileAttachment', name: 'keep.txt', contentType: 'text/plain', contentBytes: Buffer.from('keep').toString('base64'),
  });
  await graph.api(`/me/messages/${draft.id}/attachments`).post({
    '@odata.type': '#microsoft.graph.fileAttachment', name: 'drop.txt', contentType: 'text/plain', contentBytes: Buffer.from('drop').toString('base64'),
  });
  const listed = await graph.api(`/me/messages/${draft.id}/attachments`).select('id,name').get();
  assert(listed.value.length === 2, JSON.stringify(listed));
  const drop = listed.value.find((a) => a.name === 'drop.txt');
  await graph.api(`/me/messages/${draft.id}/attachments/${drop.id}`).delete();
  const left = await graph.api(`/me/messages/${draft.id}/attachments`).select('id,name').get();
  assert(left.value.map((a) => a.name).join() === 'keep.txt', JSON.stringify(left));
  await graph.api(`/me/messages/${draft.id}/send`).post(null);
  const sent = await truth('/users/bob@contoso.test/sent');
  const raw = Buffer.from(sent[sent.length - 1].raw, 'base64').toString();
  assert(raw.includes('fidelity-answer@contoso.test') && raw.includes('keep.txt') && !raw.includes('drop.txt'), 'sent as patched');
});
await check('graph errors surface as GraphError with the code', async () => {
  try {
    await graph.api('/me/messages/AAMkAGnothere=').get();
    throw new Error('expected a 404');
  } catch (error) {
    assert(error.statusCode === 404 && error.code === 'ErrorItemNotFound', `${error.statusCode} ${error.code}`);
  }
});

emulator.kill('SIGTERM');
await Promise.race([once(emulator, 'exit'), new Promise((r) => setTimeout(r, 3000))]);
process.exit(summary('fidelity'));
