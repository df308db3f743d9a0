import { formatUnits } from 'viem';
import { isOverdue } from '../invoices/invoice-lifecycle';

// Pure formatting for the portal; templates only iterate and branch over what these return.

export function formatAmount(amount: bigint, decimals: number, symbol: string): string {
  const [whole, fraction] = formatUnits(amount, decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fraction ? `${grouped}.${fraction}` : grouped} ${symbol}`;
}

// The exact decimal string a wallet expects, without grouping.
export function plainAmount(amount: bigint, decimals: number): string {
  return formatUnits(amount, decimals);
}

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });

export function formatDate(date: Date | null | undefined): string {
  return date ? DATE.format(date) : '';
}

export function formatDateTime(date: Date | null | undefined): string {
  return date ? DATE_TIME.format(date) : '';
}

export function maskEmail(email: string): string {
  const [local, domain] = email.split('@');
  if (!domain) return '•••';
  const visible = local.length <= 2 ? local.slice(0, 1) : local.slice(0, 2);
  return `${visible}${'•'.repeat(Math.max(3, local.length - visible.length))}@${domain}`;
}

// EIP-681 payment request: native value, or an ERC-20 transfer call.
export function eip681Uri(input: { chainId: number; token: string; payTo: string; amount: bigint }): string {
  if (input.token === 'native') return `ethereum:${input.payTo}@${input.chainId}?value=${input.amount.toString()}`;
  return `ethereum:${input.token}@${input.chainId}/transfer?address=${input.payTo}&uint256=${input.amount.toString()}`;
}

export function explorerTxUrl(explorerUrl: string | null | undefined, txHash: string): string | null {
  if (!explorerUrl || !/^https:\/\//.test(explorerUrl)) return null;
  return `${explorerUrl.replace(/\/$/, '')}/tx/${txHash}`;
}

export function shortHash(hash: string): string {
  return hash.length > 14 ? `${hash.slice(0, 8)}…${hash.slice(-6)}` : hash;
}

export type Tone = 'success' | 'warning' | 'danger' | 'neutral' | 'info';

export const SUBSCRIPTION_STATUS: Record<string, { label: string; tone: Tone }> = {
  incomplete: { label: 'Awaiting first payment', tone: 'warning' },
  incomplete_expired: { label: 'Expired', tone: 'neutral' },
  active: { label: 'Active', tone: 'success' },
  past_due: { label: 'Past due', tone: 'danger' },
  paused: { label: 'Paused', tone: 'neutral' },
  canceled: { label: 'Canceled', tone: 'neutral' },
  unpaid: { label: 'Unpaid', tone: 'danger' },
};

export function invoiceStatus(status: string, expiresAt: Date, now: Date): { label: string; tone: Tone } {
  if (isOverdue({ status, expiresAt }, now)) return { label: 'Overdue', tone: 'danger' };
  switch (status) {
    case 'open':
      return { label: 'Open', tone: 'warning' };
    case 'partially_paid':
      return { label: 'Partially paid', tone: 'warning' };
    case 'paid':
      return { label: 'Paid', tone: 'success' };
    case 'expired':
      return { label: 'Expired', tone: 'neutral' };
    default:
      return { label: 'Void', tone: 'neutral' };
  }
}

export function paymentStatus(state: string, confirmations: number | null, required: number): { label: string; tone: Tone } {
  switch (state) {
    case 'final':
      return { label: 'Final', tone: 'success' };
    case 'confirmed':
      return { label: 'Confirmed', tone: 'success' };
    case 'orphaned':
      return { label: 'Reversed', tone: 'danger' };
    default:
      if (confirmations === null || confirmations < 1) return { label: 'Detected', tone: 'info' };
      return { label: `Confirming ${Math.min(confirmations, required)} of ${required}`, tone: 'info' };
  }
}

export function intervalLabel(unit: string, count: number): string {
  return count === 1 ? `per ${unit}` : `every ${count} ${unit}s`;
}
