import { DataSource } from 'typeorm';
import { browserSuite, describeWithBrowser, expectPageBasics, screenshot, signInToDashboard, watchConsole } from '../support/browser';
import { PASSWORD, seedShop, type Shop } from '../support/dashboard';
import { mintLink, suiteEnv } from '../support/portal';

// The merchant dashboard in a real Chromium: sign in, every page, and the flows staff use most
// (find a customer, generate and copy a link, open it, revoke it, assign an unmatched payment,
// change branding with the live preview, create and revoke an API key, add a webhook endpoint and
// rotate its secret). Screenshots land in test-artifacts/screenshots/dashboard-*.png.
//
// Every test has a shop of its own and a page of its own, and signs in itself: any one of them
// runs alone (`-t`), and one that fails leaves nothing behind for the next.

describeWithBrowser('merchant dashboard in Chromium', () => {
  // Sign-ins come from 127.0.0.1: a Redis prefix of the suite's own keeps its attempt counter.
  const s = browserSuite({ env: suiteEnv('dashboard-browser', { WEBHOOK_ALLOW_LOOPBACK: 'true' }), page: { clipboard: true } });
  let shop: Shop;

  beforeEach(async () => {
    shop = await seedShop(s.t);
    // Destructive buttons ask first; the test says yes.
    s.page.on('dialog', (dialog) => void dialog.accept());
  });

  const signIn = () => signInToDashboard(s.page, s.base, shop.owner.email, PASSWORD);

  // One h1, a main landmark, every input labelled, the screenshot, no sideways scrolling, and no
  // console errors (CSP violations included).
  async function checkPage(name: string): Promise<void> {
    await expectPageBasics(s.page);
    await screenshot(s.page, `dashboard-${name}`);
    const overflow = await s.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect({ name, overflow }).toEqual({ name, overflow: 0 });
    expect(s.problems.splice(0)).toEqual([]);
  }

  const main = () => s.page.locator('main').innerText();

  it('sends a signed-out visitor to the sign-in page and signs the owner in', async () => {
    await s.page.goto(`${s.base}/dashboard/payments`);
    await s.page.waitForURL(/\/dashboard\/sign-in\?next=/);
    expect(await s.page.locator('h1').innerText()).toBe('Sign in to the dashboard');
    await checkPage('sign-in');
    await s.page.getByLabel('Email').fill(shop.owner.email);
    await s.page.getByLabel('Password').fill(PASSWORD);
    await s.page.getByRole('button', { name: 'Sign in' }).click();
    await s.page.waitForURL(`${s.base}/dashboard/payments`);
    const cookies = await s.context.cookies();
    expect(cookies.filter((c) => c.name === '__Host-dashboard_sid').map((c) => [c.httpOnly, c.secure, c.sameSite, c.path])).toEqual([[true, true, 'Lax', '/']]);
    expect(cookies.map((c) => c.name)).not.toContain('__Host-dashboard_signin');
  });

  it('shows the overview: subscriptions by status, the revenue chart and chain lag', async () => {
    await signIn();
    await s.page.locator('nav.tabs').getByRole('link', { name: 'Overview' }).click();
    await s.page.waitForURL(`${s.base}/dashboard`);
    expect(await s.page.locator('.stat', { hasText: 'Active' }).locator('.stat-value').innerText()).toBe('3');
    expect(await s.page.locator('.stat', { hasText: 'Past due' }).locator('.stat-value').innerText()).toBe('1');
    const chart = s.page.locator('figure.chart', { hasText: 'USDC' });
    // Three days with paid invoices in the last 30: three bars, the tallest reaching the top.
    expect(await chart.locator('svg rect').count()).toBe(3);
    expect(await chart.locator('svg').getAttribute('aria-label')).toContain('USDC revenue per day');
    const text = await main();
    expect(text).toContain('Anvil devnet');
    expect(text).toContain('Up to date');
    expect(text).toContain('unmatched payment');
    await checkPage('overview');
  });

  it('finds a customer by email and opens the customer page', async () => {
    await signIn();
    await s.page.locator('nav.tabs').getByRole('link', { name: 'Customers' }).click();
    await s.page.waitForURL(`${s.base}/dashboard/customers`);
    await checkPage('customers');
    await s.page.getByLabel('Search customers').fill('grace-');
    await s.page.getByRole('button', { name: 'Search' }).click();
    await s.page.waitForURL(/q=grace-/);
    expect(await s.page.locator('table tbody tr').count()).toBe(1);
    await s.page.getByRole('link', { name: /^grace-/ }).click();
    await s.page.waitForURL(`${s.base}/dashboard/customers/${shop.grace.id}`);
    expect(await s.page.locator('h1').innerText()).toBe('Grace Hopper');
    const text = await main();
    expect(text).toContain('Team');
    expect(text).toContain(shop.wallet);
    await checkPage('customer');
  });

  it('finds a customer by the wallet they paid from', async () => {
    await signIn();
    await s.page.goto(`${s.base}/dashboard/customers?q=${shop.wallet}`);
    expect(await s.page.locator('table tbody tr').allInnerTexts()).toEqual([expect.stringContaining('Grace Hopper')]);
  });

  it('generates a portal link, copies it, and the link opens the portal', async () => {
    await signIn();
    await s.page.goto(`${s.base}/dashboard/customers/${shop.ada.id}`);
    await s.page.getByLabel('Valid for (minutes)').fill('30');
    await s.page.getByLabel('Opens on', { exact: true }).selectOption({ label: `Pay invoice ${shop.ada.invoiceNumber}` });
    await s.page.getByLabel('Return URL (optional)').fill('https://app.acme.example/billing');
    await s.page.getByRole('button', { name: 'Generate portal link' }).click();
    await s.page.locator('#portal-link').waitFor();
    const linkUrl = await s.page.locator('#portal-link').inputValue();
    expect(linkUrl).toMatch(/^https:\/\/billing\.test\/p\/pl1\./);
    await s.page.locator('button[data-copy=portal-link]').click();
    await s.page.locator('button[data-copy=portal-link]', { hasText: 'Copied' }).waitFor();
    expect(await s.page.evaluate('navigator.clipboard.readText()')).toBe(linkUrl);
    await checkPage('customer-link');

    // The link names the public base URL; here the same server answers on localhost.
    const portal = await s.context.newPage();
    const portalProblems = watchConsole(portal);
    await portal.goto(linkUrl.replace('https://billing.test', s.base));
    await portal.getByRole('button', { name: 'Continue to billing' }).click();
    await portal.waitForURL(`${s.base}/portal/invoices/${shop.ada.invoiceId}`);
    expect(await portal.locator('h1').innerText()).toBe(`Invoice ${shop.ada.invoiceNumber}`);
    await portal.close();
    expect(portalProblems).toEqual([]);
  });

  it('revokes all links of the customer, after which the link no longer opens', async () => {
    const linkUrl = (await mintLink(shop.merchant, shop.ada.id)).url;
    await signIn();
    await s.page.goto(`${s.base}/dashboard/customers/${shop.ada.id}`);
    await s.page.getByRole('button', { name: 'Revoke all links' }).click();
    await s.page.waitForURL(/notice=links-revoked/);
    expect(await s.page.locator('.notice-success').innerText()).toContain('revoked');
    expect(await main()).toContain('All portal links revoked');
    await checkPage('customer-revoked');

    const portal = await s.context.newPage();
    const response = await portal.goto(linkUrl.replace('https://billing.test', s.base));
    expect(response?.status()).toBe(404);
    expect(await portal.locator('h1').innerText()).toBe("This link can't be used");
    await portal.close();
  });

  it('lists payments, highlights the reversed one and assigns the unmatched one to an invoice', async () => {
    await signIn();
    await s.page.locator('nav.tabs').getByRole('link', { name: 'Payments' }).click();
    await s.page.waitForURL(`${s.base}/dashboard/payments`);
    expect(await s.page.locator(`tr#${shop.reversedPaymentId}`).getAttribute('class')).toContain('reversed');
    expect(await s.page.locator(`tr#${shop.reversedPaymentId} td[data-label=Status]`).innerText()).toContain('Reversed');
    expect(await s.page.locator(`tr#${shop.matchedPaymentId} td[data-label=Status]`).innerText()).toContain('Final');
    await checkPage('payments');

    await s.page.getByRole('link', { name: /^Unmatched/ }).click();
    await s.page.waitForURL(/filter=unmatched/);
    const row = s.page.locator(`tr#${shop.unmatchedPaymentId}`);
    const select = row.locator('select[name=invoiceId]');
    const options = await select.locator('option').allInnerTexts();
    // The invoice whose remaining amount equals the payment comes first, starred.
    expect(options[1]).toMatch(new RegExp(`^★ ${shop.ada.invoiceNumber}`));
    await select.selectOption(shop.ada.invoiceId);
    await checkPage('payments-unmatched');
    await row.getByRole('button', { name: 'Assign' }).click();
    await s.page.waitForURL(/notice=payment-assigned/);
    expect(await s.page.locator(`tr#${shop.unmatchedPaymentId} td[data-label=Invoice]`).innerText()).toContain(shop.ada.invoiceNumber);
    const [invoice] = (await s.t.app.get(DataSource).query(`SELECT status FROM invoice WHERE id = $1`, [shop.ada.invoiceId])) as { status: string }[];
    expect(invoice.status).toBe('paid');
  });

  it('edits branding with a live preview and saves it', async () => {
    await signIn();
    await s.page.locator('nav.tabs').getByRole('link', { name: 'Settings' }).click();
    await s.page.waitForURL(`${s.base}/dashboard/settings`);
    await checkPage('settings');
    await s.page.getByLabel('Brand colour').fill('#7b2ff7');
    await s.page.getByLabel('Footer text (optional)').fill('Acme Cloud Ltd, 1 Main Street');
    expect(await s.page.evaluate(`getComputedStyle(document.getElementById('portal-preview')).getPropertyValue('--brand').trim()`)).toBe('#7b2ff7');
    expect(await s.page.locator('#preview-footer-text').innerText()).toBe('Acme Cloud Ltd, 1 Main Street');
    await s.page.getByRole('button', { name: 'Save branding' }).click();
    await s.page.waitForURL(/notice=saved/);
    expect(await s.page.getByLabel('Brand colour').inputValue()).toBe('#7b2ff7');
    expect(await s.page.evaluate(`getComputedStyle(document.getElementById('portal-preview')).getPropertyValue('--brand').trim()`)).toBe('#7b2ff7');
    expect(s.problems.splice(0)).toEqual([]);
  });

  it('creates an API key with chosen scopes, shows the secret once, and revokes it', async () => {
    await signIn();
    await s.page.locator('nav.tabs').getByRole('link', { name: 'API keys' }).click();
    await s.page.waitForURL(`${s.base}/dashboard/api-keys`);
    await s.page.getByLabel('Name').fill('Reporting');
    await s.page.getByLabel('Only these:').check();
    await s.page.getByLabel('invoices:read').check();
    await s.page.getByLabel('payments:read').check();
    await s.page.getByRole('button', { name: 'Create test key' }).click();
    const secret = await s.page.locator('#new-secret').inputValue();
    expect(secret).toMatch(/^sk_test_/);
    const row = s.page.locator('tbody tr', { hasText: 'Reporting' });
    expect(await row.locator('td[data-label=Scopes]').innerText()).toBe('invoices:read, payments:read');
    await checkPage('api-keys');
    await row.getByRole('button', { name: 'Revoke Reporting' }).click();
    await s.page.waitForURL(/notice=key-revoked/);
    expect(await s.page.locator('tbody tr', { hasText: 'Reporting' }).locator('td[data-label=Status]').innerText()).toBe('Revoked');
    expect(await s.page.content()).not.toContain(secret);
  });

  it('adds a webhook endpoint, sends a test event and rotates the secret', async () => {
    await signIn();
    await s.page.locator('nav.tabs').getByRole('link', { name: 'Webhooks' }).click();
    await s.page.waitForURL(`${s.base}/dashboard/webhooks`);
    await checkPage('webhooks-empty');
    await s.page.getByLabel('URL').fill('http://127.0.0.1:9/billfold-hook');
    await s.page.getByLabel('Description (optional)').fill('Local receiver');
    await s.page.getByRole('button', { name: 'Add endpoint' }).click();
    const first = await s.page.locator('#endpoint-secret').inputValue();
    expect(first).toMatch(/^whsec_/);
    await s.page.getByRole('button', { name: 'Send test event' }).click();
    await s.page.waitForURL(/notice=test-sent/);
    expect(await s.page.locator('section[aria-labelledby=deliveries-title] tbody tr').count()).toBe(1);
    await s.page.getByRole('button', { name: 'Rotate secret' }).click();
    const second = await s.page.locator('#endpoint-secret').inputValue();
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect(await main()).toContain('Previous secret still signs until');
    await checkPage('webhooks');

    await s.page.locator('section[aria-labelledby=deliveries-title] tbody a').first().click();
    await s.page.waitForURL(/\/dashboard\/webhooks\/events\/evt_/);
    expect(await s.page.locator('h1').innerText()).toBe('webhook.test');
    await checkPage('webhook-event');
  });

  it('switches to live mode, where the test data is not shown', async () => {
    await signIn();
    await s.page.goto(`${s.base}/dashboard/customers`);
    await s.page.getByRole('button', { name: 'Live' }).click();
    await s.page.waitForURL(`${s.base}/dashboard/customers`);
    expect(await s.page.locator('.mode-switch button[aria-pressed=true]').innerText()).toBe('Live');
    expect(await main()).toContain('No customers in this mode yet');
    expect(await s.page.locator('header .badge', { hasText: 'Test mode' }).count()).toBe(0);
    await s.page.getByRole('button', { name: 'Test' }).click();
    await s.page.waitForURL(`${s.base}/dashboard/customers`);
    expect(await s.page.locator('header .badge', { hasText: 'Test mode' }).count()).toBe(1);
  });

  it('fits a 390 px wide phone screen', async () => {
    await signIn();
    await s.page.setViewportSize({ width: 390, height: 844 });
    for (const [name, path] of [
      ['overview-mobile', '/dashboard'],
      ['customer-mobile', `/dashboard/customers/${shop.grace.id}`],
      ['payments-mobile', '/dashboard/payments'],
    ]) {
      await s.page.goto(`${s.base}${path}`);
      await checkPage(name);
    }
  });

  it('signs out', async () => {
    await signIn();
    await s.page.getByRole('button', { name: 'Sign out' }).click();
    await s.page.waitForURL(`${s.base}/dashboard/sign-in?notice=signed-out`);
    expect((await s.context.cookies()).map((c) => c.name)).not.toContain('__Host-dashboard_sid');
    await s.page.goto(`${s.base}/dashboard`);
    await s.page.waitForURL(/\/dashboard\/sign-in/);
  });
});
