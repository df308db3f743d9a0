import { DataSource } from 'typeorm';
import type { TestApp } from '../app';
import { asJson, createCustomer, createMerchant, createPayment, createPlan, createSubscription, ETH, freshAddress, mintPortalLink, randomHex, USDC, USDC_TOKEN, type SubscriptionFixture } from '../factories';
import { browserSuite, continueToPortal, describeWithBrowser, expectPageBasics, screenshot } from '../support/browser';

// This suite's merchant receives here (an address belongs to one merchant).
const PAY_TO = freshAddress();

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
  const s = browserSuite({ page: { clipboard: true } });
  let seeded: Seeded;

  beforeAll(async () => {
    seeded = await seed(s.t);
  });

  // What every portal page must satisfy: one h1, a main landmark, labelled inputs, no console
  // errors (CSP violations included); then the full-page screenshot, and the skip link is the
  // first Tab stop and becomes visible.
  async function checkPage(name: string): Promise<void> {
    await expectPageBasics(s.page);
    await screenshot(s.page, name);
    await s.page.keyboard.press('Tab');
    const focused = (await s.page.evaluate(`(() => {
      const el = document.activeElement;
      const box = el.getBoundingClientRect();
      return { skip: el.matches('a.skip-link[href="#main"]'), visible: box.left >= 0 && box.top >= 0 && box.right <= window.innerWidth && box.width > 0 };
    })()`)) as { skip: boolean; visible: boolean };
    expect(focused).toEqual({ skip: true, visible: true });
    // Reported once, on the page that logged them.
    expect(s.problems.splice(0)).toEqual([]);
  }

  async function mainText(): Promise<string> {
    return s.page.locator('main').innerText();
  }

  const signIn = () => continueToPortal(s.page, s.base, seeded.token);

  it('opens the link on an interstitial that names the merchant, masks the email and sets no cookie', async () => {
    const response = await s.page.goto(`${s.base}/p/${seeded.token}`);
    expect(response?.status()).toBe(200);
    expect(await s.page.locator('h1').innerText()).toBe('Acme Cloud billing');
    expect(await mainText()).toContain('ad•••@example.com');
    expect(await mainText()).not.toContain('ada@example.com');
    expect(await s.context.cookies()).toEqual([]);
    await checkPage('continue');
  });

  it('continues to the overview with the customer, both plans and their amounts', async () => {
    await signIn();
    const cookies = await s.context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite, c.path])).toEqual([['__Host-portal_sid', true, true, 'Lax', '/']]);

    expect(await s.page.locator('h1').innerText()).toBe('Hello, Ada Lovelace');
    const pro = s.page.locator('li.subscription', { hasText: 'Pro' });
    expect(await pro.locator('.price').innerText()).toBe('25 USDC per month');
    expect(await pro.locator('.badge').innerText()).toBe('Awaiting first payment');
    const team = s.page.locator('li.subscription', { hasText: 'Team' });
    expect(await team.locator('.price').innerText()).toBe('0.05 ETH per year');

    const open = s.page.locator('section[aria-labelledby=open-title] li.list-row');
    expect(await open.count()).toBe(2);
    const text = await mainText();
    expect(text).toContain(display(seeded.pro.amountDue, 6, 'USDC'));
    expect(text).toContain(display(seeded.team.amountDue, 18, 'ETH'));
    expect(text).toContain('Confirming 1 of 2');

    const back = s.page.locator('a', { hasText: 'Back to Acme Cloud' });
    expect(await back.getAttribute('href')).toBe(RETURN_URL);
    expect(await s.page.locator('footer').innerText()).toContain('Acme Cloud Ltd');
    expect(await s.page.locator('footer a[href="mailto:billing@acme.example"]').count()).toBe(1);
    // The merchant's brand colour reaches the page through the nonce'd style element.
    expect(await s.page.evaluate(`getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()`)).toBe('#7b2ff7');
    expect(await s.page.locator('nav.tabs a[aria-current=page]').innerText()).toBe('Overview');
    await checkPage('overview');
  });

  it('lists the invoices', async () => {
    await signIn();
    await s.page.locator('nav.tabs').getByRole('link', { name: 'Invoices' }).click();
    await s.page.waitForURL(`${s.base}/portal/invoices`);
    expect(await s.page.locator('h1').innerText()).toBe('Invoices');
    const rows = s.page.locator('table tbody tr');
    expect(await rows.count()).toBe(2);
    const proRow = rows.filter({ hasText: seeded.pro.invoiceNumber });
    expect(await proRow.locator('td[data-label=Amount]').innerText()).toBe(display(seeded.pro.amountDue, 6, 'USDC'));
    expect(await proRow.locator('td[data-label=Status]').innerText()).toBe('Open');
    await checkPage('invoices');
  });

  it('shows an invoice with the exact amount, the receiving address, a QR code and working Copy buttons', async () => {
    await signIn();
    await s.page.goto(`${s.base}/portal/invoices`);
    await s.page.locator('table tbody tr', { hasText: seeded.pro.invoiceNumber }).getByRole('link', { name: seeded.pro.invoiceNumber }).click();
    await s.page.waitForURL(`${s.base}/portal/invoices/${seeded.pro.invoiceId}`);
    expect(await s.page.locator('h1').innerText()).toBe(`Invoice ${seeded.pro.invoiceNumber}`);
    const exact = display(seeded.pro.amountDue, 6, 'USDC');
    expect(await s.page.locator('tfoot').innerText()).toContain(exact);
    expect(await s.page.locator('#pay-amount').inputValue()).toBe(exact.replace(' USDC', ''));
    expect(await s.page.getByLabel('To address').inputValue()).toBe(PAY_TO);
    expect(await s.page.getByLabel('USDC token contract').inputValue()).toBe(USDC_TOKEN);
    expect(await s.page.locator('#pay .status-line').innerText()).toBe('Payment detected; waiting for confirmations.');
    const transfers = s.page.locator('section[aria-labelledby=transfers-title] tbody tr');
    expect(await transfers.locator('td[data-label=Status]').allInnerTexts()).toEqual(['Confirming 1 of 2']);

    const qr = s.page.locator('figure.qr img');
    await qr.scrollIntoViewIfNeeded();
    await s.page.waitForFunction(`document.querySelector('figure.qr img').complete`);
    expect(await s.page.evaluate(`document.querySelector('figure.qr img').naturalWidth`)).toBeGreaterThan(0);

    // Before anything on the page takes focus, so Tab starts from the top.
    await checkPage('invoice');

    const copy = s.page.locator('button[data-copy=pay-to]');
    expect(await copy.innerText()).toBe('Copy');
    await copy.click();
    await s.page.locator('button[data-copy=pay-to]', { hasText: 'Copied' }).waitFor();
    expect(await s.page.evaluate('navigator.clipboard.readText()')).toBe(PAY_TO);
    await s.page.locator('button[data-copy=pay-to]', { hasText: /^Copy$/ }).waitFor({ timeout: 3_000 });
    expect(s.problems).toEqual([]);
  });

  it('shows every payment with its confirmation state', async () => {
    await signIn();
    await s.page.locator('nav.tabs').getByRole('link', { name: 'Payments' }).click();
    await s.page.waitForURL(`${s.base}/portal/payments`);
    expect(await s.page.locator('h1').innerText()).toBe('Payments');
    const rows = s.page.locator('table tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.locator('td[data-label=Status]').allInnerTexts()).toEqual(['Confirming 1 of 2', 'Confirmed', 'Reversed']);
    expect(await rows.locator('td[data-label=Amount]').allInnerTexts()).toEqual([display(seeded.pro.amountDue, 6, 'USDC'), '10 USDC', '5 USDC']);
    expect(await rows.locator('td[data-label=Network]').first().innerText()).toBe('Anvil devnet');
    await checkPage('payments');
  });

  it('shows the billing profile', async () => {
    await signIn();
    await s.page.locator('nav.tabs').getByRole('link', { name: 'Billing profile' }).click();
    await s.page.waitForURL(`${s.base}/portal/profile`);
    expect(await s.page.locator('h1').innerText()).toBe('Billing profile');
    const text = await mainText();
    for (const expected of ['ada@example.com', 'Ada Lovelace', 'Analytical Engines Ltd', '12 St James Square', 'SW1Y 4JH London', 'GB123456789', 'billing@acme.example']) {
      expect(text).toContain(expected);
    }
    await checkPage('profile');
  });

  it('shows a subscription with its invoices', async () => {
    await signIn();
    await s.page.goto(`${s.base}/portal/subscriptions/${seeded.pro.subscriptionId}`);
    expect(await s.page.locator('h1').innerText()).toBe('Pro');
    const text = await mainText();
    expect(text).toContain('25 USDC per month');
    expect(text).toContain(seeded.pro.invoiceNumber);
    expect(text).toContain(display(seeded.pro.amountDue, 6, 'USDC'));
    await checkPage('subscription');
  });

  it('fits a 390 px wide phone screen without sideways scrolling', async () => {
    await signIn();
    await s.page.setViewportSize({ width: 390, height: 844 });
    for (const [name, path] of [
      ['overview-mobile', '/portal'],
      ['invoice-mobile', `/portal/invoices/${seeded.pro.invoiceId}`],
      ['payments-mobile', '/portal/payments'],
    ]) {
      await s.page.goto(`${s.base}${path}`);
      const overflow = await s.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect({ name, overflow }).toEqual({ name, overflow: 0 });
      await checkPage(name);
    }
  });

  it('signs out, after which the portal shows the session-ended page', async () => {
    await signIn();
    await s.page.goto(`${s.base}/portal`);
    await s.page.getByRole('button', { name: 'Sign out' }).click();
    await s.page.waitForURL(`${s.base}/portal/signed-out`);
    expect(await s.page.locator('h1').innerText()).toBe("You're signed out");
    expect((await s.context.cookies()).map((c) => c.name)).not.toContain('__Host-portal_sid');
    await checkPage('signed-out');

    const response = await s.page.goto(`${s.base}/portal`);
    expect(response?.status()).toBe(401);
    expect(await s.page.locator('h1').innerText()).toBe('Your session has ended');
    // The browser reports the 401 document itself as a failed load; nothing else may be logged.
    s.problems.splice(0, s.problems.length, ...s.problems.filter((p) => !(p.source === `${s.base}/portal` && /status of 401/.test(p.text))));
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
