import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../app';
import { createCustomer, createPlan, createSubscription, ETH, USDC } from '../factories';
import { continueToPortal, describeWithBrowser, launchBrowser, newDesktopPage, screenshot, serveOnLocalhost, type ConsoleProblem } from '../support/browser';
import { createPortalMerchant, mintLink, suiteEnv } from '../support/portal';

// The portal's account pages in Chromium: the profile form with a field error, the payment
// method choice and the activity trail (their HTTP contract is in test/e2e/portal-account).
describeWithBrowser('portal account pages in Chromium', () => {
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let problems: ConsoleProblem[];

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('portal-account-browser') });
    base = await serveOnLocalhost(t.app);
    browser = await launchBrowser();
  });

  beforeEach(async () => {
    ({ context, page, problems } = await newDesktopPage(browser!, base));
  });

  afterEach(async () => {
    await context?.close();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await t?.close();
  });

  it('edits the profile (with a field error first), chooses a payment asset and reads the activity', async () => {
    const m = await createPortalMerchant(t!);
    const plan = await createPlan(t!, m, { name: 'Dual', interval: { unit: 'month', count: 1 }, prices: [{ assetId: USDC, amount: '10000000' }, { assetId: ETH, amount: '5000000000000000' }] });
    const customer = await createCustomer(t!, m, { email: 'ada@example.com', name: 'Ada' });
    await createSubscription(t!, m, { customerId: customer.id, planId: plan.id, assetId: USDC });
    await continueToPortal(page, base, (await mintLink(m, customer.id)).token);

    await page.locator('nav.tabs').getByRole('link', { name: 'Billing profile' }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(`${base}/portal/profile/edit`);
    await page.getByLabel('Legal name').fill('Ada Lovelace Ltd');
    await page.getByLabel('Billing email').fill('not-an-email');
    await page.getByLabel('Address line 1').fill('12 St James Square');
    await page.getByLabel('City').fill('London');
    await page.getByLabel('Postal code').fill('SW1Y 4JH');
    await page.getByLabel('Country').fill('X1');
    await page.getByRole('button', { name: 'Save billing profile' }).click();
    expect(await page.locator('#f-billingEmail-error').innerText()).toContain('Enter a valid email address');
    expect(await page.locator('#f-country-error').innerText()).toContain('two-letter ISO country code');
    expect(await page.getByLabel('Legal name').inputValue()).toBe('Ada Lovelace Ltd');
    await screenshot(page, 'account-profile-errors');

    await page.getByLabel('Billing email').fill('billing@lovelace.example');
    await page.getByLabel('Country').fill('GB');
    await page.getByRole('button', { name: 'Save billing profile' }).click();
    await page.waitForURL(`${base}/portal/profile?done=profile-saved`);
    const text = await page.locator('main').innerText();
    for (const v of ['Your billing profile was saved.', 'Ada Lovelace Ltd', 'billing@lovelace.example', 'SW1Y 4JH London']) expect(text).toContain(v);
    await screenshot(page, 'account-profile-saved');

    await page.getByRole('link', { name: 'Choose your payment method' }).click();
    await page.waitForURL(`${base}/portal/payment-method`);
    await page.getByRole('radio', { name: /ETH/ }).check();
    await page.getByRole('button', { name: 'Save payment method' }).click();
    await page.waitForURL(`${base}/portal/payment-method?done=payment-method-saved`);
    expect(await page.getByRole('radio', { name: /ETH/ }).isChecked()).toBe(true);
    await screenshot(page, 'account-payment-method');

    await page.locator('nav.tabs').getByRole('link', { name: 'Activity' }).click();
    await page.waitForURL(`${base}/portal/activity`);
    expect(await page.locator('nav.tabs a[aria-current=page]').innerText()).toBe('Activity');
    const rows = await page.locator('.activity-list strong').allInnerTexts();
    expect(rows.slice(0, 2)).toEqual(['Payment method changed', 'Billing profile saved']);
    await screenshot(page, 'account-activity');
    // The refused form answers 400 on purpose, which Chromium logs; anything else (CSP) is a failure.
    expect(problems.filter((p) => !(p.page === `${base}/portal/profile/edit` && p.text.includes('status of 400')))).toEqual([]);
  });
});
