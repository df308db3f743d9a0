import { decideBinding, matchByAmountTag, type MatchableInvoice } from './payment-matcher';

const T0 = new Date('2026-01-01T00:00:00Z');
const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);
const invoice = (over: Partial<MatchableInvoice> = {}): MatchableInvoice => ({
  id: 'inv_a', merchantId: 'mer_a', customerId: 'cus_a', amountDue: 10_000_001n, status: 'open', expiresAt: hours(72), monitorUntil: hours(96), tagHeld: true, ...over,
});

describe('matchByAmountTag', () => {
  it.each([
    ['the exact amount of an open invoice', 10_000_001n, [invoice()], hours(1), { matchedBy: 'amount', late: false, repeat: false }],
    ['a partially paid invoice', 10_000_001n, [invoice({ status: 'partially_paid' })], hours(1), { matchedBy: 'amount', late: false, repeat: false }],
    ['an expired invoice inside its monitoring window, flagged late', 10_000_001n, [invoice({ status: 'expired' })], hours(80), { matchedBy: 'amount', late: true, repeat: false }],
    ['a paid invoice still holding its tag, as a repeat', 10_000_001n, [invoice({ status: 'paid' })], hours(1), { matchedBy: 'amount', late: false, repeat: true }],
    ['a void invoice still holding its tag, as a repeat', 10_000_001n, [invoice({ status: 'void' })], hours(1), { matchedBy: 'amount', late: false, repeat: true }],
  ])('matches %s', (_name, amount, candidates, at, expected) => {
    expect(matchByAmountTag({ amount, blockTimestamp: at }, candidates)).toMatchObject(expected);
  });

  it.each([
    ['one base unit short', 10_000_000n, [invoice()], hours(1)],
    ['an invoice whose tag was released', 10_000_001n, [invoice({ status: 'paid', tagHeld: false })], hours(1)],
    ['after the monitoring window', 10_000_001n, [invoice({ status: 'expired' })], hours(97)],
  ])('does not match %s', (_name, amount, candidates, at) => {
    expect(matchByAmountTag({ amount, blockTimestamp: at }, candidates)).toEqual({ matchedBy: null });
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
