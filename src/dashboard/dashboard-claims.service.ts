import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import type { Principal } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { approveClaimSchema, rejectClaimSchema } from '../payments/claim.dto';
import { ClaimService } from '../reconciliation/claim.service';
import { FormRejected } from './dashboard-error.filter';
import type { ClaimTab } from './dashboard-claims.dto';
import { DashboardClaimsPresenter, type ClaimFormState } from './dashboard-claims.presenter';
import { DashboardClaimsRepository } from './dashboard-claims.repository';
import { DashboardLayoutService } from './dashboard-layout.service';
import type { DashboardContext } from './dashboard-session.service';
import { DashboardPresenter, pagination } from './dashboard.presenter';
import { DashboardRepository } from './dashboard.repository';

const PAGE_SIZE = 25;

interface PageExtra {
  notice?: string | null;
  error?: string | null;
  form?: ClaimFormState | null;
}

// "I paid from an exchange" claims for the merchant's review. Decisions go through ClaimService
// with the dashboard user as the actor, so the guards, audit rows and events are the API's own.
@Injectable()
export class DashboardClaimsService {
  constructor(
    private readonly reads: DashboardClaimsRepository,
    private readonly dashboard: DashboardRepository,
    private readonly claims: ClaimService,
    private readonly chrome: DashboardLayoutService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async list(ctx: DashboardContext, tab: ClaimTab, page: number, extra: PageExtra = {}) {
    const [layout, [rows, total], counts] = await Promise.all([
      this.chrome.layout(ctx, 'claims', 'Claims'),
      this.reads.page(ctx.tenant, tab === 'all' ? null : tab, PAGE_SIZE, (page - 1) * PAGE_SIZE),
      this.reads.counts(ctx.tenant),
    ]);
    const [invoices, customers] = await Promise.all([
      this.dashboard.invoicesById(ctx.tenant, rows.map((c) => c.invoiceId)),
      this.dashboard.customersById(ctx.tenant, rows.map((c) => c.customerId)),
    ]);
    const p = new DashboardClaimsPresenter(new DashboardPresenter(this.config, this.clock.now()), this.config);
    return {
      ...layout,
      notice: extra.notice ?? null,
      error: extra.error ?? null,
      tab,
      page,
      filters: p.tabs(tab, counts),
      claims: rows.map((c) => p.claim(c, invoices, customers, extra.form ?? null)),
      total,
      pagination: pagination('/dashboard/claims', page, total, PAGE_SIZE, `status=${tab}`),
    };
  }

  async approve(principal: Principal, ctx: DashboardContext, id: string, body: { note: string; status: ClaimTab; page: number }): Promise<void> {
    // Another merchant's claim is a 404 (the other mode's a 403) before the form itself is judged.
    await this.claims.get(principal, id);
    const parsed = approveClaimSchema.shape.note.safeParse(body.note);
    if (!parsed.success) {
      const form = { claimId: id, note: body.note, noteError: 'A note of at most 500 characters.' };
      throw new FormRejected('dashboard/claims.hbs', await this.list(ctx, body.status, body.page, { error: 'The claim was not approved: see the note below.', form }));
    }
    await this.decide(ctx, body, { claimId: id, note: body.note }, () => this.claims.approve(principal, principal.actor, id, parsed.data || null));
  }

  async reject(principal: Principal, ctx: DashboardContext, id: string, body: { reason: string; status: ClaimTab; page: number }): Promise<void> {
    await this.claims.get(principal, id);
    const parsed = rejectClaimSchema.shape.reason.safeParse(body.reason);
    if (!parsed.success) {
      const form = { claimId: id, reason: body.reason, reasonError: 'Give a reason of 1 to 500 characters: the customer reads it in the portal.' };
      throw new FormRejected('dashboard/claims.hbs', await this.list(ctx, body.status, body.page, { error: 'The claim was not rejected: a reason is required.', form }));
    }
    await this.decide(ctx, body, { claimId: id, reason: body.reason }, () => this.claims.reject(principal, principal.actor, id, parsed.data));
  }

  // A decision the claim's state refuses (decided meanwhile, or its guards no longer pass) is
  // shown on the list, with the form as it was sent; nothing was written (the transaction rolled back).
  private async decide(ctx: DashboardContext, where: { status: ClaimTab; page: number }, form: ClaimFormState, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (err) {
      if (!(err instanceof DomainError) || (err.status !== 409 && err.status !== 422)) throw err;
      throw new FormRejected('dashboard/claims.hbs', await this.list(ctx, where.status, where.page, { error: err.message, form }), err.status);
    }
  }
}
