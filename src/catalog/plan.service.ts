import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { AppConfig } from '../config/app-config';
import { DomainError, ValidationError } from '../common/errors';
import { newId } from '../common/ids';
import type { Principal, Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import type { Page, PageQuery } from '../database/tenant-scope';
import type { CreatePlanInput } from './catalog.dto';
import { planView, type PlanView } from './catalog.presenter';
import { PlanEntity } from './plan.entity';
import { PlanRepository } from './plan.repository';
import { PriceEntity } from './price.entity';

@Injectable()
export class PlanService {
  constructor(
    private readonly db: Db,
    private readonly plans: PlanRepository,
    private readonly changes: ChangeRecorder,
    private readonly config: AppConfig,
  ) {}

  async create(principal: Principal, input: CreatePlanInput): Promise<PlanView> {
    input.prices.forEach((price, i) => {
      const asset = this.config.asset(price.assetId);
      if (!asset) throw new ValidationError(`prices.${i}.assetId: unknown asset ${price.assetId} (see GET /api/v1/assets)`, [{ path: `prices.${i}.assetId`, message: 'unknown asset' }]);
      // Test keys bill on test chains only, live keys on live chains only.
      if (asset.testnet === principal.livemode) {
        throw new DomainError('unprocessable', `Asset ${asset.id} is on a ${asset.testnet ? 'test' : 'live'} chain and cannot be priced in ${principal.livemode ? 'live' : 'test'} mode`);
      }
    });
    return this.db.transaction(async () => {
      const plan = Object.assign(new PlanEntity(), {
        id: newId('plan'),
        merchantId: principal.merchantId,
        livemode: principal.livemode,
        name: input.name,
        description: input.description ?? null,
        intervalUnit: input.interval.unit,
        intervalCount: input.interval.count,
        active: true,
        metadata: input.metadata ?? {},
      });
      const prices = input.prices.map((p) =>
        Object.assign(new PriceEntity(), { id: newId('price'), planId: plan.id, merchantId: principal.merchantId, livemode: principal.livemode, assetId: p.assetId, amount: p.amount }),
      );
      const view = planView(await this.plans.insert(plan, prices));
      await this.changes.record(principal, principal.actor, { action: 'plan.create', eventType: null, targetType: 'plan', targetId: plan.id, object: view, after: view });
      return view;
    });
  }

  async get(tenant: Tenant, id: string): Promise<PlanView> {
    return planView(await this.plans.getById(tenant, id));
  }

  list(tenant: Tenant, query: PageQuery & { active?: boolean }): Promise<Page<PlanEntity>> {
    return this.plans.list(tenant, query);
  }
}
