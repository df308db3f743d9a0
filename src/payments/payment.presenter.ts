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

// The same view built by PostgreSQL from a payment row aliased `p`, for events written in bulk
// from rows already in the database (the chain scanner's chunks). payment.presenter.spec.ts keeps
// the two identical.
export const PAYMENT_VIEW_SQL = `jsonb_build_object(
  'id', p.id, 'object', 'payment', 'livemode', p.livemode, 'chainId', p.chain_id, 'txHash', p.tx_hash, 'logIndex', p.log_index,
  'blockNumber', p.block_number::text, 'blockHash', p.block_hash,
  'blockTimestamp', to_char(p.block_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'assetId', p.asset_id, 'token', p.token, 'from', p.from_address, 'to', p.to_address, 'amount', p.amount::text, 'kind', p.kind,
  'state', p.state, 'invoiceId', p.invoice_id, 'customerId', p.customer_id, 'matchedBy', p.matched_by, 'late', p.late,
  'flags', to_jsonb(p.flags), 'suggestedCustomerId', p.suggested_customer_id)`;

