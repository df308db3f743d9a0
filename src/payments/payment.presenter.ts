import type { PaymentEntity } from './payment.entity';

export function paymentView(p: PaymentEntity) {
  return {
    id: p.id,
    object: 'payment' as const,
    livemode: p.livemode,
    chainId: p.chainId,
    txHash: p.txHash,
    logIndex: p.logIndex,
    blockNumber: p.blockNumber.toString(),
    blockHash: p.blockHash,
    blockTimestamp: p.blockTimestamp.toISOString(),
    assetId: p.assetId,
    token: p.token,
    from: p.fromAddress,
    to: p.toAddress,
    amount: p.amount.toString(),
    kind: p.kind,
    state: p.state,
    invoiceId: p.invoiceId,
    customerId: p.customerId,
    matchedBy: p.matchedBy,
    late: p.late,
    flags: p.flags,
    suggestedCustomerId: p.suggestedCustomerId,
  };
}

export type PaymentView = ReturnType<typeof paymentView>;
