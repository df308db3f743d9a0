import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { PlanEntity } from './plan.entity';
import { PriceEntity } from './price.entity';

@Injectable()
export class PlanRepository {
  constructor(private readonly db: Db) {}

  async getById(tenant: Tenant, id: string): Promise<PlanEntity> {
    const plan = await findOwned(this.db.repo(PlanEntity), tenant, id, 'plan');
    plan.prices = await this.db.repo(PriceEntity).find({ where: { merchantId: tenant.merchantId, planId: plan.id }, order: { id: 'ASC' } });
    return plan;
  }

  async getPrice(tenant: Tenant, priceId: string): Promise<PriceEntity> {
    const price = await this.db.repo(PriceEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, id: priceId });
    if (!price) throw new NotFoundError('price', priceId);
    return price;
  }

  async list(tenant: Tenant, query: PageQuery & { active?: boolean }): Promise<Page<PlanEntity>> {
    const qb = this.db.repo(PlanEntity).createQueryBuilder('p');
    if (query.active !== undefined) qb.andWhere('p.active = :active', { active: query.active });
    const page = await paginate(qb, tenant, query);
    const ids = page.data.map((p) => p.id);
    const prices = ids.length ? await this.db.repo(PriceEntity).createQueryBuilder('pr').where('pr.merchant_id = :m AND pr.plan_id IN (:...ids)', { m: tenant.merchantId, ids }).getMany() : [];
    for (const plan of page.data) plan.prices = prices.filter((pr) => pr.planId === plan.id);
    return page;
  }

  async insert(plan: PlanEntity, prices: PriceEntity[]): Promise<PlanEntity> {
    const saved = await this.db.repo(PlanEntity).save(plan);
    saved.prices = await this.db.repo(PriceEntity).save(prices);
    return saved;
  }
}
