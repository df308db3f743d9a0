import { Injectable, Logger } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import type { Principal } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { MailerService } from '../mail/mailer.service';
import { createPortalLinkSchema } from '../portal-links/portal-link.dto';
import { MAX_LIFETIME_SECONDS } from '../portal-links/portal-link.signer';
import { PortalLinkService } from '../portal-links/portal-link.service';
import { PortalRepository } from '../portal/portal.repository';
import { formatDateTime } from '../portal/view-helpers';
import { FormRejected } from './dashboard-error.filter';
import { DashboardLayoutService } from './dashboard-layout.service';
import type { DashboardContext } from './dashboard-session.service';
import { DashboardUserRepository } from './dashboard-user.repository';
import { DashboardPresenter, pagination } from './dashboard.presenter';
import { DashboardRepository } from './dashboard.repository';
import { field, type FieldErrors, type FormBody } from './settings-form';
import { isAwaitingPayment } from '../invoices/invoice-lifecycle';

const PAGE_SIZE = 25;

export interface LinkForm {
  lifetimeMinutes: string;
  singleUse: boolean;
  initialPage: string;
  returnUrl: string;
}

export interface GeneratedLink {
  url: string;
  expiresAt: string;
  singleUse: boolean;
  emailed?: boolean;
}

@Injectable()
export class DashboardCustomersService {
  private readonly logger = new Logger('DashboardCustomers');

  constructor(
    private readonly reads: DashboardRepository,
    private readonly portal: PortalRepository,
    private readonly users: DashboardUserRepository,
    private readonly links: PortalLinkService,
    private readonly mailer: MailerService,
    private readonly changes: ChangeRecorder,
    private readonly chrome: DashboardLayoutService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async search(ctx: DashboardContext, q: string, page: number) {
    const [layout, [rows, total]] = await Promise.all([this.chrome.layout(ctx, 'customers', 'Customers'), this.reads.searchCustomers(ctx.tenant, q, PAGE_SIZE, (page - 1) * PAGE_SIZE)]);
    const p = this.presenter();
    return {
      ...layout,
      q,
      searched: q.trim() !== '',
      customers: rows.map((c) => p.customerRow(c)),
      total,
      pagination: pagination('/dashboard/customers', page, total, PAGE_SIZE, q ? `q=${encodeURIComponent(q)}` : ''),
    };
  }

  async customer(ctx: DashboardContext, id: string, extra: { notice?: string | null; form?: LinkForm; errors?: FieldErrors; generated?: GeneratedLink } = {}) {
    const customer = await this.reads.customer(ctx.tenant, id);
    const [layout, subscriptions, invoices, [payments], wallets, activity] = await Promise.all([
      this.chrome.layout(ctx, 'customers', customer.name ? `${customer.name} (${customer.email})` : customer.email),
      this.portal.subscriptions(ctx.tenant, id, { includeEnded: true }),
      this.reads.customerInvoices(ctx.tenant, id, 25),
      this.portal.payments(ctx.tenant, id, { limit: 25, offset: 0 }),
      this.reads.wallets(ctx.tenant, id),
      this.reads.activity(ctx.tenant, id, 50),
    ]);
    const [plans, prices, heads, actors] = await Promise.all([
      this.portal.plans(ctx.tenant, subscriptions.map((s) => s.planId)),
      this.portal.prices(ctx.tenant, subscriptions.map((s) => s.priceId)),
      this.portal.heads(payments.map((pay) => pay.chainId)),
      this.users.emails(ctx.tenant.merchantId, activity.filter((e) => e.actorType === 'dashboard').map((e) => e.actorId)),
    ]);
    const p = this.presenter();
    const invoiceMap = new Map(invoices.map((i) => [i.id, i]));
    const subs = subscriptions.map((s) => p.portal.subscription(s, plans.get(s.planId), prices.get(s.priceId)));
    const openInvoices = invoices.filter((i) => isAwaitingPayment(i.status));
    const form = extra.form ?? this.defaultForm(ctx);
    const pages = [
      { value: '', label: 'Overview' },
      { value: 'invoices', label: 'Invoices' },
      { value: 'payments', label: 'Payments' },
      { value: 'profile', label: 'Billing profile' },
      ...openInvoices.map((i) => ({ value: `pay:${i.id}`, label: `Pay invoice ${i.number}` })),
      ...subs.map((s) => ({ value: `subscription:${s.id}`, label: `Subscription: ${s.planName}` })),
    ].map((o) => ({ ...o, selected: o.value === form.initialPage }));
    return {
      ...layout,
      notice: extra.notice ?? null,
      customer: { ...p.customerRow(customer), epoch: customer.portalTokenEpoch, metadata: Object.entries(customer.metadata ?? {}).map(([key, value]) => ({ key, value })) },
      subscriptions: subs,
      invoices: invoices.map((i) => ({ ...p.portal.invoiceSummary(i), subscriptionId: i.subscriptionId })),
      payments: payments.map((pay) => p.payment(pay, heads, invoiceMap, new Map([[customer.id, customer]]))),
      wallets: wallets.map((w) => p.wallet(w)),
      activity: activity.map((e) => p.activity(e, actors)),
      linkForm: { ...form, pages, maxMinutes: MAX_LIFETIME_SECONDS / 60, returnPrefixes: ctx.merchant.returnUrlPrefixes },
      errors: extra.errors ?? {},
      generated: extra.generated ?? null,
      mailAvailable: this.mailer.enabled,
    };
  }

  async generateLink(principal: Principal, ctx: DashboardContext, id: string, body: FormBody) {
    const customer = await this.reads.customer(ctx.tenant, id);
    const form: LinkForm = {
      lifetimeMinutes: field(body, 'lifetimeMinutes'),
      singleUse: field(body, 'singleUse') === 'on',
      initialPage: field(body, 'initialPage'),
      returnUrl: field(body, 'returnUrl'),
    };
    const minutes = /^\d{1,5}$/.test(form.lifetimeMinutes) ? Number(form.lifetimeMinutes) : NaN;
    const parsed = createPortalLinkSchema.safeParse({
      customerId: customer.id,
      expiresIn: minutes * 60,
      singleUse: form.singleUse,
      ...(form.initialPage ? { initialPage: form.initialPage } : {}),
      ...(form.returnUrl ? { returnUrl: form.returnUrl } : {}),
    });
    const errors: FieldErrors = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const name = String(issue.path[0] ?? 'form');
        if (name === 'expiresIn') errors.lifetimeMinutes ??= `A whole number of minutes from 1 to ${MAX_LIFETIME_SECONDS / 60}.`;
        else if (name === 'returnUrl') errors.returnUrl ??= 'An https:// URL.';
        else if (name === 'initialPage') errors.initialPage ??= 'Choose a page from the list.';
        else errors.form ??= issue.message;
      }
    } else {
      try {
        const link = await this.links.mint(principal, parsed.data);
        return this.customer(ctx, id, { form, generated: { url: link.url, expiresAt: formatDateTime(new Date(link.expiresAt)), singleUse: link.singleUse } });
      } catch (err) {
        if (!(err instanceof DomainError) || err.code !== 'validation_failed') throw err;
        const path = (err.details as { path?: string }[] | undefined)?.[0]?.path;
        if (path === 'returnUrl') errors.returnUrl = 'Not under one of your allowed return-URL prefixes (Settings → Links and embedding).';
        else errors.form = err.message;
      }
    }
    throw new FormRejected('dashboard/customer.hbs', await this.customer(ctx, id, { form, errors }));
  }

  // A link with the merchant's default lifetime, mailed to the customer's own address; the
  // dashboard never sees the URL.
  async emailLink(principal: Principal, ctx: DashboardContext, id: string): Promise<void> {
    if (!this.mailer.enabled) throw new DomainError('unprocessable', 'Email is not configured on this server (SMTP_URL).');
    const customer = await this.reads.customer(ctx.tenant, id);
    const link = await this.links.mint(principal, { customerId: customer.id, singleUse: false, expiresIn: Math.min(ctx.merchant.defaultLinkTtlSeconds, MAX_LIFETIME_SECONDS) });
    const merchant = ctx.merchant;
    const text = [
      `Hello${customer.name ? ` ${customer.name}` : ''},`,
      '',
      `Here is your link to the ${merchant.name} billing portal, where you can see your subscriptions, invoices and payments:`,
      '',
      link.url,
      '',
      `It works until ${formatDateTime(new Date(link.expiresAt))}. Please do not forward it: whoever has the link can open your billing page.`,
      ...(merchant.branding.supportEmail ? ['', `Questions? Write to ${merchant.branding.supportEmail}.`] : []),
    ].join('\n');
    const result = await this.mailer.send({ to: customer.email, subject: `Your billing portal link for ${merchant.name}`, text }).catch((err: unknown) => {
      // The link was minted but never left: it dies with its lifetime, and the audit row says so.
      this.logger.warn({ err: (err as Error)?.message, customerId: customer.id }, 'portal link email failed');
      return { sent: false };
    });
    // The audit row names the link, never its URL (a credential).
    await this.changes.record(principal, principal.actor, {
      action: 'portal_link.email',
      eventType: null,
      targetType: 'portal_link',
      targetId: link.id,
      customerId: customer.id,
      object: {},
      after: { sent: result.sent },
    });
    if (!result.sent) throw new DomainError('service_unavailable', 'The email could not be sent. Try again in a moment, or generate a link and send it yourself.');
  }

  async revokeAll(principal: Principal, ctx: DashboardContext, id: string): Promise<void> {
    await this.reads.customer(ctx.tenant, id);
    await this.links.revokeAll(principal, id);
  }

  private defaultForm(ctx: DashboardContext): LinkForm {
    return { lifetimeMinutes: String(Math.round(Math.min(ctx.merchant.defaultLinkTtlSeconds, MAX_LIFETIME_SECONDS) / 60)), singleUse: false, initialPage: '', returnUrl: '' };
  }

  private presenter(): DashboardPresenter {
    return new DashboardPresenter(this.config, this.clock.now());
  }
}
