import type { AuditEventEntity } from '../audit/audit-event.entity';
import type { AppConfig } from '../config/app-config';
import type { CustomerEntity } from '../customers/customer.entity';
import type { InvoiceEntity } from '../invoices/invoice.entity';
import type { ApiKeyEntity } from '../merchants/api-key.entity';
import { DEFAULT_BRANDING } from '../merchants/merchant.defaults';
import type { MerchantEntity } from '../merchants/merchant.entity';
import type { PaymentEntity } from '../payments/payment.entity';
import { PortalPresenter } from '../portal/portal.presenter';
import { formatDate, formatDateTime, shortHash, SUBSCRIPTION_STATUS, type Tone } from '../portal/view-helpers';
import type { DashboardContext } from './dashboard-session.service';
import type { CursorRow, WalletRow } from './dashboard.repository';

export type Nav = 'overview' | 'customers' | 'payments' | 'claims' | 'webhooks' | 'settings' | 'api-keys' | 'account';

const SECTION_PATHS: Record<Nav, string> = {
  overview: '/dashboard',
  customers: '/dashboard/customers',
  payments: '/dashboard/payments',
  claims: '/dashboard/claims',
  webhooks: '/dashboard/webhooks',
  settings: '/dashboard/settings',
  'api-keys': '/dashboard/api-keys',
  account: '/dashboard',
};

const ACTIONS: Record<string, string> = {
  'customer.create': 'Customer created',
  'customer.update': 'Customer updated',
  'subscription.create': 'Subscription created',
  'invoice.create': 'Invoice issued',
  'invoice.settle': 'Invoice settled',
  'invoice.expire': 'Invoice expired',
  'invoice.void': 'Invoice voided',
  'invoice.overpaid': 'Invoice overpaid',
  'payment.detect': 'Payment detected',
  'payment.confirm': 'Payment confirmed',
  'payment.reverse': 'Payment reversed by a chain reorganisation',
  'payment.revive': 'Reversed payment seen again',
  'payment.assign': 'Payment assigned to an invoice',
  'payment.claim': 'Payment claimed by transaction hash',
  'portal_link.create': 'Portal link generated',
  'portal_link.revoke': 'Portal link revoked',
  'portal_link.revoke_all': 'All portal links revoked',
  'portal_link.email': 'Portal link emailed',
};

const ACTORS: Record<string, string> = {
  api_key: 'API key',
  portal_session: 'Customer, in the portal',
  dashboard: 'Dashboard',
  system: 'Billfold',
  cli: 'Operator (CLI)',
};

const LAG_WARNING_SECONDS = 300;

// Entity → view-model for the dashboard. Money, dates and badges come from the portal's
// presenter and helpers, so both surfaces print them the same way.
export class DashboardPresenter {
  readonly portal: PortalPresenter;

  constructor(
    private readonly config: AppConfig,
    private readonly now: Date,
  ) {
    this.portal = new PortalPresenter(config, now);
  }

  // What the layout needs on every signed-in page. The header shows the merchant's name in
  // Billfold's own colours: the dashboard is not the customer-facing portal. Page services get it
  // with the claims count from DashboardLayoutService.
  layout(ctx: DashboardContext, nav: Nav, title: string, claimsAwaiting = 0) {
    return {
      title,
      brand: this.brand(ctx.merchant),
      testMode: !ctx.tenant.livemode,
      dash: {
        signedIn: true,
        email: ctx.user.email,
        isOwner: ctx.user.role === 'owner',
        role: ctx.user.role === 'owner' ? 'Owner' : 'Staff',
        nav: { [nav]: true },
        // Where the mode switch returns to: the section's first page (ids differ between modes).
        section: SECTION_PATHS[nav],
        csrfToken: ctx.csrfToken,
        livemode: ctx.tenant.livemode,
        claimsAwaiting,
      },
    };
  }

  brand(merchant: Pick<MerchantEntity, 'name'>) {
    const name = merchant.name;
    return {
      name,
      initials: name.split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toUpperCase(),
      logoUrl: null,
      primaryColor: DEFAULT_BRANDING.primaryColor,
      accentColor: DEFAULT_BRANDING.accentColor,
      footerText: null,
      supportEmail: null,
    };
  }

  customerRow(c: CustomerEntity) {
    return { id: c.id, email: c.email, name: c.name, externalId: c.externalId, createdAt: formatDate(c.createdAt) };
  }

  payment(p: PaymentEntity, heads: Map<number, bigint>, invoices: Map<string, InvoiceEntity>, customers: Map<string, CustomerEntity>) {
    const base = this.portal.payment(p, heads);
    const head = heads.get(p.chainId);
    const invoice = p.invoiceId ? invoices.get(p.invoiceId) : undefined;
    const customer = p.customerId ? customers.get(p.customerId) : undefined;
    const confirmations = head !== undefined && head >= p.blockNumber && p.state !== 'orphaned' ? Number(head - p.blockNumber + 1n) : 0;
    const required = this.config.chain(p.chainId)?.confirmations ?? 1;
    return {
      ...base,
      confirmations,
      required,
      confirmationsLabel: p.state === 'orphaned' ? null : confirmations >= required ? `${confirmations} confirmations` : `${confirmations} of ${required} confirmations`,
      blockNumber: p.blockNumber.toString(),
      from: p.fromAddress,
      fromShort: shortHash(p.fromAddress),
      to: p.toAddress,
      reversed: p.state === 'orphaned',
      unmatched: !p.invoiceId && p.state !== 'orphaned',
      late: p.late,
      matchedBy: p.matchedBy,
      invoiceId: p.invoiceId,
      invoiceNumber: invoice?.number ?? p.invoiceId,
      customerId: customer?.id ?? null,
      customerEmail: customer?.email ?? null,
      assetSymbol: p.assetId ? (this.config.asset(p.assetId)?.symbol ?? '') : '',
    };
  }

  // Invoices an unmatched transfer may be assigned to, keyed by where the transfer arrived.
  assignOptions(payment: PaymentEntity, candidates: InvoiceEntity[], customers: Map<string, CustomerEntity>) {
    return candidates
      .filter((i) => i.chainId === payment.chainId && i.token.toLowerCase() === payment.token.toLowerCase() && i.payTo.toLowerCase() === payment.toAddress.toLowerCase())
      .map((i) => ({
        id: i.id,
        label: `${i.number} · ${this.portal.money(i.amountDue - i.amountReceived > 0n ? i.amountDue - i.amountReceived : 0n, i.assetId)} due · ${customers.get(i.customerId)?.email ?? i.customerId}`,
        exact: i.amountDue - i.amountReceived === payment.amount,
      }))
      .sort((a, b) => Number(b.exact) - Number(a.exact));
  }

  wallet(w: WalletRow) {
    return { address: w.address, payments: w.payments, lastSeen: formatDateTime(w.lastSeen) };
  }

  activity(e: AuditEventEntity, users: Map<string, string>) {
    const actor = e.actorType === 'dashboard' ? `Dashboard: ${users.get(e.actorId) ?? e.actorId}` : (ACTORS[e.actorType] ?? e.actorType);
    return {
      time: formatDateTime(e.createdAt),
      action: ACTIONS[e.action] ?? humanize(e.action),
      target: e.targetId,
      actor,
      failed: e.outcome !== 'success',
    };
  }

  subscriptionCounts(counts: Map<string, number>) {
    const order = ['active', 'past_due', 'unpaid', 'incomplete', 'paused', 'canceled', 'incomplete_expired'];
    return order.map((status) => ({
      status,
      label: SUBSCRIPTION_STATUS[status]?.label ?? status,
      tone: SUBSCRIPTION_STATUS[status]?.tone ?? 'neutral',
      count: counts.get(status) ?? 0,
    }));
  }

  // How far each scanner trails: blocks behind the newest head it saw, the age of the last
  // processed block, when it last moved, and halts.
  chainLag(livemode: boolean, cursors: CursorRow[]) {
    return this.config.env.CHAINS.filter((c) => c.testnet === !livemode).map((chain) => {
      const cursor = cursors.find((c) => c.chainId === chain.chainId);
      if (!cursor) return { chainId: chain.chainId, name: chain.name, scanned: false, status: 'Not scanned yet', tone: 'neutral' as Tone };
      const lagSeconds = cursor.blockTime ? Math.max(0, Math.round((this.now.getTime() - cursor.blockTime.getTime()) / 1000)) : null;
      const behind = cursor.latestBlock !== null && cursor.latestBlock > cursor.block ? cursor.latestBlock - cursor.block : 0n;
      const status: { status: string; tone: Tone } = cursor.haltedAt
        ? { status: 'Halted', tone: 'danger' }
        : lagSeconds !== null && lagSeconds > LAG_WARNING_SECONDS
          ? { status: 'Behind', tone: 'warning' }
          : { status: 'Up to date', tone: 'success' };
      return {
        chainId: chain.chainId,
        name: chain.name,
        scanned: true,
        block: cursor.block.toString(),
        blocksBehind: behind.toString(),
        latestBlock: cursor.latestBlock?.toString() ?? null,
        blockTime: formatDateTime(cursor.blockTime),
        lag: lagSeconds === null ? 'unknown' : duration(lagSeconds),
        lastScan: formatDateTime(cursor.updatedAt),
        haltReason: cursor.haltReason,
        haltedAt: formatDateTime(cursor.haltedAt),
        ...status,
      };
    });
  }

  apiKey(k: ApiKeyEntity) {
    const revoked = !!k.revokedAt;
    const expired = !!k.expiresAt && k.expiresAt <= this.now;
    return {
      id: k.id,
      name: k.name,
      masked: `${k.prefix}…${k.last4}`,
      mode: k.livemode ? 'Live' : 'Test',
      scopes: k.scopes.length >= 14 ? 'All scopes' : k.scopes.join(', '),
      createdAt: formatDate(k.createdAt),
      createdBy: k.createdBy,
      lastUsed: k.lastUsedAt ? formatDateTime(k.lastUsedAt) : 'Never',
      active: !revoked && !expired,
      status: revoked ? 'Revoked' : expired ? 'Expired' : 'Active',
      tone: (revoked || expired ? 'neutral' : 'success') as Tone,
    };
  }
}

export function humanize(action: string): string {
  const text = action.replace(/[._]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

export function pagination(base: string, page: number, total: number, pageSize: number, extra = '') {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const href = (p: number) => `${base}?${extra ? `${extra}&` : ''}page=${p}`;
  return { page, pages, total, show: pages > 1, previous: page > 1 ? href(page - 1) : null, next: page < pages ? href(page + 1) : null };
}
