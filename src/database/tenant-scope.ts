import type { ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import { DomainError, NotFoundError } from '../common/errors';
import type { Tenant } from '../common/tenant';

export interface TenantOwned extends ObjectLiteral {
  id: string;
  merchantId: string;
  livemode: boolean;
  createdAt: Date;
}

// Looks up by (merchant_id, id): another merchant's object is simply not found. The same
// merchant's object in the other mode is a 403, as with Stripe's test and live keys.
// With `lock`, the row is read FOR UPDATE (inside the caller's transaction) so changes to it serialise.
export async function findOwned<T extends TenantOwned>(repo: Repository<T>, tenant: Tenant, id: string, resource: string, options: { lock?: boolean } = {}): Promise<T> {
  const row = await repo.findOne({ where: { merchantId: tenant.merchantId, id } as never, ...(options.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  if (!row) throw new NotFoundError(resource, id);
  if (row.livemode !== tenant.livemode) {
    throw new DomainError('livemode_mismatch', `${resource} ${id} exists in ${row.livemode ? 'live' : 'test'} mode, but a ${tenant.livemode ? 'live' : 'test'} mode key was used`);
  }
  return row;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export interface PageQuery {
  limit: number;
  startingAfter?: string;
}

// Keyset pagination, newest first, scoped to the tenant.
export async function paginate<T extends TenantOwned>(qb: SelectQueryBuilder<T>, tenant: Tenant, query: PageQuery): Promise<Page<T>> {
  const alias = qb.alias;
  qb.andWhere(`${alias}.merchant_id = :merchantId AND ${alias}.livemode = :livemode`, { merchantId: tenant.merchantId, livemode: tenant.livemode });
  if (query.startingAfter) {
    const cursor = await qb
      .clone()
      .select([`${alias}.createdAt`, `${alias}.id`])
      .andWhere(`${alias}.id = :cursorId`, { cursorId: query.startingAfter })
      .getOne();
    if (!cursor) throw new NotFoundError('cursor object', query.startingAfter);
    qb.andWhere(`(${alias}.created_at, ${alias}.id) < (:cursorAt, :cursorRef)`, { cursorAt: cursor.createdAt, cursorRef: cursor.id });
  }
  const rows = await qb
    .orderBy(`${alias}.created_at`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .limit(query.limit + 1)
    .getMany();
  return { data: rows.slice(0, query.limit), hasMore: rows.length > query.limit };
}
