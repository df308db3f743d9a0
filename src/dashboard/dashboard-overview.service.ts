import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { DashboardLayoutService } from './dashboard-layout.service';
import { DashboardSessionService, type DashboardContext } from './dashboard-session.service';
import { DashboardPresenter } from './dashboard.presenter';
import { DashboardRepository } from './dashboard.repository';
import { dayRange, revenueCharts } from './revenue-chart';

const CHART_DAYS = 30;

@Injectable()
export class DashboardOverviewService {
  constructor(
    private readonly reads: DashboardRepository,
    private readonly sessions: DashboardSessionService,
    private readonly chrome: DashboardLayoutService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async overview(ctx: DashboardContext, notice: string | null) {
    const now = this.clock.now();
    const days = dayRange(now, CHART_DAYS);
    const chains = this.config.env.CHAINS.filter((c) => c.testnet === !ctx.tenant.livemode).map((c) => c.chainId);
    const [layout, counts, revenue, cursors, attention] = await Promise.all([
      this.chrome.layout(ctx, 'overview', 'Overview'),
      this.reads.subscriptionCounts(ctx.tenant),
      this.reads.revenue(ctx.tenant, new Date(`${days[0]}T00:00:00Z`)),
      this.reads.cursors(chains),
      this.reads.paymentCounts(ctx.tenant),
    ]);
    const p = new DashboardPresenter(this.config, now);
    const charts = revenueCharts(revenue, days, this.config.assets);
    const statuses = p.subscriptionCounts(counts);
    return {
      ...layout,
      notice,
      statuses,
      subscriptionTotal: statuses.reduce((sum, s) => sum + s.count, 0),
      charts,
      chartDays: CHART_DAYS,
      chains: p.chainLag(ctx.tenant.livemode, cursors),
      attention: { ...attention, any: attention.unmatched > 0 || attention.reversed > 0 },
    };
  }

  async setMode(ctx: DashboardContext, mode: 'test' | 'live'): Promise<void> {
    await this.sessions.setMode(ctx, mode === 'live');
  }
}
