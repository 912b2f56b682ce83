// "Connect other mail (IMAP)" in a real NocoBase and a real browser (#26), called by
// plugin_flow.mjs: the admin enables IMAP on the settings page (private networks left
// refused), the dialog fills a known provider's servers from the address and sends a
// Gmail address to its sign-in, and a test against a server on the service's own network
// comes back through NocoBase's proxy saying which server and stage refused it — the SSRF
// boundary seen from the page. The full connect, sync and send against a real Dovecot and
// Postfix is the service's own test (tests/it/imap_mailbox.rs).
import { assert, check } from '../harness/checks.mjs';

export async function imapConnectChecks({ page, nocobase, through, rootToken, shot }) {
  await check('settings page: the admin enables other mail (IMAP), private networks still refused', async () => {
    await page.goto(`${nocobase.url}/admin/settings/email-manager`);
    const card = page.getByTestId('provider-imap');
    await card.waitFor({ timeout: 60000 });
    await card.getByTestId('imap-enabled').click();
    await card.getByTestId('imap-save').click();
    await page.getByText('Saved').first().waitFor({ timeout: 15000 });
    const stored = await through(nocobase, 'mailProviders:get?filterByTk=imap', rootToken);
    assert(stored.body.data.enabled === true, JSON.stringify(stored.body));
    assert(stored.body.data.allowPrivateNetworks === false, JSON.stringify(stored.body));
  });

  await check('accounts page: the IMAP dialog fills a provider\'s servers and tests through the SSRF boundary', async () => {
    await page.goto(`${nocobase.url}/admin/email-manager?tab=accounts`);
    try {
      await dialogChecks(page, shot);
    } finally {
      // Closed whatever happened, so the checks after this one find the page as they expect.
      await page.goto(`${nocobase.url}/admin/email-manager?tab=accounts`);
    }
  });
}

async function dialogChecks(page, shot) {
  await page.getByTestId('connect-imap').click();
  const dialog = page.getByTestId('imap-dialog');
  await dialog.waitFor({ timeout: 15000 });
  // A Gmail address is better connected by signing in.
  await dialog.getByTestId('imap-email').fill('someone@gmail.com');
  await dialog.getByTestId('imap-password').click();
  await dialog.getByText('This address connects best by signing in.').waitFor({ timeout: 5000 });
  // A known provider: its documented servers.
  await dialog.getByTestId('imap-email').fill('ann@fastmail.com');
  await dialog.getByTestId('imap-password').click();
  await dialog.getByTestId('imap-preset').getByText('Servers of Fastmail filled in.').waitFor({ timeout: 5000 });
  await dialog.getByText('Servers', { exact: true }).click();
  assert((await dialog.getByTestId('imap-imap-host').inputValue()) === 'imap.fastmail.com', 'the IMAP server is Fastmail\'s');
  assert((await dialog.getByTestId('imap-smtp-host').inputValue()) === 'smtp.fastmail.com', 'the SMTP server is Fastmail\'s');
  // A server on the service's own network: refused before any packet, and said so.
  await dialog.getByTestId('imap-imap-host').fill('127.0.0.1');
  await dialog.getByTestId('imap-password').fill('an app password');
  await dialog.getByTestId('imap-test').click();
  const outcome = dialog.getByTestId('imap-outcome');
  await outcome.waitFor({ timeout: 30000 });
  const text = await outcome.innerText();
  assert(text.includes('IMAP') && text.includes('Name lookup (DNS)'), text);
  assert(text.includes('private or local network'), text);
  assert(!text.includes('an app password'), 'the password is echoed');
  await shot(page, '3b-imap-dialog');
}
