import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { DomainError, NotFoundError } from '../common/errors';
import type { Actor } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import type { BillingProfileData } from '../customers/billing-profile.entity';
import { BillingProfileRepository } from '../customers/billing-profile.repository';
import { customerView } from '../customers/customer.presenter';
import { CustomerRepository } from '../customers/customer.repository';
import { Db } from '../database/db.service';
import type { MerchantEntity } from '../merchants/merchant.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import type { PortalContext } from '../portal/portal-session.service';
import { PortalPresenter } from '../portal/portal.presenter';
import { activityItem } from './activity.presenter';
import { PortalAccountRepository } from './portal-account.repository';
import { PROFILE_FORM_FIELDS, profileFormSchema, type ProfileForm, type ProfileFormField } from './portal-account.dto';
import { changedProfileFields } from '../customers/billing-profile.fields';

export const ACTIVITY_PAGE_SIZE = 25;

type Nav = 'profile' | 'activity';
export type Notice = 'profile-saved' | 'profile-unchanged' | 'payment-method-saved' | 'payment-method-unchanged';

const NOTICES: Record<Notice, string> = {
  'profile-saved': 'Your billing profile was saved.',
  'profile-unchanged': 'Nothing changed: your billing profile is as it was.',
  'payment-method-saved': 'Your payment method was saved. Your next invoices use it.',
  'payment-method-unchanged': 'Nothing changed: that payment method was already selected.',
};

const FIELD_META: Record<ProfileFormField, { label: string; type: string; autocomplete: string; maxlength: number; hint?: string }> = {
  legalName: { label: 'Legal name', type: 'text', autocomplete: 'name', maxlength: 200 },
  company: { label: 'Company', type: 'text', autocomplete: 'organization', maxlength: 200 },
  billingEmail: { label: 'Billing email', type: 'email', autocomplete: 'email', maxlength: 254, hint: 'Where invoices are addressed. Your sign-in email does not change.' },
  line1: { label: 'Address line 1', type: 'text', autocomplete: 'address-line1', maxlength: 200 },
  line2: { label: 'Address line 2', type: 'text', autocomplete: 'address-line2', maxlength: 200 },
  city: { label: 'City', type: 'text', autocomplete: 'address-level2', maxlength: 100 },
  postalCode: { label: 'Postal code', type: 'text', autocomplete: 'postal-code', maxlength: 20 },
  region: { label: 'State / region', type: 'text', autocomplete: 'address-level1', maxlength: 100 },
  country: { label: 'Country', type: 'text', autocomplete: 'country', maxlength: 2, hint: 'Two-letter ISO code, such as DE or US.' },
  taxId: { label: 'Tax ID', type: 'text', autocomplete: 'off', maxlength: 50, hint: 'VAT number or other tax identifier, if your invoices need one.' },
};

export type SaveProfileResult = { saved: true; notice: Notice } | { saved: false; model: Record<string, unknown> };

// The customer's own account: billing profile edits, payment asset choice and the activity trail.
// Each change is one transaction with a row lock on the customer, one audit row and one event.
@Injectable()
export class PortalAccountService {
  constructor(
    private readonly db: Db,
    private readonly account: PortalAccountRepository,
    private readonly merchants: MerchantRepository,
    private readonly customers: CustomerRepository,
    private readonly profiles: BillingProfileRepository,
    private readonly changes: ChangeRecorder,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  // What the read-only profile page adds: whether to offer "Edit", and the notice after a save.
  async profilePageExtras(ctx: PortalContext, done: unknown) {
    const merchant = await this.merchants.getById(ctx.tenant.merchantId);
    return {
      canEditProfile: !!merchant && canEditProfile(merchant, ctx),
      canChoosePaymentMethod: hasScope(ctx, 'profile'),
      notice: typeof done === 'string' && done in NOTICES ? NOTICES[done as Notice] : null,
    };
  }

  async profileEditPage(ctx: PortalContext) {
    const layout = await this.layout(ctx, 'profile', 'Edit billing profile');
    this.assertCanEditProfile(layout.merchant, ctx);
    const data = await this.profiles.get(ctx.tenant, ctx.customerId);
    return this.editModel(layout, formValues(data), {}, null);
  }

  // Invalid input re-renders the form with the customer's values and one message per field.
  async saveProfile(ctx: PortalContext, body: Record<string, unknown>): Promise<SaveProfileResult> {
    const merchant = await this.merchantOf(ctx);
    this.assertCanEditProfile(merchant, ctx);
    const parsed = profileFormSchema.safeParse(body);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      const unknown: string[] = [];
      for (const issue of parsed.error.issues) {
        if (issue.code === 'unrecognized_keys') unknown.push(...issue.keys);
        else {
          const field = String(issue.path[0] ?? '');
          errors[field] ??= issue.code === 'invalid_type' ? (body[field] === undefined ? 'This field is missing from the form.' : 'Enter text.') : issue.message;
        }
      }
      const formError = unknown.length
        ? `The form sent fields it does not have (${unknown.slice(0, 5).map((k) => k.slice(0, 40)).join(', ')}). Reload the page and try again.`
        : 'Some details need fixing. Check the fields marked below.';
      const layout = await this.layout(ctx, 'profile', 'Edit billing profile');
      const values = Object.fromEntries(PROFILE_FORM_FIELDS.map((f) => [f, typeof body[f] === 'string' ? body[f] : ''])) as Record<ProfileFormField, string>;
      return { saved: false, model: this.editModel(layout, values, errors, formError) };
    }
    const changed = await this.db.transaction(async () => {
      const customer = await this.customers.getForUpdate(ctx.tenant, ctx.customerId);
      const before = await this.profiles.get(ctx.tenant, customer.id);
      const after = profileData(parsed.data);
      const fields = changedProfileFields(before, after);
      if (!fields.length) return false;
      await this.profiles.put(ctx.tenant, customer.id, after);
      await this.changes.record(ctx.tenant, actorOf(ctx), {
        action: 'customer.billing_profile_update',
        eventType: 'customer.updated',
        targetType: 'customer',
        targetId: customer.id,
        customerId: customer.id,
        object: customerView(customer),
        before: {},
        after: { billingProfileChanged: fields },
      });
      return true;
    });
    return { saved: true, notice: changed ? 'profile-saved' : 'profile-unchanged' };
  }

  async paymentMethodPage(ctx: PortalContext, done: Notice | undefined) {
    const [layout, assetIds] = await Promise.all([this.layout(ctx, 'profile', 'Payment method'), this.account.pricedAssets(ctx.tenant, ctx.customerId)]);
    const current = layout.customerEntity.paymentAssetId;
    const options = assetIds.map((id) => {
      const asset = this.config.asset(id);
      return { id, symbol: asset?.symbol ?? id, chainName: asset?.chainName ?? 'Unknown network', testnet: asset?.testnet ?? false, checked: id === current };
    });
    const currentAsset = current ? this.config.asset(current) : undefined;
    return {
      ...layout,
      options,
      current: currentAsset ? { symbol: currentAsset.symbol, chainName: currentAsset.chainName, offered: assetIds.includes(current!) } : null,
      canChange: hasScope(ctx, 'profile') && options.length > 0,
      readOnly: !hasScope(ctx, 'profile'),
      notice: done ? NOTICES[done] : null,
    };
  }

  // Only an asset a current plan is priced in: the renewal sweep bills in it when the plan allows.
  async setPaymentMethod(ctx: PortalContext, assetId: string): Promise<Notice> {
    if (!hasScope(ctx, 'profile')) throw new DomainError('forbidden', 'This link does not allow changing the payment method.');
    return this.db.transaction(async () => {
      const customer = await this.customers.getForUpdate(ctx.tenant, ctx.customerId);
      const offered = await this.account.pricedAssets(ctx.tenant, customer.id);
      if (!offered.includes(assetId)) throw new DomainError('unprocessable', 'That payment method is not offered for your subscriptions. Choose one of the listed options.');
      if (customer.paymentAssetId === assetId) return 'payment-method-unchanged';
      const before = customer.paymentAssetId;
      customer.paymentAssetId = assetId;
      const saved = await this.customers.save(customer);
      await this.changes.record(ctx.tenant, actorOf(ctx), {
        action: 'customer.payment_method_update',
        eventType: 'customer.payment_method_updated',
        targetType: 'customer',
        targetId: saved.id,
        customerId: saved.id,
        object: customerView(saved),
        before: { paymentAssetId: before },
        after: { paymentAssetId: assetId },
      });
      return 'payment-method-saved';
    });
  }

  async activity(ctx: PortalContext, page: number) {
    const [layout, [rows, total]] = await Promise.all([
      this.layout(ctx, 'activity', 'Activity'),
      this.account.activity(ctx.tenant, ctx.customerId, { limit: ACTIVITY_PAGE_SIZE, offset: (page - 1) * ACTIVITY_PAGE_SIZE }),
    ]);
    const pages = Math.max(1, Math.ceil(total / ACTIVITY_PAGE_SIZE));
    return {
      ...layout,
      items: rows.map((row) => activityItem(row, this.config, layout.merchant.name)),
      pagination: {
        page,
        pages,
        total,
        show: pages > 1,
        previous: page > 1 ? `/portal/activity?page=${page - 1}` : null,
        next: page < pages ? `/portal/activity?page=${page + 1}` : null,
      },
    };
  }

  private editModel(layout: Awaited<ReturnType<PortalAccountService['layout']>>, values: Record<ProfileFormField, string>, errors: Record<string, string>, formError: string | null) {
    const { merchant: _merchant, customerEntity: _customer, ...rest } = layout;
    return {
      ...rest,
      editing: true,
      formError,
      fields: PROFILE_FORM_FIELDS.map((name) => ({ name, ...FIELD_META[name], value: values[name], error: errors[name] ?? null })),
    };
  }

  private assertCanEditProfile(merchant: MerchantEntity, ctx: PortalContext): void {
    if (!merchant.portalSettings.profileEdit) throw new DomainError('forbidden', 'Editing the billing profile is turned off for this account.');
    if (!hasScope(ctx, 'profile')) throw new DomainError('forbidden', 'This link does not allow editing the billing profile.');
  }

  private async merchantOf(ctx: PortalContext): Promise<MerchantEntity> {
    const merchant = await this.merchants.getById(ctx.tenant.merchantId);
    if (!merchant) throw new NotFoundError('customer');
    return merchant;
  }

  // The same layout view-model as PortalService's pages: branding, who is signed in, navigation, CSRF.
  private async layout(ctx: PortalContext, nav: Nav, title: string) {
    const [merchant, customer] = await Promise.all([this.merchants.getById(ctx.tenant.merchantId), this.customers.findInMerchant(ctx.tenant.merchantId, ctx.customerId)]);
    if (!merchant || !customer) throw new NotFoundError('customer');
    return {
      title,
      brand: new PortalPresenter(this.config, this.clock.now()).brand(merchant),
      merchant,
      customerEntity: customer,
      customer: { name: customer.name, email: customer.email },
      nav: { [nav]: true },
      signedIn: true,
      csrfToken: ctx.csrfToken,
      returnUrl: ctx.session.returnUrl,
      testMode: !ctx.tenant.livemode,
    };
  }
}

export function hasScope(ctx: PortalContext, scope: string): boolean {
  return ctx.session.scopes.includes(scope);
}

export function canEditProfile(merchant: MerchantEntity, ctx: PortalContext): boolean {
  return merchant.portalSettings.profileEdit && hasScope(ctx, 'profile');
}

function actorOf(ctx: PortalContext): Actor {
  return { type: 'portal_session', id: ctx.session.idHash.slice(0, 16), initiator: 'customer_portal' };
}

function profileData(form: ProfileForm): BillingProfileData {
  return {
    legalName: form.legalName,
    company: form.company,
    email: form.billingEmail,
    address: { line1: form.line1, line2: form.line2, city: form.city, postalCode: form.postalCode, region: form.region, country: form.country },
    taxId: form.taxId,
  };
}

function formValues(data: BillingProfileData): Record<ProfileFormField, string> {
  const a = data.address;
  return {
    legalName: data.legalName ?? '',
    company: data.company ?? '',
    billingEmail: data.email ?? '',
    line1: a.line1 ?? '',
    line2: a.line2 ?? '',
    city: a.city ?? '',
    postalCode: a.postalCode ?? '',
    region: a.region ?? '',
    country: a.country ?? '',
    taxId: data.taxId ?? '',
  };
}
