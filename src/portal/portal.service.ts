import { Injectable } from '@nestjs/common';
import { toString as qrToString } from 'qrcode';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { NotFoundError } from '../common/errors';
import { BillingProfileRepository } from '../customers/billing-profile.repository';
import { CustomerRepository } from '../customers/customer.repository';
import type { InvoiceEntity } from '../invoices/invoice.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import { eip681Uri } from './view-helpers';
import type { PortalContext } from './portal-session.service';
import { PortalPresenter } from './portal.presenter';
import { PortalRepository } from './portal.repository';
import { isPayable } from '../invoices/invoice-lifecycle';

export const PAGE_SIZE = 25;
type Nav = 'overview' | 'invoices' | 'payments' | 'profile';

@Injectable()
export class PortalService {
  constructor(
    private readonly portal: PortalRepository,
    private readonly merchants: MerchantRepository,
    private readonly customers: CustomerRepository,
    private readonly profiles: BillingProfileRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  // One round of parallel reads (plans and prices joined to the subscriptions; chain heads cached).
  async overview(ctx: PortalContext) {
    const { tenant, customerId } = ctx;
    const [layout, subscriptions, openInvoices, payments, profile, credits] = await Promise.all([
      this.layout(ctx, 'overview', 'Billing overview'),
      this.portal.subscriptionsWithPlans(tenant, customerId),
      this.portal.recentInvoices(tenant, customerId, { openOnly: true, limit: 10 }),
      this.portal.recentPayments(tenant, customerId, 5),
      this.profiles.get(tenant, customerId),
      this.portal.credits(tenant, customerId),
    ]);
    const heads = await this.portal.heads(payments.map((p) => p.chainId));
    const p = this.presenter();
    return {
      ...layout,
      subscriptions: subscriptions.map(({ subscription, plan, price }) => p.subscription(subscription, plan ?? undefined, price ?? undefined)),
      openInvoices: openInvoices.map((i) => p.invoiceSummary(i)),
      payments: payments.map((pay) => p.payment(pay, heads)),
      profile: p.profile(layout.customerEntity, profile),
      credits: credits.map((c) => p.money(c.amount, c.assetId)),
    };
  }

  async subscription(ctx: PortalContext, id: string) {
    const subscription = await this.portal.subscription(ctx.tenant, ctx.customerId, id);
    const [layout, plans, prices, [invoices]] = await Promise.all([
      this.layout(ctx, 'overview', 'Subscription'),
      this.portal.plans(ctx.tenant, [subscription.planId, ...(subscription.pendingPlanId ? [subscription.pendingPlanId] : [])]),
      this.portal.prices(ctx.tenant, [subscription.priceId]),
      this.portal.invoices(ctx.tenant, ctx.customerId, { subscriptionId: subscription.id, limit: 12, offset: 0 }),
    ]);
    const p = this.presenter();
    return {
      ...layout,
      subscription: p.subscription(subscription, plans.get(subscription.planId), prices.get(subscription.priceId)),
      pendingPlanName: subscription.pendingPlanId ? (plans.get(subscription.pendingPlanId)?.name ?? null) : null,
      invoices: invoices.map((i) => p.invoiceSummary(i)),
    };
  }

  async invoices(ctx: PortalContext, page: number) {
    const [layout, [rows, total]] = await Promise.all([
      this.layout(ctx, 'invoices', 'Invoices'),
      this.portal.invoices(ctx.tenant, ctx.customerId, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    ]);
    const p = this.presenter();
    return { ...layout, invoices: rows.map((i) => p.invoiceSummary(i)), pagination: pagination('/portal/invoices', page, total) };
  }

  async invoice(ctx: PortalContext, id: string) {
    const invoice = await this.portal.invoice(ctx.tenant, ctx.customerId, id);
    const [layout, [payments]] = await Promise.all([
      this.layout(ctx, 'invoices', `Invoice ${invoice.number}`),
      this.portal.payments(ctx.tenant, ctx.customerId, { invoiceId: invoice.id, limit: 50, offset: 0 }),
    ]);
    const heads = await this.portal.heads(payments.map((pay) => pay.chainId));
    return { ...layout, invoice: this.presenter().invoiceDetail(invoice, payments, heads) };
  }

  async invoiceQr(ctx: PortalContext, id: string): Promise<string> {
    const invoice: InvoiceEntity = await this.portal.invoice(ctx.tenant, ctx.customerId, id);
    if (!isPayable(invoice, this.clock.now())) throw new NotFoundError('payment request', id);
    const remaining = invoice.amountDue - invoice.amountReceived;
    const uri = eip681Uri({ chainId: invoice.chainId, token: invoice.token, payTo: invoice.payTo, amount: remaining > 0n ? remaining : invoice.amountDue });
    return qrToString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  }

  async payments(ctx: PortalContext, page: number) {
    const [layout, [rows, total]] = await Promise.all([
      this.layout(ctx, 'payments', 'Payments'),
      this.portal.payments(ctx.tenant, ctx.customerId, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    ]);
    const heads = await this.portal.heads(rows.map((r) => r.chainId));
    const p = this.presenter();
    return { ...layout, payments: rows.map((r) => p.payment(r, heads)), pagination: pagination('/portal/payments', page, total) };
  }

  async profile(ctx: PortalContext) {
    const [layout, data] = await Promise.all([this.layout(ctx, 'profile', 'Billing profile'), this.profiles.get(ctx.tenant, ctx.customerId)]);
    return { ...layout, profile: this.presenter().profile(layout.customerEntity, data) };
  }

  // What every portal page's layout needs: branding, who is signed in, navigation, the CSRF token.
  private async layout(ctx: PortalContext, nav: Nav, title: string) {
    const [merchant, customer] = await Promise.all([this.merchants.getById(ctx.tenant.merchantId), this.customers.findInMerchant(ctx.tenant.merchantId, ctx.customerId)]);
    if (!merchant || !customer) throw new NotFoundError('customer');
    return {
      title,
      brand: this.presenter().brand(merchant),
      customerEntity: customer,
      customer: { name: customer.name, email: customer.email },
      nav: { [nav]: true },
      signedIn: true,
      csrfToken: ctx.csrfToken,
      returnUrl: ctx.session.returnUrl,
      testMode: !ctx.tenant.livemode,
    };
  }

  private presenter(): PortalPresenter {
    return new PortalPresenter(this.config, this.clock.now());
  }
}

function pagination(base: string, page: number, total: number) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return {
    page,
    pages,
    total,
    show: pages > 1,
    previous: page > 1 ? `${base}?page=${page - 1}` : null,
    next: page < pages ? `${base}?page=${page + 1}` : null,
  };
}
