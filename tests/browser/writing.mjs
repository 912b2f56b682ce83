// Writing mail in the plugin, in a real NocoBase and a real browser (called by
// plugin_flow.mjs once the Gmail mailbox is connected, with an "Acme Sales" alias set at
// the emulator before it was): a designed signature saved as HTML; a template written
// with the variable picker; a new message with formatting, a pasted image and the
// signature, which saves itself as a Gmail draft at the emulator, survives a reload,
// reopens from Drafts and is sent; a draft written "in Gmail" (at the emulator) edited
// and sent from NocoBase; a reply from the alias the original was sent to; and a
// template picked before the To, filled for the recipient once it is typed. Each MIME
// the emulator received is read back: HTML, the generated text part, the signature, the
// inline image by cid:, the From, an answer's threading headers.
import { assert, check } from '../harness/checks.mjs';

const ALIAS = 'sales@acme.test';
// A 1×1 PNG, as a screenshot tool would put on the clipboard.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** The parts of a MIME message a check reads: headers, and each leaf part's type and decoded text. */
export function parts(mime) {
  const decode = (body, encoding) => {
    if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (/quoted-printable/i.test(encoding)) {
      return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    }
    return body;
  };
  const leaves = [];
  const walk = (text) => {
    const split = text.indexOf('\r\n\r\n');
    const head = split < 0 ? text : text.slice(0, split);
    const body = split < 0 ? '' : text.slice(split + 4);
    const type = (/^Content-Type:\s*([^;\r\n]+)/mi.exec(head) || [, 'text/plain'])[1].trim().toLowerCase();
    const boundary = /boundary="?([^";\r\n]+)"?/i.exec(head);
    if (type.startsWith('multipart/') && boundary) {
      for (const piece of body.split(`--${boundary[1]}`).slice(1)) {
        if (piece.startsWith('--')) break;
        walk(piece.replace(/^\r\n/, ''));
      }
      return;
    }
    const encoding = (/^Content-Transfer-Encoding:\s*(\S+)/mi.exec(head) || [, ''])[1];
    leaves.push({ type, head, text: type.startsWith('text/') ? decode(body, encoding) : '' });
  };
  walk(mime);
  return { head: mime.slice(0, mime.indexOf('\r\n\r\n')), leaves };
}

export async function writingChecks({ page, nocobase, emulator, mailbox, rootToken, through, shot }) {
  const editor = () => page.getByTestId('compose-editor').locator('.ql-editor');
  const sentMime = async (subject) => {
    const sent = await emulator.control(`/users/${mailbox}/sent`);
    return sent.map((s) => Buffer.from(s.raw, 'base64').toString('utf8')).filter((m) => m.includes(subject));
  };
  const gmailDraft = async (subject) => (await emulator.control(`/users/${mailbox}/messages`))
    .find((m) => m.subject === subject && m.draftId);
  const openMailTab = async () => {
    await page.goto(`${nocobase.url}/admin/email-manager?tab=mail`);
    await page.getByTestId('message-row').first().waitFor({ timeout: 30000 });
  };
  const openDrafts = async () => {
    await page.locator('.ant-menu-item').filter({ hasText: /^Drafts/ }).first().click();
    await page.getByTestId('drafts-list').waitFor({ timeout: 15000 });
  };
  // What went wrong in the page, for a failure's message.
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (entry) => { if (entry.type() === 'error') pageErrors.push(entry.text()); });
  // "Sent", or what the page said instead.
  const waitSent = async () => {
    const seen = new Set();
    for (const until = Date.now() + 30000; Date.now() < until; await page.waitForTimeout(150)) {
      const said = await page.locator('.ant-message-notice-content, [data-testid="compose-draft-status"], .ant-form-item-explain-error').allTextContents();
      if (said.some((text) => text.trim() === 'Sent')) return;
      said.forEach((text) => seen.add(text));
    }
    throw new Error(`no "Sent"; the page said: ${[...seen].join(' | ')}; errors: ${pageErrors.slice(-6).join(' | ')}`);
  };
  const settled = () => page.waitForFunction(() => !document.querySelector('.ant-zoom-appear, .ant-zoom-enter, .ant-fade-appear, .ant-fade-enter'));

  await check('writing: a designed signature (a table) is saved as HTML on the Signatures tab', async () => {
    await page.goto(`${nocobase.url}/admin/email-manager?tab=signatures`);
    await page.getByTestId('signature-new').click();
    await page.getByTestId('signature-name').fill('Work');
    await page.getByTestId('signature-as-html').click();
    await page.getByTestId('signature-html').fill('<table><tr><td><b>Eve Example</b></td><td>Acme Corp · +1 555 0100</td></tr></table>');
    await page.getByTestId('signature-save').click();
    await page.getByTestId('signature-row').filter({ hasText: 'Eve Example' }).waitFor({ timeout: 15000 });
    await shot(page, 'w1-signatures');
    const listed = await through(nocobase, 'mailSignatures:list', rootToken);
    assert(listed.body.data.length === 1 && listed.body.data[0].isDefault && listed.body.data[0].html.includes('<table>'), JSON.stringify(listed.body));
  });

  await check('writing: a template is written with the variable picker on the Templates tab', async () => {
    await page.getByRole('tab', { name: 'Templates' }).click();
    await page.getByTestId('template-new').click();
    await page.getByTestId('template-name').fill('Offer');
    await page.getByTestId('template-subject').fill('Offer for {{$nRecord.name}}');
    await page.getByTestId('compose-editor').locator('.ql-editor').click();
    await page.getByTestId('compose-editor').locator('.ql-editor').pressSequentially('Dear ');
    await page.getByTestId('variable-record-field').fill('name');
    await page.getByTestId('variable-record-insert').click();
    await page.getByTestId('compose-editor').locator('.ql-editor').press('End');
    await page.getByTestId('compose-editor').locator('.ql-editor').pressSequentially(', here is our offer.');
    await settled();
    await shot(page, 'w2-template');
    await page.getByTestId('template-save').click();
    await page.getByTestId('template-row').filter({ hasText: 'Offer' }).waitFor({ timeout: 15000 });
    const listed = await through(nocobase, 'mailTemplates:list', rootToken);
    const offer = listed.body.data.find((tpl) => tpl.name === 'Offer');
    assert(offer && offer.html.includes('Dear {{$nRecord.name}}, here is our offer.'), JSON.stringify(listed.body.data));
  });

  const subject = `Quarterly plan ${Date.now()}`;
  await check('writing: a new message with formatting, a pasted image and the signature saves itself as a Gmail draft', async () => {
    await openMailTab();
    await page.getByRole('button', { name: 'Compose' }).click();
    await page.getByTestId('compose-form').waitFor();
    const from = await page.getByTestId('compose-from').textContent();
    assert(from.includes(mailbox), `From shows ${from}`);
    await page.getByTestId('compose-to').locator('input').fill('partner@globex.test');
    await page.getByTestId('compose-to').locator('input').press('Enter');
    await page.getByTestId('compose-subject').fill(subject);
    await editor().click();
    await editor().pressSequentially('Here is the ');
    await page.keyboard.press('Control+b');
    await editor().pressSequentially('plan');
    await page.keyboard.press('Control+b');
    await editor().pressSequentially(':');
    await editor().press('Enter');
    // A screenshot pasted from the clipboard.
    await editor().evaluate((node, png) => {
      const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'chart.png', { type: 'image/png' }));
      node.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, PNG);
    await editor().locator('img[src^="data:image/png"]').waitFor({ timeout: 10000 });
    await page.getByTestId('compose-signature-preview').getByText('Eve Example').waitFor({ timeout: 10000 });
    // Autosave: within a few seconds, with no button pressed.
    await page.getByTestId('compose-draft-status').getByText(/Draft saved/).waitFor({ timeout: 20000 });
    await settled();
    await shot(page, 'w3-compose');
    const draft = await gmailDraft(subject);
    assert(draft, 'no Gmail draft with that subject at the emulator');
  });

  await check('writing: the draft survives a reload, reopens from Drafts and is sent with everything in its MIME', async () => {
    await openMailTab();
    await openDrafts();
    const row = page.getByTestId('draft-row').filter({ hasText: subject });
    await row.waitFor({ timeout: 15000 });
    await shot(page, 'w4-drafts');
    await row.click();
    await page.getByTestId('compose-form').waitFor();
    await editor().locator('strong', { hasText: 'plan' }).waitFor({ timeout: 15000 });
    await editor().locator('img').first().waitFor({ timeout: 5000 });
    await page.getByTestId('compose-send').click();
    await waitSent();
    const mine = await sentMime(subject);
    assert(mine.length === 1, `${mine.length} sent with that subject`);
    const { head, leaves } = parts(mine[0]);
    assert(new RegExp(`^From: .*${mailbox.replace('.', '\\.')}`, 'mi').test(head), `From: ${head}`);
    assert(/multipart\/alternative/i.test(mine[0]) && /multipart\/related/i.test(mine[0]), 'not alternative inside related');
    const html = leaves.find((l) => l.type === 'text/html');
    const text = leaves.find((l) => l.type === 'text/plain');
    const image = leaves.find((l) => l.type === 'image/png');
    assert(html && /<strong>plan<\/strong>/.test(html.text), `the bold word: ${html && html.text.slice(0, 300)}`);
    assert(html.text.includes('<table>') && html.text.includes('Eve Example'), `the signature, as saved, in the HTML: ${html.text.slice(0, 600)}`);
    assert(text && text.text.includes('Here is the plan') && text.text.includes('Eve Example'), `the text part: ${text && text.text}`);
    const cid = image && /^Content-ID:\s*<([^>]+)>/mi.exec(image.head);
    assert(cid && html.text.includes(`cid:${cid[1]}`), 'the pasted image is not an inline part the HTML names by cid:');
    assert(!(await gmailDraft(subject)), 'the draft is still a draft after sending');
  });

  const written = `Written in Gmail ${Date.now()}`;
  await check('writing: a draft written in Gmail appears in Drafts, is edited and sent from NocoBase', async () => {
    await emulator.control(`/users/${mailbox}/deliver`, { draft: true, raw: Buffer.from(`From: ${mailbox}\r\nTo: amy@example.test\r\nSubject: ${written}\r\nMessage-ID: <gm-${Date.now()}@gmail.test>\r\nContent-Type: text/html\r\n\r\n<p>Started on my phone.</p>\r\n`).toString('base64') });
    await openMailTab();
    await openDrafts();
    await page.getByTestId('draft-row').filter({ hasText: written }).click();
    await editor().getByText('Started on my phone.').waitFor({ timeout: 15000 });
    await editor().press('Control+End');
    await editor().pressSequentially(' Finished in NocoBase.');
    await page.getByTestId('compose-send').click();
    await waitSent();
    const mine = await sentMime(written);
    assert(mine.length === 1, `${mine.length} sent`);
    const { leaves } = parts(mine[0]);
    const html = leaves.find((l) => l.type === 'text/html');
    assert(html && html.text.includes('Started on my phone.') && html.text.includes('Finished in NocoBase.'), html && html.text);
  });

  await check('writing: a reply to mail sent to the alias leaves from the alias', async () => {
    const asked = `Pricing for sales ${Date.now()}`;
    await emulator.control(`/users/${mailbox}/deliver`, { raw: Buffer.from(`From: Carl <carl@globex.test>\r\nTo: ${ALIAS}\r\nSubject: ${asked}\r\nMessage-ID: <s-${Date.now()}@globex.test>\r\nContent-Type: text/plain\r\n\r\nHow much?\r\n`).toString('base64') });
    const accounts = await through(nocobase, 'mailAccounts:list', rootToken);
    const account = accounts.body.data.find((a) => a.email === mailbox);
    assert(account.identities.some((i) => i.address === ALIAS), `identities: ${JSON.stringify(account.identities)}`);
    await through(nocobase, `mailAccounts:sync?filterByTk=${account.id}`, rootToken, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const bySubject = `mailMessages:list?filter=${encodeURIComponent(JSON.stringify({ subject: { $eq: asked } }))}`;
    for (const until = Date.now() + 30000; (await through(nocobase, bySubject, rootToken)).body.meta.count !== 1;) {
      if (Date.now() > until) throw new Error('not synced');
      await new Promise((r) => setTimeout(r, 300));
    }
    await openMailTab();
    await page.getByTestId('message-row').filter({ hasText: asked }).first().click();
    await page.getByTestId('reply').click();
    await page.getByTestId('compose-from').getByText(`Acme Sales <${ALIAS}>`).waitFor({ timeout: 15000 });
    await editor().click();
    await editor().pressSequentially('100 EUR a seat.');
    await settled();
    await shot(page, 'w5-reply-alias');
    await page.getByTestId('compose-send').click();
    await waitSent();
    const mine = await sentMime(`Re: ${asked}`);
    assert(mine.length === 1, `${mine.length} sent`);
    const { head, leaves } = parts(mine[0]);
    assert(/^From: "?Acme Sales"? <sales@acme\.test>/mi.test(head), `From: ${head}`);
    assert(/^In-Reply-To: <s-\d+@globex\.test>/mi.test(head) && /^References: .*<s-\d+@globex\.test>/mi.test(head), `threading headers: ${head}`);
    const html = leaves.find((l) => l.type === 'text/html');
    const at = (needle) => html.text.indexOf(needle);
    assert(at('100 EUR') >= 0 && at('How much?') > at('100 EUR'), 'the answer above the quote');
    assert(at('Eve Example') > at('How much?'), 'the signature below the quote (its placement)');
  });

  await check('writing: a template picked before the To is typed is filled for the recipient when the To comes', async () => {
    const created = await through(nocobase, 'mailTemplates:create', rootToken, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Welcome', subject: 'Welcome, {{$recipient.name}}', html: '<p>Hello {{$recipient.name}}, glad to meet you.</p>' }),
    });
    assert(created.status === 200, JSON.stringify(created.body));
    await openMailTab();
    await page.getByRole('button', { name: 'Compose' }).click();
    await page.getByTestId('compose-form').waitFor();
    await page.getByTestId('compose-template').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'Welcome' }).first().click();
    await page.getByTestId('compose-missing').getByText('$recipient.name').waitFor({ timeout: 15000 });
    // Only an address is typed: the name is the one Carl's mail (the reply above) carried.
    await page.getByTestId('compose-to').locator('input').fill('carl@globex.test');
    await page.getByTestId('compose-to').locator('input').press('Enter');
    await editor().getByText('Hello Carl, glad to meet you.').waitFor({ timeout: 15000 });
    await page.getByTestId('compose-missing').waitFor({ state: 'detached', timeout: 10000 });
    const subject = await page.getByTestId('compose-subject').inputValue();
    assert(subject === 'Welcome, Carl', `subject: ${subject}`);
    await page.getByTestId('compose-send').click();
    await waitSent();
    assert((await sentMime('Welcome, Carl')).length === 1, 'sent as filled');
  });
}
