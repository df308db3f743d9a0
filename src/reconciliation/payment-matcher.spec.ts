import { decideBinding, invoiceStatusFor, matchByAmountTag, type MatchableInvoice } from './payment-matcher';

const T0 = new Date('2026-01-01T00:00:00Z');
const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);
const invoice = (over: Partial<MatchableInvoice> = {}): MatchableInvoice => ({
  id: 'inv_a', merchantId: 'mer_a', customerId: 'cus_a', amountDue: 10_000_001n, status: 'open', expiresAt: hours(72), monitorUntil: hours(96), ...over,
});

describe('matchByAmountTag', () => {
  it.each([
    ['the exact amount of an open invoice', 10_000_001n, [invoice()], hours(1), { matchedBy: 'amount', late: false }],
    ['a partially paid invoice', 10_000_001n, [invoice({ status: 'partially_paid' })], hours(1), { matchedBy: 'amount', late: false }],
    ['an expired invoice inside its monitoring window, flagged late', 10_000_001n, [invoice({ status: 'expired' })], hours(80), { matchedBy: 'amount', late: true }],
  ])('matches %s', (_name, amount, candidates, at, expected) => {
    expect(matchByAmountTag({ amount, blockTimestamp: at }, candidates)).toMatchObject(expected);
  });

  it.each([
    ['one base unit short', 10_000_000n, [invoice()], hours(1)],
    ['a paid invoice', 10_000_001n, [invoice({ status: 'paid' })], hours(1)],
    ['a void invoice', 10_000_001n, [invoice({ status: 'void' })], hours(1)],
    ['after the monitoring window', 10_000_001n, [invoice({ status: 'expired' })], hours(97)],
  ])('does not match %s', (_name, amount, candidates, at) => {
    expect(matchByAmountTag({ amount, blockTimestamp: at }, candidates)).toEqual({ matchedBy: null });
  });
});

describe('invoiceStatusFor', () => {
  const base = { status: 'open' as const, amountDue: 100n, received: 0n, confirmed: 0n, expiresAt: hours(72), now: hours(1) };
  it.each([
    ['nothing received', {}, 'open'],
    ['part received', { received: 40n }, 'partially_paid'],
    ['all received, not yet confirmed', { received: 100n }, 'open'],
    ['confirmed in full', { received: 100n, confirmed: 100n }, 'paid'],
    ['confirmed over', { received: 150n, confirmed: 150n }, 'paid'],
    ['nothing received after expiry', { now: hours(73) }, 'expired'],
    ['void stays void', { status: 'void' as const, received: 100n, confirmed: 100n }, 'void'],
  ])('%s → %s', (_name, over, expected) => {
    expect(invoiceStatusFor({ ...base, ...over })).toBe(expected);
  });
});

describe('decideBinding', () => {
  const wallet = { customerId: 'cus_a', livemode: false, verifiedBlock: 100n };
  it('binds transfers at or after the verification block', () => {
    expect(decideBinding(wallet, { blockNumber: 100n, livemode: false })).toEqual({ bind: true, customerId: 'cus_a' });
  });
  it('only suggests the customer for earlier transfers', () => {
    expect(decideBinding(wallet, { blockNumber: 99n, livemode: false })).toEqual({ bind: false, suggestedCustomerId: 'cus_a' });
  });
  it('ignores wallets of the other mode and unknown senders', () => {
    expect(decideBinding(wallet, { blockNumber: 200n, livemode: true })).toEqual({ bind: false, suggestedCustomerId: null });
    expect(decideBinding(null, { blockNumber: 200n, livemode: false })).toEqual({ bind: false, suggestedCustomerId: null });
  });
});
