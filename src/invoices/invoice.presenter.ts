import type { InvoiceEntity } from './invoice.entity';

export function invoiceView(i: InvoiceEntity) {
  return {
    id: i.id,
    object: 'invoice' as const,
    livemode: i.livemode,
    number: i.number,
    status: i.status,
    billingReason: i.billingReason,
    customerId: i.customerId,
    subscriptionId: i.subscriptionId,
    assetId: i.assetId,
    chainId: i.chainId,
    token: i.token,
    payTo: i.payTo,
    subtotal: i.subtotal.toString(),
    tag: i.tag,
    amountDue: i.amountDue.toString(),
    amountReceived: i.amountReceived.toString(),
    amountConfirmed: i.amountConfirmed.toString(),
    amountRemaining: (i.amountDue > i.amountReceived ? i.amountDue - i.amountReceived : 0n).toString(),
    lineItems: i.lineItems,
    periodStart: i.periodStart?.toISOString() ?? null,
    periodEnd: i.periodEnd?.toISOString() ?? null,
    dueAt: i.dueAt.toISOString(),
    expiresAt: i.expiresAt.toISOString(),
    monitorUntil: i.monitorUntil.toISOString(),
    paidAt: i.paidAt?.toISOString() ?? null,
    createdAt: i.createdAt.toISOString(),
  };
}

export type InvoiceView = ReturnType<typeof invoiceView>;
