// Mail merge (#25) in a real NocoBase 2.2: an admin adds "Mail merge" to the customers
// table the record-block checks built, selects the customers and mails them from a
// template, in headless Chromium; each gets one message filled from their record, the
// one on the organisation's opt-out list and the one without an address are listed as
// skipped; "Email → Mail merge" shows the campaign done. Then a merge to 500 records,
// made through NocoBase's proxy as the plugin makes it, with the sidecar SIGKILLed half
// way and started again on the same database: 500 copies at the emulator, none twice.
// Called by plugin_flow.mjs; `env` carries that run's page, services and helpers.
import { assert, check } from '../harness/checks.mjs';

/** The messages the mailbox handed to Gmail, as MIME text. */
async function sentMime(emulator, mailbox) {
  const sent = await emulator.control(`/users/${mailbox}/sent`);
  return sent.map((s) => Buffer.from(s.raw, 'base64').toString('utf8'));
}

/** How many sent messages have exactly this subject. */
function withSubject(mimes, subject) {
  const line = new RegExp(`^Subject: ${subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r?$`, 'm');
  return mimes.filter((mime) => line.test(mime)).length;
}

/** Hovers the visible one of `locator`'s elements, looked up again on each try (NocoBase
 * swaps elements while a page opens). */
async function hoverVisible(locator, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      await locator.filter({ visible: true }).first().hover({ timeout: 2000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

/** Hovers the table's action menu (`trigger`) and picks "Mail merge", again until the
 * button shows (a click while the block is laid out can be lost); the button. */
async function addMailMerge(page, trigger) {
  const button = page.getByRole('button', { name: 'Mail merge' }).filter({ visible: true }).first();
  for (let attempt = 1; ; attempt += 1) {
    await hoverVisible(trigger);
    try {
      await page.getByRole('menuitem', { name: 'Mail merge' }).filter({ visible: true }).first().click({ timeout: 5000 });
      await button.waitFor({ timeout: 10000 });
      return button;
    } catch (error) {
      if (attempt >= 3) throw error;
      await page.keyboard.press('Escape');
      await page.mouse.move(700, 700);
    }
  }
}

const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export async function mailMergeChecks({ page, nocobase, nb, emulator, mailbox, rootToken, through, shot }) {
  const shooting = (name, body) => async () => {
    try {
      await body();
    } catch (error) {
      await shot(page, `failed-${name}`).catch(() => {});
      throw error;
    }
  };

  await check('mail merge: an admin adds "Mail merge" to the customers table and mails the selected customers once each, skipping the opted out and the unmailable', shooting('mail-merge', async () => {
    // Beside Ann (record_block.mjs): a customer who asked to hear no more, one without an
    // address, and one more to mail.
    for (const customer of [
      { name: 'Cara Southwind', email: 'cara@southwind.test' },
      { name: 'Dan Optout', email: 'dan@optout.test' },
      { name: 'No Mail', email: '' },
    ]) {
      await nb.request({ url: 'customers:create', method: 'post', data: customer });
    }
    const optOut = await through(nocobase, 'mailOptOuts:create', rootToken, json({ entry: 'optout.test', reason: 'Asked by phone' }));
    assert(optOut.status === 200 && optOut.body.data.entry === '@optout.test', `${optOut.status} ${JSON.stringify(optOut.body)}`);

    await page.goto(`${nocobase.url}/admin`);
    const editor = page.getByTestId('ui-editor-button');
    await editor.waitFor({ timeout: 60000 });
    if (!(await page.getByText('Add menu item').isVisible())) await editor.click();
    await page.getByRole('menuitem', { name: 'CRM', exact: true }).click();
    // The table's "Actions" → "Mail merge".
    const mergeButton = await addMailMerge(page, page.getByRole('button', { name: 'Actions' }));
    await page.getByText('Add menu item').isVisible() && await editor.click();
    // Every row of the table: the header's checkbox.
    await page.locator('.ant-table-thead .ant-checkbox-input').filter({ visible: true }).first().check();
    await mergeButton.click();
    const form = page.getByTestId('mail-merge-form');
    await form.waitFor({ timeout: 15000 });
    await page.getByTestId('mail-merge-template').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'Offer' }).first().click();
    // The mailbox (the only one) is chosen; its allowance is shown before anything goes.
    const allowance = page.getByTestId('mail-merge-allowance');
    await allowance.waitFor({ timeout: 15000 });
    const said = await allowance.textContent();
    assert(/recipients a day/.test(said) && /All 4 can go in the next 24 hours/.test(said), `allowance: ${said}`);
    await page.getByTestId('mail-merge-check').click();
    const counts = page.getByTestId('mail-merge-counts');
    await counts.waitFor({ timeout: 30000 });
    assert((await counts.textContent()).includes('2 will get the message; 2 skipped.'), await counts.textContent());
    // The allowance again, for the two that will go.
    await page.getByTestId('mail-merge-allowance').filter({ hasText: 'All 2 can go in the next 24 hours' }).waitFor({ timeout: 15000 });
    const skipped = (await page.getByTestId('mail-merge-skipped').allTextContents()).join(' | ');
    assert(skipped.includes('dan@optout.test') && skipped.includes("organisation's opt-out list") && skipped.includes('no usable address'), skipped);
    await shot(page, '8-mail-merge-check');
    await page.getByTestId('mail-merge-start').click();
    await page.locator('.ant-message').getByText('Mail merge started').waitFor({ timeout: 15000 });

    // Each customer gets their own message, once, filled from their record.
    const deadline = Date.now() + 60000;
    for (;;) {
      const mimes = await sentMime(emulator, mailbox);
      const ann = withSubject(mimes, 'Offer for Ann Northwind');
      const cara = withSubject(mimes, 'Offer for Cara Southwind');
      if (ann >= 1 && cara >= 1) {
        assert(ann === 1 && cara === 1, `Ann ${ann}, Cara ${cara} copies`);
        assert(withSubject(mimes, 'Offer for Dan Optout') === 0, 'the opted-out customer was mailed');
        const caraMime = mimes.find((m) => /^Subject: Offer for Cara Southwind\r?$/m.test(m));
        assert(/^To: .*cara@southwind\.test/mi.test(caraMime), caraMime.slice(0, 400));
        break;
      }
      if (Date.now() > deadline) throw new Error(`after 60 s: Ann ${ann}, Cara ${cara}`);
      await new Promise((r) => setTimeout(r, 500));
    }

    // Email → Mail merge: the campaign, done, and who got what.
    await page.goto(`${nocobase.url}/admin/email-manager?tab=campaigns`);
    const row = page.getByTestId('campaign-row').first();
    await row.waitFor({ timeout: 30000 });
    await page.waitForFunction(() => {
      const first = document.querySelector('[data-testid="campaign-row"]');
      return first && first.getAttribute('data-status') === 'done';
    }, null, { timeout: 30000 });
    const line = await row.getByTestId('campaign-counts').textContent();
    assert(line.includes('2 sent, 0 queued, 0 failed, 2 skipped'), line);
    await row.getByTestId('campaign-open').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="campaign-recipient"]').length === 4, null, { timeout: 15000 });
    await page.getByTestId('opt-out-row').filter({ hasText: 'Everyone at optout.test' }).waitFor({ timeout: 15000 });
    await shot(page, '8-mail-merge-done');
  }));

  await check('mail merge, classic page: "Configure actions → Mail merge" on a classic (v1) table takes its selected rows', shooting('mail-merge-classic', async () => {
    const errors = [];
    const noted = (m) => errors.push(typeof m === 'string' ? m : m.text ? `${m.type()}: ${m.text()}` : String(m));
    page.on('pageerror', (e) => noted(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') noted(m); });
    try {
      await classicMerge();
    } catch (error) {
      throw new Error(`${error.message}; page errors: ${errors.slice(0, 5).join(' || ').slice(0, 1500)}`);
    }
  }));

  async function classicMerge() {
    const campaigns = async () => (await through(nocobase, 'mailCampaigns:list', rootToken)).body.meta.count;
    const before = await campaigns();
    await page.goto(`${nocobase.url}/admin`);
    const editor = page.getByTestId('ui-editor-button');
    await editor.waitFor({ timeout: 60000 });
    if (!(await page.getByText('Add menu item').isVisible())) await editor.click();
    await page.getByRole('menuitem', { name: 'CRM classic' }).click();
    const mergeButton = await addMailMerge(page, page.getByText('Configure actions'));
    await page.keyboard.press('Escape');
    await page.mouse.move(700, 700);
    // Every row, by the header's checkbox (a classic table shows a row's own checkbox
    // only while the row is hovered).
    await page.locator('.ant-table-thead .ant-checkbox-input').filter({ visible: true }).first().check();
    await mergeButton.click();
    await page.getByTestId('mail-merge-form').waitFor({ timeout: 15000 });
    await page.getByRole('radio', { name: 'The 4 selected records' }).waitFor({ timeout: 5000 });
    await page.getByTestId('mail-merge-template').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'Offer' }).first().click();
    await page.getByTestId('mail-merge-check').click();
    const counts = page.getByTestId('mail-merge-counts');
    await counts.waitFor({ timeout: 30000 });
    assert((await counts.textContent()).includes('2 will get the message; 2 skipped.'), await counts.textContent());
    await shot(page, '8-mail-merge-classic');
    // Discarded: the draft goes, nothing is sent.
    await page.getByRole('button', { name: 'Discard' }).click();
    await page.getByTestId('mail-merge-summary').waitFor({ state: 'hidden', timeout: 15000 });
    assert((await campaigns()) === before, 'the discarded draft is still listed');
  }
}

/**
 * 500 records, one merge, the sidecar SIGKILLed half way (`kill()` kills it and returns
 * once it is gone; `restart()` starts it again on the same database and port).
 */
export async function mailMergeKillChecks({ nocobase, nb, emulator, mailbox, rootToken, through, kill, restart, limitPerDay }) {
  await check('mail merge: 500 records paced under the configured limit finish with 500 copies, none twice, after a SIGKILL half way', async () => {
    const RECORDS = 500;
    // NocoBase's answer to a failed request, not only its status.
    const request = (options) => nb.request(options).catch((error) => {
      const body = error.response && error.response.data;
      throw new Error(`${options.url}: ${error.message} ${JSON.stringify(body).slice(0, 400)}`);
    });
    const created = await request({
      url: 'collections:create',
      method: 'post',
      data: {
        name: 'leads',
        title: 'Leads',
        fields: [
          { name: 'name', type: 'string', interface: 'input', uiSchema: { title: 'Name', type: 'string', 'x-component': 'Input' } },
          { name: 'email', type: 'string', interface: 'email', uiSchema: { title: 'Email', type: 'string', 'x-component': 'Input' } },
        ],
      },
    });
    assert(created.status === 200, `collections:create ${created.status}`);
    // One at a time: NocoBase on SQLite answers concurrent writes with SQLITE_BUSY.
    for (let n = 1; n <= RECORDS; n += 1) {
      await request({ url: 'leads:create', method: 'post', data: { name: `Lead ${n}`, email: `lead${n}@prospects.test` } });
    }
    const accounts = await through(nocobase, 'mailAccounts:list', rootToken);
    const account = accounts.body.data.find((a) => a.email === mailbox).id;
    const templates = await through(nocobase, 'mailTemplates:list?pageSize=200', rootToken);
    const offer = templates.body.data.find((t) => t.name === 'Offer').id;
    const before = await through(nocobase, `mailCampaigns:allowance?accountId=${account}`, rootToken);
    assert(before.body.data.perDay === limitPerDay, `the configured limit: ${JSON.stringify(before.body.data)}`);
    const made = await through(nocobase, 'mailCampaigns:create', rootToken, json({
      accountId: account, templateId: offer, source: { collection: 'leads', filter: {}, emailField: 'email' },
    }));
    assert(made.status === 200 && made.body.data.counts.queued === RECORDS, `${made.status} ${JSON.stringify(made.body).slice(0, 300)}`);
    const id = made.body.data.id;
    const started = await through(nocobase, `mailCampaigns:update?filterByTk=${id}`, rootToken, json({ status: 'running' }));
    assert(started.body.data[0].status === 'running', JSON.stringify(started.body));
    const startedAt = Date.now();

    const leadsSent = async () => (await sentMime(emulator, mailbox)).filter((m) => /^Subject: Offer for Lead \d+\r?$/m.test(m));
    // Half way by the campaign's own count (the emulator's list of sent mail is read only
    // at the end: it grows to megabytes, and reading it holds the emulator).
    const sentSoFar = async () => {
      const now = (await through(nocobase, `mailCampaigns:get?filterByTk=${id}`, rootToken)).body.data;
      return now ? now.counts.sent : 0;
    };
    let deadline = Date.now() + 180000;
    let atKill;
    while ((atKill = await sentSoFar()) < RECORDS / 2) {
      if (Date.now() > deadline) throw new Error(`${atKill} sent after 180 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await kill();
    const killedAt = Date.now();
    await restart();

    deadline = Date.now() + 240000;
    let campaign;
    for (;;) {
      campaign = (await through(nocobase, `mailCampaigns:get?filterByTk=${id}`, rootToken)).body.data;
      if (campaign && campaign.status === 'done') break;
      if (Date.now() > deadline) throw new Error(`not done after the restart: ${JSON.stringify(campaign)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const copies = new Map();
    for (const mime of await leadsSent()) {
      const subject = /^Subject: (Offer for Lead \d+)\r?$/m.exec(mime)[1];
      copies.set(subject, (copies.get(subject) || 0) + 1);
    }
    const twice = [...copies].filter(([, n]) => n > 1);
    assert(twice.length === 0, `mailed twice: ${JSON.stringify(twice.slice(0, 5))}`);
    assert(copies.size === RECORDS, `${copies.size} distinct leads mailed (${atKill} sent when killed)`);
    assert(JSON.stringify(campaign.counts) === JSON.stringify({ queued: 0, sent: RECORDS, failed: 0, skipped: 0 }), JSON.stringify(campaign.counts));
    const after = await through(nocobase, `mailCampaigns:allowance?accountId=${account}`, rootToken);
    assert(after.body.data.sentLastDay <= limitPerDay, `over the limit: ${JSON.stringify(after.body.data)}`);
    console.log(`# mail merge: ${atKill} of ${RECORDS} sent when the sidecar was killed (${Math.round((killedAt - startedAt) / 1000)} s after the start); all ${copies.size} ${Math.round((Date.now() - startedAt) / 1000)} s after the start, none twice`);
  });
}
