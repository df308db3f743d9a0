import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { ClaimRepository } from '../payments/claim.repository';
import type { DashboardContext } from './dashboard-session.service';
import { DashboardPresenter, type Nav } from './dashboard.presenter';

// The chrome of a signed-in dashboard page, which each page service composes with its own reads.
// It carries the navigation's count of claims waiting for review, so staff see a customer's
// payment waiting on them wherever they are in the dashboard.
@Injectable()
export class DashboardLayoutService {
  constructor(
    private readonly claims: ClaimRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async layout(ctx: DashboardContext, nav: Nav, title: string) {
    const awaiting = await this.claims.countAwaitingReview(ctx.tenant);
    return new DashboardPresenter(this.config, this.clock.now()).layout(ctx, nav, title, awaiting);
  }
}
