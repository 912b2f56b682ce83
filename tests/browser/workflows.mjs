// Mail in NocoBase's workflows (#25), in a real NocoBase 2.2 with its workflow plugin:
// "Email received from a customer's domain → create a Ticket" starts once for a delivered
// message, not for other mail, and not again after a full resync or a sidecar restart;
// "Email sent" starts for mail the mailbox sent; a "Send email" node sends through the
// emulator exactly once (a retry with its job's key gets the first outcome); and the
// editor shows the triggers and the node with their forms, in headless Chromium.
// Called by plugin_flow.mjs; `env` carries that run's page, services and helpers.
import { assert, check } from '../harness/checks.mjs';

const CUSTOMER_DOMAIN = 'acmecustomer.test';
const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `probe` answers something truthy (up to `ms`); that answer. */
async function waitFor(what, probe, ms = 60000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await sleep(500);
  }
}

async function sentSubjects(emulator, mailbox) {
  const sent = await emulator.control(`/users/${mailbox}/sent`);
  return sent.map((s) => (/^Subject: (.*)$/m.exec(Buffer.from(s.raw, 'base64').toString('utf8')) || [])[1]);
}

export async function workflowChecks({ page, nocobase, nb, emulator, mailbox, rootToken, through, shot, restartSidecar, killNocoBase, startNocoBase }) {
  const request = async (url, method = 'get', data, params) => (await nb.request({ url, method, data, params })).data;
  const tickets = async () => (await request('tickets:list', 'get', undefined, { pageSize: 200, sort: ['id'] })).data;
  const account = (await through(nocobase, 'mailAccounts:list', rootToken)).body.data[0];

  /** A workflow made the way the editor makes one: created off, its nodes added, then on. */
  async function workflow(title, type, config, nodes) {
    const made = (await request('workflows:create', 'post', { title, type, sync: false, enabled: false, config })).data;
    let upstreamId = null;
    const created = [];
    for (const node of nodes) {
      const answer = await nb.request({ url: `workflows/${made.id}/nodes:create`, method: 'post', data: { ...node, upstreamId } });
      assert(answer.status === 200, `nodes:create ${answer.status} ${JSON.stringify(answer.data)}`);
      created.push(answer.data.data);
      upstreamId = answer.data.data.id;
    }
    await request('workflows:update', 'post', { enabled: true }, { filterByTk: made.id });
    // Enabled, its reader subscribes to the mail activity at once; mail from then on counts.
    await waitFor(`the reader of "${title}"`, async () => (await through(nocobase, `mailActivity:list?reader=workflow:${made.key}`, rootToken)).status === 200);
    return { ...made, nodes: created };
  }

  const executionsOf = async (id) => (await request('executions:list', 'get', undefined, { filter: JSON.stringify({ workflowId: id }), pageSize: 100 })).data;

  await check(`workflow: "Email received" from ${CUSTOMER_DOMAIN} creates one Ticket per message, none for other mail, none again after a full resync or a sidecar restart`, async () => {
    const created = await nb.request({
      url: 'collections:create',
      method: 'post',
      data: {
        name: 'tickets',
        title: 'Tickets',
        fields: [
          { name: 'title', type: 'string', interface: 'input', uiSchema: { title: 'Title', type: 'string', 'x-component': 'Input' } },
          { name: 'sender', type: 'string', interface: 'email', uiSchema: { title: 'Sender', type: 'string', 'x-component': 'Input' } },
          { name: 'mailId', type: 'bigInt', interface: 'integer', uiSchema: { title: 'Mail id', type: 'number', 'x-component': 'InputNumber' } },
        ],
      },
    });
    assert(created.status === 200, `collections:create ${created.status}`);
    const toTicket = await workflow('Customer mail to ticket', 'emailManagerReceived', { from: CUSTOMER_DOMAIN }, [{
      type: 'create',
      title: 'Create ticket',
      config: { collection: 'tickets', params: { values: { title: '{{$context.message.subject}}', sender: '{{$context.message.fromAddress}}', mailId: '{{$context.message.id}}' } } },
    }]);
    await emulator.control(`/users/${mailbox}/deliver`, { from: `Pat Acme <pat@eu.${CUSTOMER_DOMAIN}>`, subject: 'Printer jammed again', text: 'Tray 2.' });
    await emulator.control(`/users/${mailbox}/deliver`, { from: 'News <news@elsewhere.test>', subject: 'Weekly news', text: 'Nothing for tickets.' });
    // Both reach the mailbox (behind the 500 sent copies of the merge before, which the
    // sync stores at Gmail's quota's pace); the newsletter starts nothing.
    await waitFor('the newsletter synced', async () => {
      const listed = await through(nocobase, `mailMessages:list?filter=${encodeURIComponent(JSON.stringify({ subject: { $includes: 'Weekly news' } }))}`, rootToken);
      return listed.body.meta && listed.body.meta.count === 1;
    }, 240000);
    const first = await waitFor('a ticket', async () => { const rows = await tickets(); return rows.length ? rows : null; });
    assert(first.length === 1 && first[0].title === 'Printer jammed again' && first[0].sender === `pat@eu.${CUSTOMER_DOMAIN}`, JSON.stringify(first));

    // A full resync stores every message again; a restarted sidecar syncs again.
    const before = (await through(nocobase, `mailAccounts:get?filterByTk=${account.id}`, rootToken)).body.data.lastSyncAt;
    await through(nocobase, `mailAccounts:sync?filterByTk=${account.id}`, rootToken, json({ full: true }));
    await waitFor('the full resync', async () => {
      const row = (await through(nocobase, `mailAccounts:get?filterByTk=${account.id}`, rootToken)).body.data;
      return row.lastSyncAt !== before && row.sync.phase === 'idle' && row.status === 'active';
    }, 120000);
    await restartSidecar();
    await sleep(10000);
    const after = await tickets();
    assert(after.length === 1, `after a full resync and a restart: ${after.length} tickets ${JSON.stringify(after.map((t) => t.title))}`);
    // The trigger outlives the restart: the next customer mail is a ticket too.
    await emulator.control(`/users/${mailbox}/deliver`, { from: `Pat Acme <pat@eu.${CUSTOMER_DOMAIN}>`, subject: 'Printer fixed, thanks', text: 'All good.' });
    await waitFor('the second ticket', async () => (await tickets()).length === 2, 240000);
    await sleep(6000);
    assert((await tickets()).length === 2, 'one ticket a message');
    assert((await executionsOf(toTicket.id)).length === 2, 'two executions');
  });

  await check('mail to records: a ticket\'s sender\'s message shows the Tickets; "Create record from this mail" makes a Customer of the sender', async () => {
    await page.goto(`${nocobase.url}/admin/email-manager`);
    const row = page.getByTestId('message-row').filter({ hasText: 'Printer fixed, thanks' }).first();
    await row.waitFor({ timeout: 60000 });
    await row.click();
    const records = page.getByTestId('mail-records');
    await records.getByText('Tickets · Printer jammed again').waitFor({ timeout: 30000 });
    await records.getByText('Tickets · Printer fixed, thanks').waitFor({ timeout: 30000 });
    await records.getByText('Tickets · Printer jammed again').click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Sender' }).last();
    await drawer.getByText(`pat@eu.${CUSTOMER_DOMAIN}`).first().waitFor({ timeout: 15000 });
    await shot(page, 'mail-record-drawer');
    await page.keyboard.press('Escape');
    await records.getByTestId('mail-record-create').click();
    const dialog = page.locator('.ant-modal-content').filter({ hasText: 'Create record from this mail' });
    await dialog.getByTestId('mail-record-collection').click();
    await page.locator('.ant-select-item-option').filter({ hasText: /^Customers$/ }).first().click();
    // The first guess: the sender's address to the email field, their name to the name.
    await dialog.getByTestId('mail-record-target-fromName').getByText('Name').waitFor({ timeout: 10000 });
    await dialog.getByTestId('mail-record-target-fromAddress').getByText('Email').waitFor({ timeout: 10000 });
    await shot(page, 'mail-record-create');
    await dialog.getByTestId('mail-record-create-ok').click();
    await records.getByText('Customers · Pat Acme').waitFor({ timeout: 30000 });
    const customers = (await request('customers:list', 'get', undefined, { filter: JSON.stringify({ email: `pat@eu.${CUSTOMER_DOMAIN}` }) })).data;
    assert(customers.length === 1 && customers[0].name === 'Pat Acme', JSON.stringify(customers));
  });

  await check('workflow: a "Send email" node answers a quote request from the mailbox once; "Email sent" starts for the answer', async () => {
    const reply = await workflow('Answer quote requests', 'emailManagerReceived', { subjectContains: 'quote request', attachmentsAsFiles: true }, [{
      type: 'emailManagerSend',
      title: 'Send the answer',
      config: {
        accountId: account.id,
        to: '{{$context.message.fromAddress}}',
        subject: 'Your quote: {{$context.message.subject}}',
        format: 'text',
        body: 'Thank you, {{$context.message.fromName}}. We answer within a day.',
        // The request's own attachment, stored as a NocoBase file by the trigger, goes back.
        attachments: '{{$context.files}}',
      },
    }]);
    assert(reply.nodes[0].config.actAs === 1, `the node sends as the mailbox's owner: ${JSON.stringify(reply.nodes[0].config)}`);
    const sentRecorder = await workflow('Log answers sent', 'emailManagerSent', { subjectContains: 'Your quote:' }, [{
      type: 'create',
      title: 'Log it',
      config: { collection: 'tickets', params: { values: { title: 'sent: {{$context.message.subject}}', sender: '{{$context.message.toAddresses}}' } } },
    }]);
    const spec = Buffer.from('%PDF-1.4 the printers we need: ten, duplex, A3\n');
    const request77 = [
      `From: Lee Buyer <lee@${CUSTOMER_DOMAIN}>`, `To: ${mailbox}`, 'Subject: Quote request 77', `Message-ID: <quote-77@${CUSTOMER_DOMAIN}>`,
      'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b77"', '',
      '--b77', 'Content-Type: text/plain; charset=utf-8', '', 'Ten printers, please. Specs attached.', '',
      '--b77', 'Content-Type: application/pdf; name="specs.pdf"', 'Content-Disposition: attachment; filename="specs.pdf"', 'Content-Transfer-Encoding: base64', '',
      spec.toString('base64'), '--b77--', '',
    ].join('\r\n');
    await emulator.control(`/users/${mailbox}/deliver`, { raw: Buffer.from(request77).toString('base64') });
    const subject = 'Your quote: Quote request 77';
    await waitFor('the answer at Gmail', async () => (await sentSubjects(emulator, mailbox)).includes(subject), 240000);
    const answer = (await emulator.control(`/users/${mailbox}/sent`)).map((m) => Buffer.from(m.raw, 'base64').toString('utf8')).find((m) => m.includes(`Subject: ${subject}`));
    assert(/filename="?specs\.pdf/.test(answer) && answer.replace(/\r?\n/g, '').includes(spec.toString('base64')), 'the answer carries the request\'s attachment, stored as a NocoBase file and read back');
    const execution = await waitFor('the execution resolved', async () => {
      const [first] = await executionsOf(reply.id);
      return first && first.status === 1 ? first : null;
    });
    const detail = (await request('executions:get', 'get', undefined, { filterByTk: execution.id, appends: ['jobs'] })).data;
    const jobs = detail.jobs;
    const file = detail.context.files[0];
    assert(file && /specs/.test(file.title || file.filename), `the trigger stored the attachment: ${JSON.stringify(detail.context.files)}`);
    const job = jobs.find((j) => j.nodeId === reply.nodes[0].id);
    assert(job && job.result.status === 'sent' && job.result.messageId, `the node's result: ${JSON.stringify(job)}`);
    // A NocoBase that stopped before it heard the outcome asks again with the job's key:
    // the first outcome comes back, nothing goes twice.
    const again = await through(nocobase, 'mailMessages:send', rootToken, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `nocobase-workflow-job-${job.id}` },
      body: JSON.stringify({
        accountId: account.id, to: [`lee@${CUSTOMER_DOMAIN}`], cc: [], bcc: [], subject, text: 'Thank you, Lee Buyer. We answer within a day.',
        attachments: [{ filename: 'specs.pdf', contentType: file.mimetype || 'application/octet-stream', content: spec.toString('base64') }],
      }),
    });
    assert(again.status === 200 && again.body.data.providerMessageId === job.result.messageId, `a retry: ${again.status} ${JSON.stringify(again.body)}`);
    // "Email sent" started for the answer once it synced back.
    await waitFor('the sent answer logged', async () => (await tickets()).some((t) => t.title === `sent: ${subject}`), 240000);
    await sleep(6000);
    const copies = (await sentSubjects(emulator, mailbox)).filter((s) => s === subject).length;
    assert(copies === 1, `${copies} copies of the answer at Gmail`);
    assert((await executionsOf(reply.id)).length === 1 && (await executionsOf(sentRecorder.id)).length === 1, 'one execution each');
  });

  await check('workflow: NocoBase SIGKILLed while a "Send email" node waits for Gmail: after a restart the job resolves and the mail went once', async () => {
    const confirm = await workflow('Confirm orders', 'emailManagerReceived', { subjectContains: 'order confirmation request' }, [{
      type: 'emailManagerSend',
      title: 'Confirm the order',
      config: { accountId: account.id, to: '{{$context.message.fromAddress}}', subject: 'Confirmed: {{$context.message.subject}}', format: 'text', body: 'Your order is confirmed.' },
    }]);
    // Gmail takes 20 s to answer each send: NocoBase is killed while the node waits.
    await emulator.control('/settings', { slowMs: 20000 });
    await emulator.control('/faults', { provider: 'google', path: 'messages/send', rate: 1, kinds: ['slow'] });
    try {
      await emulator.control(`/users/${mailbox}/deliver`, { from: `Kim Buyer <kim@${CUSTOMER_DOMAIN}>`, subject: 'Order confirmation request 12', text: 'Please confirm.' });
      const pending = await waitFor('the node waiting for Gmail', async () => {
        const [execution] = await executionsOf(confirm.id);
        if (!execution) return null;
        const detail = (await request('executions:get', 'get', undefined, { filterByTk: execution.id, appends: ['jobs'] })).data;
        return detail.jobs.find((j) => j.nodeId === confirm.nodes[0].id && j.status === 0) ? execution : null;
      }, 240000);
      await sleep(2000);
      await killNocoBase();
      await startNocoBase();
      await nb.auth.signIn({ account: 'admin@nocobase.com', password: 'admin123' }, 'basic').catch(() => {});
      const done = await waitFor('the execution resolved after the restart', async () => {
        const [execution] = await executionsOf(confirm.id).catch(() => []);
        return execution && execution.id === pending.id && execution.status === 1 ? execution : null;
      }, 120000);
      const detail = (await request('executions:get', 'get', undefined, { filterByTk: done.id, appends: ['jobs'] })).data;
      const job = detail.jobs.find((j) => j.nodeId === confirm.nodes[0].id);
      assert(job.result.status === 'sent' && job.result.messageId, `the node's result: ${JSON.stringify(job.result)}`);
    } finally {
      await emulator.control('/faults', { provider: 'google', rate: 0, kinds: [] }).catch(() => {});
    }
    await sleep(5000);
    const copies = (await sentSubjects(emulator, mailbox)).filter((s) => s === 'Confirmed: Order confirmation request 12').length;
    assert(copies === 1, `${copies} copies at Gmail`);
    assert((await executionsOf(confirm.id)).length === 1, 'one execution');
  });

  await check('workflow editor: an admin makes an "Email received" workflow by clicks; the canvas shows the trigger and the "Send email" node with their forms', async () => {
    const made = await createByClicks(page, nocobase.url, 'Clicked: customer mail', CUSTOMER_DOMAIN);
    assert(made.type === 'emailManagerReceived' && made.config.from === CUSTOMER_DOMAIN, JSON.stringify(made));
    await shot(page, 'workflow-trigger-form');
    const list = await request('workflows:list', 'get', undefined, { filter: JSON.stringify({ title: 'Answer quote requests' }) });
    await page.goto(`${nocobase.url}/admin/settings/workflow/workflows/${list.data[0].id}`);
    await page.getByText('Send the answer').first().waitFor({ timeout: 60000 });
    await shot(page, 'workflow-canvas');
    await page.getByText('Send email', { exact: true }).first().click();
    const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Node type' }).last();
    await drawer.getByText(mailbox).first().waitFor({ timeout: 30000 });
    await drawer.getByText('{{$context.message.fromAddress}}').count();
    await shot(page, 'workflow-send-node');
  });
}

/**
 * As an admin would: Settings → Workflow → Add new, "Email received", then the trigger's
 * form: a sender domain, Submit. Answers the workflow as saved.
 */
export async function createByClicks(page, url, title, from) {
  await page.goto(`${url}/admin/settings/workflow`);
  await page.getByRole('button', { name: 'Add new' }).click();
  const dialog = page.locator('.ant-drawer-content, .ant-modal-content').filter({ hasText: 'Trigger type' }).last();
  await dialog.locator('input').first().fill(title);
  await dialog.locator('.ant-select').first().click();
  await page.keyboard.type('Email received');
  await page.locator('.ant-select-item-option').filter({ hasText: 'Starts when a connected mailbox receives' }).first().click();
  await dialog.getByRole('button', { name: 'Submit' }).click();
  const row = page.locator('tr').filter({ hasText: title }).first();
  await row.waitFor({ timeout: 30000 });
  await row.getByText('Configure').click();
  await page.getByText('Execute manually').waitFor({ timeout: 60000 });
  await page.getByText('Email received', { exact: true }).first().click();
  const drawer = page.locator('.ant-drawer-content').filter({ hasText: 'Trigger type' }).last();
  await drawer.getByText('Subject contains').waitFor({ timeout: 30000 });
  await drawer.locator('textarea').first().fill(from);
  await drawer.getByRole('button', { name: 'Submit' }).click();
  await page.waitForTimeout(2000);
  return page.evaluate(async (name) => {
    const token = localStorage.getItem('NOCOBASE_TOKEN');
    const answer = await fetch(`/api/workflows:list?filter=${encodeURIComponent(JSON.stringify({ title: name }))}`, { headers: { authorization: `Bearer ${token}` } });
    return (await answer.json()).data[0];
  }, title);
}
