import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import type { Principal } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { addressChallengeSchema, type UpdateMerchantInput } from '../merchants/merchant.dto';
import type { MerchantEntity } from '../merchants/merchant.entity';
import { MerchantRepository } from '../merchants/merchant.repository';
import { MerchantService } from '../merchants/merchant.service';
import type { AddressChallengeView } from '../merchants/receiving-address.service';
import { ReceivingAddressService } from '../merchants/receiving-address.service';
import type { OwnedAddress } from '../merchants/receiving-address.repository';
import { formatDateTime } from '../portal/view-helpers';
import { FormRejected } from './dashboard-error.filter';
import { DashboardLayoutService } from './dashboard-layout.service';
import type { DashboardContext } from './dashboard-session.service';
import { DashboardPresenter } from './dashboard.presenter';
import { DashboardRepository } from './dashboard.repository';
import { field, fieldErrors, fields, parseSettingsForm, type FieldErrors, type FormBody, type SettingsSection } from './settings-form';

export const SETTINGS_SECTIONS: readonly SettingsSection[] = ['branding', 'portal', 'claims', 'addresses', 'urls'];

interface Rejected {
  section: SettingsSection;
  body: FormBody;
  errors: FieldErrors;
}

// Refusals the form shows next to their field (with their own status) rather than as an error page.
const FORM_REFUSALS = new Set(['validation_failed', 'address_in_use', 'address_proof_required', 'address_proof_invalid']);

// The settings page edits the merchant through MerchantService.update, validated by the API's
// own schema: the dashboard cannot store anything the API would refuse.
@Injectable()
export class DashboardSettingsService {
  constructor(
    private readonly merchants: MerchantService,
    private readonly merchantRows: MerchantRepository,
    private readonly addresses: ReceivingAddressService,
    private readonly reads: DashboardRepository,
    private readonly chrome: DashboardLayoutService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  // `challenge`: a proof challenge just issued for one chain's address, shown with the form as typed.
  async page(ctx: DashboardContext, notice: string | null, rejected?: Rejected, challenge?: AddressChallengeView) {
    const [layout, saved, plans, owned] = await Promise.all([
      this.chrome.layout(ctx, 'settings', 'Settings'),
      this.merchantRows.getById(ctx.tenant.merchantId),
      this.reads.plans(ctx.tenant),
      this.addresses.ownedBy(ctx.tenant.merchantId),
    ]);
    const merchant = saved ?? ctx.merchant;
    const p = new DashboardPresenter(this.config, this.clock.now());
    const from = (section: SettingsSection) => (rejected?.section === section ? rejected.body : null);
    const b = from('branding');
    const po = from('portal');
    const cl = from('claims');
    const ad = from('addresses');
    const u = from('urls');
    const s = merchant.portalSettings;
    const switches = po ? fields(po, 'allowedPlanSwitches') : s.allowedPlanSwitches;
    return {
      ...layout,
      notice,
      errors: rejected?.errors ?? {},
      hasErrors: !!rejected && Object.keys(rejected.errors).length > 0,
      preview: { ...p.portal.brand(merchant), planName: plans[0]?.name ?? 'Pro', sample: 'Renews on 1 Jan' },
      branding: {
        logoUrl: b ? field(b, 'logoUrl') : (merchant.branding.logoUrl ?? ''),
        primaryColor: b ? field(b, 'primaryColor') : merchant.branding.primaryColor,
        accentColor: b ? field(b, 'accentColor') : merchant.branding.accentColor,
        footerText: b ? field(b, 'footerText') : (merchant.branding.footerText ?? ''),
        supportEmail: b ? field(b, 'supportEmail') : (merchant.branding.supportEmail ?? ''),
      },
      portal: {
        cancel: po ? field(po, 'cancel') === 'on' : s.cancel,
        atPeriodEnd: (po ? field(po, 'cancelMode') : s.cancelMode) !== 'immediately',
        pause: po ? field(po, 'pause') === 'on' : s.pause,
        maxPauseDays: po ? field(po, 'maxPauseDays') : (s.maxPauseDays?.toString() ?? ''),
        switchPlan: po ? field(po, 'switchPlan') === 'on' : s.switchPlan,
        plans: plans.map((plan) => ({ id: plan.id, name: plan.name, active: plan.active, checked: switches.includes(plan.id) })),
        profileEdit: po ? field(po, 'profileEdit') === 'on' : s.profileEdit,
        walletLink: po ? field(po, 'walletLink') === 'on' : s.walletLink,
        invoiceDownload: po ? field(po, 'invoiceDownload') === 'on' : s.invoiceDownload,
        cancellationReasons: po ? field(po, 'cancellationReasons') : s.cancellationReasons.join('\n'),
        linkLifetimeMinutes: po ? field(po, 'linkLifetimeMinutes') : String(Math.round(merchant.defaultLinkTtlSeconds / 60)),
      },
      // Merchants from before the setting have no key: they review, like the default.
      claims: { auto: (cl ? field(cl, 'claims') : merchant.billingSettings.claims) === 'auto' },
      chains: this.config.env.CHAINS.map((chain) => {
        const saved = merchant.receivingAddresses[String(chain.chainId)];
        const issued = challenge?.chainId === chain.chainId ? challenge : null;
        return {
          chainId: chain.chainId,
          name: chain.name,
          mode: chain.testnet ? 'Test' : 'Live',
          live: !chain.testnet,
          field: `address_${chain.chainId}`,
          address: ad ? field(ad, `address_${chain.chainId}`) : (saved ?? ''),
          error: rejected?.errors[`address_${chain.chainId}`] ?? null,
          proof: chain.testnet ? null : proofNote(owned.find((o) => o.chainId === chain.chainId && saved !== undefined && o.address === saved.toLowerCase())),
          challenge: issued && { id: issued.id, message: issued.message, address: issued.address, expiresAt: formatDateTime(new Date(issued.expiresAt)) },
          // While another chain's challenge is being issued, a signature already pasted here stays.
          kept: !issued && challenge && ad && field(ad, `challenge_${chain.chainId}`) ? { id: field(ad, `challenge_${chain.chainId}`), signature: field(ad, `signature_${chain.chainId}`) } : null,
        };
      }),
      urls: {
        returnUrlPrefixes: u ? field(u, 'returnUrlPrefixes') : merchant.returnUrlPrefixes.join('\n'),
        embedOrigins: u ? field(u, 'embedOrigins') : merchant.embedOrigins.join('\n'),
      },
    };
  }

  async update(principal: Principal, ctx: DashboardContext, section: SettingsSection, body: FormBody): Promise<void> {
    const parsed = parseSettingsForm(section, body, this.config.env.CHAINS.map((c) => c.chainId));
    if (parsed.input) {
      try {
        await this.merchants.update(principal, await this.keepOtherModePlans(ctx, parsed.input));
        return;
      } catch (err) {
        if (!(err instanceof DomainError) || !FORM_REFUSALS.has(err.code)) throw err;
        throw await this.rejected(ctx, section, body, err);
      }
    }
    throw new FormRejected('dashboard/settings.hbs', await this.page(ctx, null, { section, body, errors: parsed.errors }));
  }

  // "Verify with wallet": a challenge for the address typed on one live chain, shown on the page
  // with the rest of the form as typed. Signed (by the page script, or elsewhere and pasted), it is
  // sent back with the addresses form.
  async challenge(principal: Principal, ctx: DashboardContext, body: FormBody) {
    const chainId = Number(field(body, 'chain'));
    const parsed = addressChallengeSchema.safeParse({ chainId, address: field(body, `address_${chainId}`) });
    if (!parsed.success) {
      throw new FormRejected('dashboard/settings.hbs', await this.page(ctx, null, { section: 'addresses', body, errors: { [`address_${chainId}`]: 'enter the 0x address to verify' } }));
    }
    try {
      const challenge = await this.merchants.createAddressChallenge(principal, parsed.data);
      return this.page(ctx, null, { section: 'addresses', body, errors: {} }, challenge);
    } catch (err) {
      if (!(err instanceof DomainError) || !FORM_REFUSALS.has(err.code)) throw err;
      throw await this.rejected(ctx, 'addresses', body, err);
    }
  }

  private async rejected(ctx: DashboardContext, section: SettingsSection, body: FormBody, err: DomainError): Promise<FormRejected> {
    const details = (err.details as { path?: string; message: string }[] | undefined) ?? [{ message: err.message }];
    // The field says what is wrong in a word; an address refusal also gets the full explanation.
    const errors = fieldErrors(details.map((d) => ({ path: (d.path ?? 'form').split('.'), message: err.code === 'validation_failed' ? d.message : err.message })));
    return new FormRejected('dashboard/settings.hbs', await this.page(ctx, null, { section, body, errors }), err.status);
  }

  // The switch list holds plan ids of both modes; the form shows only this mode's plans.
  private async keepOtherModePlans(ctx: DashboardContext, input: UpdateMerchantInput): Promise<UpdateMerchantInput> {
    if (!input.portalSettings?.allowedPlanSwitches) return input;
    const merchant: MerchantEntity = (await this.merchantRows.getById(ctx.tenant.merchantId)) ?? ctx.merchant;
    const shown = new Set((await this.reads.plans(ctx.tenant)).map((p) => p.id));
    const kept = merchant.portalSettings.allowedPlanSwitches.filter((id) => !shown.has(id));
    const chosen = input.portalSettings.allowedPlanSwitches.filter((id) => shown.has(id));
    return { ...input, portalSettings: { ...input.portalSettings, allowedPlanSwitches: [...kept, ...chosen] } };
  }
}

function proofNote(owned: OwnedAddress | undefined): string | null {
  if (!owned) return null;
  if (owned.proof === 'signature' && owned.verifiedAt) return `Control proven by signature on ${formatDateTime(owned.verifiedAt)}.`;
  if (owned.proof === 'migrated') return 'Set before proof of control was asked. Verify it with your wallet to record a proof; a new address will need one.';
  return null;
}
