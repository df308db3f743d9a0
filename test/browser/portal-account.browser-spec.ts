import { createCustomer, createPlan, createSubscription, ETH, USDC } from '../factories';
import { browserSuite, continueToPortal, describeWithBrowser, screenshot } from '../support/browser';
import { createPortalMerchant, mintLink, suiteEnv } from '../support/portal';

// The portal's account pages in Chromium: the profile form with a field error, the payment
// method choice and the activity trail (their HTTP contract is in test/e2e/portal-account).
describeWithBrowser('portal account pages in Chromium', () => {
  const s = browserSuite({ env: suiteEnv('portal-account-browser') });

  it('edits the profile (with a field error first), chooses a payment asset and reads the activity', async () => {
    const m = await createPortalMerchant(s.t);
    const plan = await createPlan(s.t, m, { name: 'Dual', interval: { unit: 'month', count: 1 }, prices: [{ assetId: USDC, amount: '10000000' }, { assetId: ETH, amount: '5000000000000000' }] });
    const customer = await createCustomer(s.t, m, { email: 'ada@example.com', name: 'Ada' });
    await createSubscription(s.t, m, { customerId: customer.id, planId: plan.id, assetId: USDC });
    await continueToPortal(s.page, s.base, (await mintLink(m, customer.id)).token);

    await s.page.locator('nav.tabs').getByRole('link', { name: 'Billing profile' }).click();
    await s.page.getByRole('link', { name: 'Edit' }).click();
    await s.page.waitForURL(`${s.base}/portal/profile/edit`);
    await s.page.getByLabel('Legal name').fill('Ada Lovelace Ltd');
    await s.page.getByLabel('Billing email').fill('not-an-email');
    await s.page.getByLabel('Address line 1').fill('12 St James Square');
    await s.page.getByLabel('City').fill('London');
    await s.page.getByLabel('Postal code').fill('SW1Y 4JH');
    await s.page.getByLabel('Country').fill('X1');
    await s.page.getByRole('button', { name: 'Save billing profile' }).click();
    expect(await s.page.locator('#f-billingEmail-error').innerText()).toContain('Enter a valid email address');
    expect(await s.page.locator('#f-country-error').innerText()).toContain('two-letter ISO country code');
    expect(await s.page.getByLabel('Legal name').inputValue()).toBe('Ada Lovelace Ltd');
    await screenshot(s.page, 'account-profile-errors');

    await s.page.getByLabel('Billing email').fill('billing@lovelace.example');
    await s.page.getByLabel('Country').fill('GB');
    await s.page.getByRole('button', { name: 'Save billing profile' }).click();
    await s.page.waitForURL(`${s.base}/portal/profile?done=profile-saved`);
    const text = await s.page.locator('main').innerText();
    for (const v of ['Your billing profile was saved.', 'Ada Lovelace Ltd', 'billing@lovelace.example', 'SW1Y 4JH London']) expect(text).toContain(v);
    await screenshot(s.page, 'account-profile-saved');

    await s.page.getByRole('link', { name: 'Choose your payment method' }).click();
    await s.page.waitForURL(`${s.base}/portal/payment-method`);
    await s.page.getByRole('radio', { name: /ETH/ }).check();
    await s.page.getByRole('button', { name: 'Save payment method' }).click();
    await s.page.waitForURL(`${s.base}/portal/payment-method?done=payment-method-saved`);
    expect(await s.page.getByRole('radio', { name: /ETH/ }).isChecked()).toBe(true);
    await screenshot(s.page, 'account-payment-method');

    await s.page.locator('nav.tabs').getByRole('link', { name: 'Activity' }).click();
    await s.page.waitForURL(`${s.base}/portal/activity`);
    expect(await s.page.locator('nav.tabs a[aria-current=page]').innerText()).toBe('Activity');
    const rows = await s.page.locator('.activity-list strong').allInnerTexts();
    expect(rows.slice(0, 2)).toEqual(['Payment method changed', 'Billing profile saved']);
    await screenshot(s.page, 'account-activity');
    // The refused form answers 400 on purpose, which Chromium logs; anything else (CSP) is a failure.
    expect(s.problems.filter((p) => !(p.page === `${s.base}/portal/profile/edit` && p.text.includes('status of 400')))).toEqual([]);
  });
});
