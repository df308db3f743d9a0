import { CLAIM_REASONS, judgeClaim, type ClaimFacts } from './claim-rules';

const T0 = new Date('2026-03-01T12:00:00Z');
const seconds = (s: number) => new Date(T0.getTime() + s * 1000);

const facts = (over: Partial<ClaimFacts> = {}, payment: Partial<NonNullable<ClaimFacts['payment']>> = {}): ClaimFacts => ({
  invoice: { id: 'inv_a', customerId: 'cus_a', createdAt: T0, status: 'open' },
  payment: { invoiceId: null, state: 'confirmed', blockTimestamp: seconds(60), fromAddress: '0xexchange', amount: 9_990_000n, ...payment },
  heldTagInvoiceId: null,
  senderCustomerId: null,
  claimsMode: 'review',
  ...over,
});

describe('judgeClaim', () => {
  it.each([
    ['no transfer recorded for the merchant', facts({ payment: null }), CLAIM_REASONS.notRecorded],
    ['a transfer reversed by a reorg', facts({}, { state: 'orphaned' }), CLAIM_REASONS.reversed],
    ['a transfer that already paid an invoice', facts({}, { invoiceId: 'inv_b' }), CLAIM_REASONS.alreadyMatched],
    ["a transfer of another invoice's exact held amount", facts({ heldTagInvoiceId: 'inv_b' }), CLAIM_REASONS.anotherInvoicesTag],
    ['a transfer mined a second before the invoice was issued', facts({}, { blockTimestamp: seconds(-1) }), CLAIM_REASONS.beforeInvoice],
    ["a transfer from a wallet bound to another customer", facts({ senderCustomerId: 'cus_b' }), CLAIM_REASONS.anotherCustomersWallet],
    ['a claim on a paid invoice', facts({ invoice: { id: 'inv_a', customerId: 'cus_a', createdAt: T0, status: 'paid' } }), CLAIM_REASONS.invoiceClosed],
  ])('rejects %s', (_name, f, reason) => {
    expect(judgeClaim(f, f.invoice.status !== 'paid')).toEqual({ verdict: 'reject', reason });
  });

  it('rejects an already matched transfer even in auto mode and even for the matched invoice itself', () => {
    expect(judgeClaim(facts({ claimsMode: 'auto' }, { invoiceId: 'inv_a' }), true).verdict).toBe('reject');
  });

  it("accepts the claimant's own held amount, a transfer in the issuing second, and the claimant's own wallet", () => {
    expect(judgeClaim(facts({ heldTagInvoiceId: 'inv_a', senderCustomerId: 'cus_a' }, { blockTimestamp: T0 }), true)).toEqual({ verdict: 'review', reason: CLAIM_REASONS.review });
  });

  it('credits at once only when the merchant chose auto', () => {
    expect(judgeClaim(facts({ claimsMode: 'auto' }), true)).toEqual({ verdict: 'credit' });
    expect(judgeClaim(facts({ claimsMode: 'review' }), true).verdict).toBe('review');
  });
});
