import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { createTestApp, type TestApp } from '../app';
import { asJson, createCustomer, createMerchant, createPayment, createPlan, createSubscription, ETH, mintPortalLink, PAY_TO, randomHex, USDC, USDC_TOKEN, type SubscriptionFixture } from '../factories';
import { continueToPortal, describeWithBrowser, expectPageBasics, launchBrowser, newDesktopPage, screenshot, serveOnLocalhost, type ConsoleProblem } from '../support/browser';

// The customer portal in a real Chromium: link → interstitial → session → every page, with the
// CSP, cookies, keyboard access and layout a browser actually enforces. Screenshots of every page
// land in test-artifacts/screenshots/ (gitignored) for a human to look at.
//
// The customer's data is seeded once and only read; every test opens its own page and signs in
// itself, so any one of them runs alone and one that fails leaves nothing behind for the next.

const RETURN_URL = 'https://app.acme.example/settings';
const HEAD = 1_000;

// An independent rendering of base units (not the app's formatAmount), so a formatting bug shows.
function display(amount: string, decimals: number, symbol: string): string {
  const value = BigInt(amount);
  const unit = 10n ** BigInt(decimals);
  const whole = (value / unit).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = (value % unit).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${whole}${fraction ? `.${fraction}` : ''} ${symbol}`;
}

interface Seeded {
  customerId: string;
  token: string;
  pro: { subscriptionId: string; invoiceId: string; invoiceNumber: string; amountDue: string };
  team: { subscriptionId: string; invoiceId: string; amountDue: string };
}

describeWithBrowser('customer portal in Chromium', () => {
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let problems: ConsoleProblem[];
  let seeded: Seeded;

  beforeAll(async () => {
    t = await createTestApp();
    base = await serveOnLocalhost(t.app);
    browser = await launchBrowser();
    seeded = await seed(t);
  });

  beforeEach(async () => {
    ({ context, page, problems } = await newDesktopPage(browser!, base, { clipboard: true }));
  });

  afterEach(async () => {
    await context?.close();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await t?.close();
  });

  // What every portal page must satisfy: one h1, a main landmark, labelled inputs, no console
  // errors (CSP violations included); then the full-page screenshot, and the skip link is the
  // first Tab stop and becomes visible.
  async function checkPage(name: string): Promise<void> {
    await expectPageBasics(page);
    await screenshot(page, name);
    await page.keyboard.press('Tab');
    const focused = (await page.evaluate(`(() => {
      const el = document.activeElement;
      const box = el.getBoundingClientRect();
      return { skip: el.matches('a.skip-link[href="#main"]'), visible: box.left >= 0 && box.top >= 0 && box.right <= window.innerWidth && box.width > 0 };
    })()`)) as { skip: boolean; visible: boolean };
    expect(focused).toEqual({ skip: true, visible: true });
    // Reported once, on the page that logged them.
    expect(problems.splice(0)).toEqual([]);
  }

  async function mainText(): Promise<string> {
    return page.locator('main').innerText();
  }

  const signIn = () => continueToPortal(page, base, seeded.token);

  it('opens the link on an interstitial that names the merchant, masks the email and sets no cookie', async () => {
    const response = await page.goto(`${base}/p/${seeded.token}`);
    expect(response?.status()).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('Acme Cloud billing');
    expect(await mainText()).toContain('ad•••@example.com');
    expect(await mainText()).not.toContain('ada@example.com');
    expect(await context.cookies()).toEqual([]);
    await checkPage('continue');
  });

  it('continues to the overview with the customer, both plans and their amounts', async () => {
    await signIn();
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite, c.path])).toEqual([['__Host-portal_sid', true, true, 'Lax', '/']]);

    expect(await page.locator('h1').innerText()).toBe('Hello, Ada Lovelace');
    const pro = page.locator('li.subscription', { hasText: 'Pro' });
    expect(await pro.locator('.price').innerText()).toBe('25 USDC per month');
    expect(await pro.locator('.badge').innerText()).toBe('Awaiting first payment');
    const team = page.locator('li.subscription', { hasText: 'Team' });
    expect(await team.locator('.price').innerText()).toBe('0.05 ETH per year');

    const open = page.locator('section[aria-labelledby=open-title] li.list-row');
    expect(await open.count()).toBe(2);
    const text = await mainText();
    expect(text).toContain(display(seeded.pro.amountDue, 6, 'USDC'));
    expect(text).toContain(display(seeded.team.amountDue, 18, 'ETH'));
    expect(text).toContain('Confirming 1 of 2');

    const back = page.locator('a', { hasText: 'Back to Acme Cloud' });
    expect(await back.getAttribute('href')).toBe(RETURN_URL);
    expect(await page.locator('footer').innerText()).toContain('Acme Cloud Ltd');
    expect(await page.locator('footer a[href="mailto:billing@acme.example"]').count()).toBe(1);
    // The merchant's brand colour reaches the page through the nonce'd style element.
    expect(await page.evaluate(`getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()`)).toBe('#7b2ff7');
    expect(await page.locator('nav.tabs a[aria-current=page]').innerText()).toBe('Overview');
    await checkPage('overview');
  });

  it('lists the invoices', async () => {
    await signIn();
    await page.locator('nav.tabs').getByRole('link', { name: 'Invoices' }).click();
    await page.waitForURL(`${base}/portal/invoices`);
    expect(await page.locator('h1').innerText()).toBe('Invoices');
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).toBe(2);
    const proRow = rows.filter({ hasText: seeded.pro.invoiceNumber });
    expect(await proRow.locator('td[data-label=Amount]').innerText()).toBe(display(seeded.pro.amountDue, 6, 'USDC'));
    expect(await proRow.locator('td[data-label=Status]').innerText()).toBe('Open');
    await checkPage('invoices');
  });

  it('shows an invoice with the exact amount, the receiving address, a QR code and working Copy buttons', async () => {
    await signIn();
    await page.goto(`${base}/portal/invoices`);
    await page.locator('table tbody tr', { hasText: seeded.pro.invoiceNumber }).getByRole('link', { name: seeded.pro.invoiceNumber }).click();
    await page.waitForURL(`${base}/portal/invoices/${seeded.pro.invoiceId}`);
    expect(await page.locator('h1').innerText()).toBe(`Invoice ${seeded.pro.invoiceNumber}`);
    const exact = display(seeded.pro.amountDue, 6, 'USDC');
    expect(await page.locator('tfoot').innerText()).toContain(exact);
    expect(await page.locator('#pay-amount').inputValue()).toBe(exact.replace(' USDC', ''));
    expect(await page.getByLabel('To address').inputValue()).toBe(PAY_TO);
    expect(await page.getByLabel('USDC token contract').inputValue()).toBe(USDC_TOKEN);
    expect(await page.locator('#pay .status-line').innerText()).toBe('Payment detected; waiting for confirmations.');
    const transfers = page.locator('section[aria-labelledby=transfers-title] tbody tr');
    expect(await transfers.locator('td[data-label=Status]').allInnerTexts()).toEqual(['Confirming 1 of 2']);

    const qr = page.locator('figure.qr img');
    await qr.scrollIntoViewIfNeeded();
    await page.waitForFunction(`document.querySelector('figure.qr img').complete`);
    expect(await page.evaluate(`document.querySelector('figure.qr img').naturalWidth`)).toBeGreaterThan(0);

    // Before anything on the page takes focus, so Tab starts from the top.
    await checkPage('invoice');

    const copy = page.locator('button[data-copy=pay-to]');
    expect(await copy.innerText()).toBe('Copy');
    await copy.click();
    await page.locator('button[data-copy=pay-to]', { hasText: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(PAY_TO);
    await page.locator('button[data-copy=pay-to]', { hasText: /^Copy$/ }).waitFor({ timeout: 3_000 });
    expect(problems).toEqual([]);
  });

  it('shows every payment with its confirmation state', async () => {
    await signIn();
    await page.locator('nav.tabs').getByRole('link', { name: 'Payments' }).click();
    await page.waitForURL(`${base}/portal/payments`);
    expect(await page.locator('h1').innerText()).toBe('Payments');
    const rows = page.locator('table tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.locator('td[data-label=Status]').allInnerTexts()).toEqual(['Confirming 1 of 2', 'Confirmed', 'Reversed']);
    expect(await rows.locator('td[data-label=Amount]').allInnerTexts()).toEqual([display(seeded.pro.amountDue, 6, 'USDC'), '10 USDC', '5 USDC']);
    expect(await rows.locator('td[data-label=Network]').first().innerText()).toBe('Anvil devnet');
    await checkPage('payments');
  });

  it('shows the billing profile', async () => {
    await signIn();
    await page.locator('nav.tabs').getByRole('link', { name: 'Billing profile' }).click();
    await page.waitForURL(`${base}/portal/profile`);
    expect(await page.locator('h1').innerText()).toBe('Billing profile');
    const text = await mainText();
    for (const expected of ['ada@example.com', 'Ada Lovelace', 'Analytical Engines Ltd', '12 St James Square', 'SW1Y 4JH London', 'GB123456789', 'billing@acme.example']) {
      expect(text).toContain(expected);
    }
    await checkPage('profile');
  });

  it('shows a subscription with its invoices', async () => {
    await signIn();
    await page.goto(`${base}/portal/subscriptions/${seeded.pro.subscriptionId}`);
    expect(await page.locator('h1').innerText()).toBe('Pro');
    const text = await mainText();
    expect(text).toContain('25 USDC per month');
    expect(text).toContain(seeded.pro.invoiceNumber);
    expect(text).toContain(display(seeded.pro.amountDue, 6, 'USDC'));
    await checkPage('subscription');
  });

  it('fits a 390 px wide phone screen without sideways scrolling', async () => {
    await signIn();
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [name, path] of [
      ['overview-mobile', '/portal'],
      ['invoice-mobile', `/portal/invoices/${seeded.pro.invoiceId}`],
      ['payments-mobile', '/portal/payments'],
    ]) {
      await page.goto(`${base}${path}`);
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect({ name, overflow }).toEqual({ name, overflow: 0 });
      await checkPage(name);
    }
  });

  it('signs out, after which the portal shows the session-ended page', async () => {
    await signIn();
    await page.goto(`${base}/portal`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/portal/signed-out`);
    expect(await page.locator('h1').innerText()).toBe("You're signed out");
    expect((await context.cookies()).map((c) => c.name)).not.toContain('__Host-portal_sid');
    await checkPage('signed-out');

    const response = await page.goto(`${base}/portal`);
    expect(response?.status()).toBe(401);
    expect(await page.locator('h1').innerText()).toBe('Your session has ended');
    // The browser reports the 401 document itself as a failed load; nothing else may be logged.
    problems.splice(0, problems.length, ...problems.filter((p) => !(p.source === `${base}/portal` && /status of 401/.test(p.text))));
    await checkPage('session-ended');
  });

  async function seed(app: TestApp): Promise<Seeded> {
    const m = await createMerchant(app, {
      name: 'Acme Cloud',
      changes: {
        branding: { primaryColor: '#7b2ff7', footerText: 'Acme Cloud Ltd', supportEmail: 'billing@acme.example' },
        returnUrlPrefixes: ['https://app.acme.example/'],
        receivingAddresses: { '31337': PAY_TO },
      },
    });
    const [pro, team, customer] = await Promise.all([
      createPlan(app, m, { name: 'Pro', interval: { unit: 'month', count: 1 }, prices: [{ assetId: USDC, amount: '25000000' }] }),
      createPlan(app, m, { name: 'Team', interval: { unit: 'year', count: 1 }, prices: [{ assetId: ETH, amount: '50000000000000000' }] }),
      createCustomer(app, m, {
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        billingProfile: {
          company: 'Analytical Engines Ltd',
          address: { line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
          taxId: 'GB123456789',
        },
      }),
    ]);
    const customerId = customer.id;
    const proSub = asJson<SubscriptionFixture>(await createSubscription(app, m, { customerId, planId: pro.id }));
    const teamSub = asJson<SubscriptionFixture>(await createSubscription(app, m, { customerId, planId: team.id }));
    const proInvoice = proSub.latestInvoice;

    // What the chain watcher would have recorded: its cursor, and three transfers.
    await app.app.get(DataSource).query(
      `INSERT INTO chain_cursor (chain_id, head_number, head_hash) VALUES (31337, $1, $2)
       ON CONFLICT (chain_id) DO UPDATE SET head_number = EXCLUDED.head_number, head_hash = EXCLUDED.head_hash`,
      [HEAD, randomHex(32)],
    );
    const now = app.clock.now().getTime();
    const payments = [
      { state: 'seen', block: HEAD, amount: proInvoice.amountDue.toString(), invoiceId: proInvoice.id, at: now - 60_000 },
      { state: 'confirmed', block: HEAD - 10, amount: '10000000', invoiceId: null, at: now - 86_400_000 },
      { state: 'orphaned', block: HEAD - 20, amount: '5000000', invoiceId: null, at: now - 2 * 86_400_000 },
    ] as const;
    for (const p of payments) {
      await createPayment(app, { merchantId: m.id, state: p.state, block: p.block, amount: p.amount, invoiceId: p.invoiceId, customerId, at: new Date(p.at), to: PAY_TO, matchedBy: 'amount' });
    }

    const link = await mintPortalLink(app, m, customerId, { returnUrl: RETURN_URL });
    return {
      customerId,
      token: link.token,
      pro: { subscriptionId: proSub.id, invoiceId: proInvoice.id, invoiceNumber: String(proInvoice.number), amountDue: String(proInvoice.amountDue) },
      team: { subscriptionId: teamSub.id, invoiceId: teamSub.latestInvoice.id, amountDue: String(teamSub.latestInvoice.amountDue) },
    };
  }
});
