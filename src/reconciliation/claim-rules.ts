// Whether a customer's "I paid from an exchange" claim may move a transfer onto their invoice.
// Pure: the claim job gathers the facts (after the scanner has passed the transfer's block, so the
// amount tag and wallet rules have already had their say) and applies this decision under locks.

export interface ClaimFacts {
  invoice: { id: string; customerId: string; createdAt: Date; status: string };
  // The transfer as the scanner recorded it for this merchant; null if it recorded none.
  payment: { invoiceId: string | null; state: string; blockTimestamp: Date; fromAddress: string; amount: bigint } | null;
  // The invoice (if any) holding this exact amount as its tag on the same address.
  heldTagInvoiceId: string | null;
  // The customer whose proved wallet sent the transfer (if any).
  senderCustomerId: string | null;
  claimsMode: 'auto' | 'review';
}

export type ClaimVerdict = { verdict: 'reject'; reason: string } | { verdict: 'credit' } | { verdict: 'review'; reason: string };

export const CLAIM_REASONS = {
  notRecorded: 'no transfer of the invoice asset to the merchant address was recorded in this transaction',
  alreadyMatched: 'this transfer already paid an invoice',
  reversed: 'this transfer was reversed by a chain reorganisation',
  anotherInvoicesTag: "the amount is another open invoice's exact amount",
  beforeInvoice: 'the transfer was made before this invoice was issued',
  anotherCustomersWallet: "the transfer came from a wallet linked to another customer's account",
  invoiceClosed: 'the invoice no longer accepts payments',
  review: 'the merchant reviews claimed payments before crediting them',
} as const;

export function judgeClaim(f: ClaimFacts, acceptsPayment: boolean): ClaimVerdict {
  const p = f.payment;
  if (!p) return { verdict: 'reject', reason: CLAIM_REASONS.notRecorded };
  if (p.state === 'orphaned') return { verdict: 'reject', reason: CLAIM_REASONS.reversed };
  if (p.invoiceId) return { verdict: 'reject', reason: CLAIM_REASONS.alreadyMatched };
  if (f.heldTagInvoiceId && f.heldTagInvoiceId !== f.invoice.id) return { verdict: 'reject', reason: CLAIM_REASONS.anotherInvoicesTag };
  // Block times have whole seconds: only a block from an earlier second is surely earlier.
  if (p.blockTimestamp.getTime() + 1000 <= f.invoice.createdAt.getTime()) return { verdict: 'reject', reason: CLAIM_REASONS.beforeInvoice };
  if (f.senderCustomerId && f.senderCustomerId !== f.invoice.customerId) return { verdict: 'reject', reason: CLAIM_REASONS.anotherCustomersWallet };
  if (!acceptsPayment) return { verdict: 'reject', reason: CLAIM_REASONS.invoiceClosed };
  return f.claimsMode === 'auto' ? { verdict: 'credit' } : { verdict: 'review', reason: CLAIM_REASONS.review };
}
