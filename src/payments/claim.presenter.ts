import type { PaymentClaimEntity } from './payment-claim.entity';

export function claimView(c: PaymentClaimEntity) {
  return {
    id: c.id,
    object: 'payment_claim' as const,
    livemode: c.livemode,
    invoiceId: c.invoiceId,
    customerId: c.customerId,
    chainId: c.chainId,
    txHash: c.txHash,
    status: c.status,
    reason: c.reason,
    // The transfer as recorded on chain, once the claim has been judged.
    fromAddress: c.fromAddress,
    amount: c.amount?.toString() ?? null,
    blockNumber: c.blockNumber?.toString() ?? null,
    blockTimestamp: c.blockTimestamp?.toISOString() ?? null,
    paymentId: c.paymentId,
    reviewNote: c.reviewNote,
    createdBy: c.createdBy,
    resolvedBy: c.resolvedBy,
    createdAt: c.createdAt.toISOString(),
    resolvedAt: c.resolvedAt?.toISOString() ?? null,
  };
}

export type ClaimView = ReturnType<typeof claimView>;
