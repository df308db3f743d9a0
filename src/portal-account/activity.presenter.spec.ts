import type { ClaimStatus } from '../payments/payment-claim.entity';
import type { LifecycleEventType } from '../subscriptions/subscription-lifecycle';
import { activityLabel } from './activity.presenter';

// Actions spelled the way their writers build them (`subscription.<lifecycle event>`,
// `payment_claim.<status>`), so a renamed event breaks the build here rather than showing the
// customer a generic label.
const upgrade = (type: LifecycleEventType) => `subscription.${type}`;
const claim = (status: ClaimStatus) => `payment_claim.${status}`;

describe('activityLabel', () => {
  it.each([
    [upgrade('upgrade_requested'), 'subscription', 'Upgrade requested, waiting for its invoice to be paid'],
    [upgrade('upgrade_paid'), 'subscription', 'Upgrade paid and applied'],
    [upgrade('upgrade_expired'), 'subscription', 'Upgrade dropped: its invoice was not paid'],
    ['invoice.credit_applied', 'invoice', 'Account credit applied to an invoice'],
    ['invoice.credit_reversed', 'invoice', 'Account credit withdrawn: its payment was reversed'],
    [claim('needs_review'), 'payment_claim', 'Payment claim waiting for review'],
  ])('%s (a %s) reads "%s"', (action, targetType, label) => {
    expect(activityLabel(action, targetType)).toBe(label);
  });

  it('falls back to the target type, then to a generic label', () => {
    expect(activityLabel('subscription.something_new', 'subscription')).toBe('Subscription updated');
    expect(activityLabel('mystery.thing', 'mystery')).toBe('Account activity');
  });
});
