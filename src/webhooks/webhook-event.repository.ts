import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { OutboxEventEntity, type EventData } from '../outbox/outbox-event.entity';

export interface EventFilter extends PageQuery {
  type?: string;
}

export interface ClaimedEvent {
  id: string;
  merchantId: string;
  livemode: boolean;
  type: string;
  createdAt: Date;
}

// Reads of the outbox for the merchant API, and the dispatcher's claim on undispatched rows.
@Injectable()
export class WebhookEventRepository {
  constructor(private readonly db: Db) {}

  getById(tenant: Tenant, id: string): Promise<OutboxEventEntity> {
    return findOwned(this.db.repo(OutboxEventEntity), tenant, id, 'event');
  }

  findById(id: string): Promise<OutboxEventEntity | null> {
    return this.db.repo(OutboxEventEntity).findOneBy({ id });
  }

  list(tenant: Tenant, filter: EventFilter): Promise<Page<OutboxEventEntity>> {
    const qb = this.db.repo(OutboxEventEntity).createQueryBuilder('ev');
    if (filter.type) qb.where('ev.type = :type', { type: filter.type });
    return paginate(qb, tenant, filter);
  }

  // Must run in a transaction: the rows stay locked (and invisible to other dispatchers) until it ends.
  async claimUndispatched(limit: number): Promise<ClaimedEvent[]> {
    const rows: { id: string; merchant_id: string; livemode: boolean; type: string; created_at: Date }[] = await this.db.manager.query(
      `SELECT id, merchant_id, livemode, type, created_at FROM outbox_event
        WHERE dispatched_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, merchantId: r.merchant_id, livemode: r.livemode, type: r.type, createdAt: r.created_at }));
  }

  async markDispatched(ids: string[], at: Date): Promise<void> {
    if (ids.length) await this.db.manager.query(`UPDATE outbox_event SET dispatched_at = $2 WHERE id = ANY($1)`, [ids, at]);
  }

  // An event that only one endpoint should see (a test event): written already dispatched.
  insertDispatched(tenant: Tenant, type: string, data: EventData, at: Date): Promise<OutboxEventEntity> {
    const row = this.db.repo(OutboxEventEntity).create({ id: newId('evt'), merchantId: tenant.merchantId, livemode: tenant.livemode, type, data, dispatchedAt: at });
    return this.db.repo(OutboxEventEntity).save(row);
  }
}
