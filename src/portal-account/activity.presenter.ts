import type { AuditEventEntity } from '../audit/audit-event.entity';
import type { AppConfig } from '../config/app-config';
import { formatDateTime } from '../portal/view-helpers';

// What a customer reads for each audit action. Codes absent here fall back to a label for their
// target type, then to a generic one, so a new action never shows its raw code.
const LABELS: Record<string, string> = {
  'customer.create': 'Account created',
  'customer.update': 'Account details updated',
  'customer.billing_profile_update': 'Billing profile saved',
  'customer.payment_method_update': 'Payment method changed',
  'customer.wallet_link': 'Wallet linked',
  'customer.wallet_unlink': 'Wallet unlinked',
  'wallet.link': 'Wallet linked',
  'wallet.unlink': 'Wallet unlinked',
  'payer_wallet.link': 'Wallet linked',
  'payer_wallet.unlink': 'Wallet unlinked',
  'subscription.create': 'Subscription started',
  'subscription.first_invoice_paid': 'Subscription activated',
  'subscription.first_invoice_expired': 'Subscription lapsed before its first payment',
  'subscription.renewal_paid': 'Subscription renewed',
  'subscription.period_ended_unpaid': 'Renewal payment overdue',
  'subscription.grace_expired': 'Grace period ended',
  'subscription.period_ended_with_cancel': 'Subscription ended',
  'subscription.cancel_at_period_end': 'Subscription cancellation scheduled',
  'subscription.unschedule_cancel': 'Scheduled cancellation withdrawn',
  'subscription.cancel_now': 'Subscription canceled',
  'subscription.pause': 'Subscription paused',
  'subscription.resume': 'Subscription resumed',
  'subscription.switch_plan': 'Plan changed',
  'subscription.payment_reversed': 'Subscription payment reversed',
  'subscription.payment_restored': 'Subscription payment restored',
  'subscription.upgrade_requested': 'Upgrade requested, waiting for its invoice to be paid',
  'subscription.upgrade_paid': 'Upgrade paid and applied',
  'subscription.upgrade_expired': 'Upgrade dropped: its invoice was not paid',
  'invoice.create': 'Invoice issued',
  'invoice.overpaid': 'Payment added to your credit',
  'invoice.credit_applied': 'Account credit applied to an invoice',
  'invoice.credit_reversed': 'Account credit withdrawn: its payment was reversed',
  'invoice.void': 'Invoice voided',
  'invoice.expire': 'Invoice expired unpaid',
  'payment.detect': 'Payment detected',
  'payment.confirm': 'Payment confirmed',
  'payment.claim': 'Payment matched to your claim',
  'payment.assign': 'Payment assigned to an invoice',
  'payment.reverse': 'Payment reversed by a chain reorganisation',
  'payment.revive': 'Payment restored',
  'payment_claim.create': 'Payment claim submitted',
  'payment_claim.needs_review': 'Payment claim waiting for review',
  'payment_claim.verified': 'Payment claim verified',
  'payment_claim.rejected': 'Payment claim rejected',
  'portal_link.create': 'Billing portal link issued',
  'portal_link.email': 'Billing portal link emailed',
  'portal_link.open': 'Billing portal link opened',
  'portal_link.exchange': 'Billing portal link opened',
  'portal_session.create': 'Billing portal link opened',
  'portal_link.revoke': 'Billing portal link revoked',
  'portal_link.revoke_all': 'All billing portal links revoked',
};

const TARGET_LABELS: Record<string, string> = {
  customer: 'Account updated',
  subscription: 'Subscription updated',
  invoice: 'Invoice updated',
  payment: 'Payment updated',
  payment_claim: 'Payment claim updated',
  portal_link: 'Billing portal link updated',
  wallet: 'Wallet updated',
  payer_wallet: 'Wallet updated',
};

const GENERIC = 'Account activity';

// Field names of the billing profile as the form labels them (the audit row holds names only).
const FIELD_LABELS: Record<string, string> = {
  legalName: 'legal name',
  company: 'company',
  email: 'billing email',
  taxId: 'tax ID',
  'address.line1': 'address line 1',
  'address.line2': 'address line 2',
  'address.city': 'city',
  'address.postalCode': 'postal code',
  'address.region': 'region',
  'address.country': 'country',
};

// A settlement's meaning is the invoice status it reached: a payment merely detected is not "paid".
const SETTLE_LABELS: Record<string, string> = {
  paid: 'Invoice paid',
  partially_paid: 'Part of an invoice paid',
  open: 'Payment received, awaiting confirmations',
  expired: 'Invoice payment reversed',
  void: 'Payment received for a voided invoice',
};

export function activityLabel(action: string, targetType: string, after?: Record<string, unknown> | null): string {
  if (action === 'invoice.settle') return SETTLE_LABELS[String(after?.status)] ?? TARGET_LABELS.invoice;
  return LABELS[action] ?? TARGET_LABELS[targetType] ?? GENERIC;
}

export interface ActivityItem {
  id: string;
  label: string;
  time: string;
  isoTime: string;
  actor: string;
  detail: string | null;
  failed: boolean;
}

// Audit row → one line of the activity page. Before/after values are never printed: only a
// detail computed from non-personal facts (which profile fields changed, which asset was chosen).
export function activityItem(row: AuditEventEntity, config: AppConfig, merchantName: string): ActivityItem {
  return {
    id: row.id,
    label: activityLabel(row.action, row.targetType, row.changes?.after as Record<string, unknown> | null | undefined),
    time: formatDateTime(row.createdAt),
    isoTime: row.createdAt.toISOString(),
    actor: actorLabel(row, merchantName),
    detail: detailOf(row, config),
    failed: row.outcome !== 'success',
  };
}

function actorLabel(row: AuditEventEntity, merchantName: string): string {
  switch (row.actorType) {
    case 'portal_session':
      return 'You';
    case 'api_key':
    case 'dashboard':
    case 'cli':
      return merchantName;
    default:
      return 'Automatic';
  }
}

function detailOf(row: AuditEventEntity, config: AppConfig): string | null {
  const after = row.changes?.after as Record<string, unknown> | null | undefined;
  if (!after || typeof after !== 'object') return null;
  if (row.action === 'customer.billing_profile_update' || row.action === 'customer.update') {
    const fields = Array.isArray(after.billingProfileChanged) ? after.billingProfileChanged.filter((f): f is string => typeof f === 'string' && f in FIELD_LABELS) : [];
    return fields.length ? `Changed: ${fields.map((f) => FIELD_LABELS[f]).join(', ')}` : null;
  }
  if (row.action === 'customer.payment_method_update' && typeof after.paymentAssetId === 'string') {
    const asset = config.asset(after.paymentAssetId);
    return asset ? `Next invoices in ${asset.symbol} on ${asset.chainName}` : null;
  }
  return null;
}
