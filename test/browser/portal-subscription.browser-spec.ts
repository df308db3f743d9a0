import { DataSource } from 'typeorm';
import { activateSubscription } from '../factories';
import { browserSuite, continueToPortal, describeWithBrowser, screenshot } from '../support/browser';
import { createPlan, createPortalCustomer, createPortalMerchant, mintLink, suiteEnv } from '../support/portal';

// The subscription actions end to end in Chromium: cancel with a reason and undo it, pause and
// resume, switch plan.
describeWithBrowser('portal subscription actions in Chromium', () => {
  const s = browserSuite({ env: suiteEnv('portal-subscription-browser') });

  it('cancels with a reason, undoes it, pauses, resumes and upgrades', async () => {
    const m = await createPortalMerchant(s.t, { planName: 'Starter', patch: { portalSettings: { pause: true, maxPauseDays: 60 } } });
    await createPlan(m, 'Pro', '25000000');
    const c = await createPortalCustomer(m, { email: 'ada@example.com', name: 'Ada' });
    // Payment reconciliation is covered elsewhere; here the first invoice is marked paid through the lifecycle.
    await activateSubscription(s.t, m, c.subscriptionId, s.t.clock.now());

    await continueToPortal(s.page, s.base, (await mintLink(m, c.id)).token);
    await s.page.getByRole('link', { name: 'Starter' }).first().click();
    await s.page.waitForURL(`${s.base}/portal/subscriptions/${c.subscriptionId}`);
    await screenshot(s.page, 'actions-subscription');

    await s.page.getByRole('link', { name: 'Cancel subscription' }).click();
    await s.page.getByLabel('Too expensive').check();
    await screenshot(s.page, 'actions-cancel');
    await s.page.getByRole('button', { name: /^Cancel on / }).click();
    await s.page.waitForURL(/\/portal\/subscriptions\/sub_[^?]+\?done=/);
    expect(await s.page.locator('main').innerText()).toMatch(/Cancellation scheduled/i);
    await screenshot(s.page, 'actions-cancel-scheduled');
    await s.page.getByRole('button', { name: 'Don’t cancel' }).click();
    await s.page.waitForURL(/\?done=/);
    expect(await s.page.getByRole('link', { name: 'Cancel subscription' }).count()).toBe(1);

    await s.page.getByRole('link', { name: 'Pause' }).click();
    const resumeOn = new Date(s.t.clock.now().getTime() + 20 * 86_400_000).toISOString().slice(0, 10);
    await s.page.getByLabel(/Resume on/).fill(resumeOn);
    await screenshot(s.page, 'actions-pause');
    await s.page.getByRole('button', { name: 'Pause subscription' }).click();
    await s.page.waitForURL(/\?done=/);
    expect(await s.page.locator('main').innerText()).toMatch(/Paused/);
    await s.page.getByRole('button', { name: 'Resume now' }).click();
    await s.page.waitForURL(/\?done=/);
    expect(await s.page.locator('main').innerText()).toMatch(/Active/);

    await s.page.getByRole('link', { name: 'Change plan' }).click();
    await s.page.getByRole('link', { name: 'Choose' }).first().click();
    await screenshot(s.page, 'actions-switch-preview');
    await s.page.getByRole('button', { name: 'Confirm switch to Pro' }).click();
    await s.page.waitForURL(/\?done=/);
    // An upgrade pays first: the plan stays until the proration invoice is paid on chain.
    expect(await s.page.locator('h1').innerText()).toBe('Starter');
    expect(await s.page.locator('main').innerText()).toMatch(/Upgrade to Pro pending payment of invoice/);
    expect(await s.page.getByRole('link', { name: /^Pay/ }).count()).toBeGreaterThan(0);
    await screenshot(s.page, 'actions-switched');

    const events: { type: string }[] = await s.t.app.get(DataSource).query(`SELECT type FROM outbox_event WHERE merchant_id = $1 AND data->>'initiated_by' = 'customer_portal' ORDER BY created_at, id`, [m.id]);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['subscription.cancellation_scheduled', 'subscription.cancellation_unscheduled', 'subscription.paused', 'subscription.resumed', 'subscription.updated']),
    );
    expect(s.problems).toEqual([]);
  });
});
