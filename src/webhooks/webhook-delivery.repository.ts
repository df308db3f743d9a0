import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { randomBase62 } from '../common/ids';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { WebhookDeliveryEntity, type DeliveryStatus, type DeliveryTrigger } from './webhook-delivery.entity';

export function newDeliveryId(): string {
  return `whd_${randomBase62(22)}`;
}

export interface NewDelivery {
  merchantId: string;
  livemode: boolean;
  eventId: string;
  endpointId: string;
  trigger: DeliveryTrigger;
  maxAttempts: number;
  nextAttemptAt: Date;
}

export interface DeliveryFilter extends PageQuery {
  endpointId?: string;
  eventId?: string;
  status?: DeliveryStatus;
}

export interface DeliveryOutcome {
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  completedAt: Date | null;
}

@Injectable()
export class WebhookDeliveryRepository {
  constructor(private readonly db: Db) {}

  // Fan-out rows; a (event, endpoint) pair that already has one is skipped (the partial unique index).
  async insertMany(rows: NewDelivery[]): Promise<{ id: string; attempt: number }[]> {
    if (!rows.length) return [];
    const result = await this.db.manager
      .createQueryBuilder()
      .insert()
      .into(WebhookDeliveryEntity)
      .values(rows.map((r) => ({ id: newDeliveryId(), status: 'pending' as const, attemptCount: 0, leaseUntil: null, ...r })))
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as { id: string }[]).map((r) => ({ id: r.id, attempt: 1 }));
  }

  // Takes the next attempt slot of a due delivery: one atomic UPDATE, so of two workers holding
  // the same job only one gets it. The lease is reclaimed by the sweep if the worker dies mid-send.
  async claim(id: string, expectedAttempt: number | undefined, now: Date, leaseUntil: Date): Promise<WebhookDeliveryEntity | null> {
    const rows: { id: string }[] = await this.db.manager.query(
      `WITH c AS (
         UPDATE webhook_delivery SET lease_until = $3, updated_at = now()
          WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $2
            AND (lease_until IS NULL OR lease_until < $2)
            AND ($4::int IS NULL OR attempt_count = $4::int - 1)
          RETURNING id)
       SELECT id FROM c`,
      [id, now, leaseUntil, expectedAttempt ?? null],
    );
    if (!rows.length) return null;
    return this.db.repo(WebhookDeliveryEntity).findOneBy({ id });
  }

  // Inserts the attempt row; false when another worker already logged this slot.
  async insertAttempt(row: WebhookAttemptEntity): Promise<boolean> {
    const result = await this.db.manager.createQueryBuilder().insert().into(WebhookAttemptEntity).values(row).orIgnore().returning(['attempt']).execute();
    return (result.raw as unknown[]).length > 0;
  }

  async finishAttempt(id: string, outcome: DeliveryOutcome): Promise<void> {
    await this.db.repo(WebhookDeliveryEntity).update({ id }, { ...outcome, leaseUntil: null });
  }

  // Gives back a claimed slot that was not attempted.
  async release(id: string, attemptCount: number): Promise<void> {
    await this.db.manager.query(`UPDATE webhook_delivery SET lease_until = NULL WHERE id = $1 AND attempt_count = $2 AND status = 'pending'`, [id, attemptCount]);
  }

  async close(id: string, status: DeliveryStatus, error: string, now: Date): Promise<void> {
    await this.db.repo(WebhookDeliveryEntity).update({ id }, { status, lastError: error, completedAt: now, nextAttemptAt: null, leaseUntil: null });
  }

  async failPendingForEndpoint(endpointId: string, error: string, now: Date): Promise<void> {
    await this.db.manager.query(
      `UPDATE webhook_delivery SET status = 'failed', last_error = $2, completed_at = $3, next_attempt_at = NULL, lease_until = NULL, updated_at = now()
        WHERE endpoint_id = $1 AND status = 'pending'`,
      [endpointId, error, now],
    );
  }

  // Pending deliveries whose slot is due and not being sent: their job may have been lost.
  async due(now: Date, limit: number): Promise<{ id: string; attempt: number }[]> {
    const rows: { id: string; attempt_count: number }[] = await this.db.manager.query(
      `SELECT id, attempt_count FROM webhook_delivery
        WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
        ORDER BY next_attempt_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => ({ id: r.id, attempt: r.attempt_count + 1 }));
  }

  getById(tenant: Tenant, id: string): Promise<WebhookDeliveryEntity> {
    return findOwned(this.db.repo(WebhookDeliveryEntity), tenant, id, 'webhook delivery');
  }

  findById(id: string): Promise<WebhookDeliveryEntity | null> {
    return this.db.repo(WebhookDeliveryEntity).findOneBy({ id });
  }

  list(tenant: Tenant, filter: DeliveryFilter): Promise<Page<WebhookDeliveryEntity>> {
    const qb = this.db.repo(WebhookDeliveryEntity).createQueryBuilder('d');
    if (filter.endpointId) qb.andWhere('d.endpoint_id = :endpointId', { endpointId: filter.endpointId });
    if (filter.eventId) qb.andWhere('d.event_id = :eventId', { eventId: filter.eventId });
    if (filter.status) qb.andWhere('d.status = :status', { status: filter.status });
    return paginate(qb, tenant, filter);
  }

  forEvent(tenant: Tenant, eventId: string): Promise<WebhookDeliveryEntity[]> {
    return this.db.repo(WebhookDeliveryEntity).find({ where: { merchantId: tenant.merchantId, livemode: tenant.livemode, eventId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  attemptsFor(tenant: Tenant, deliveryIds: string[]): Promise<WebhookAttemptEntity[]> {
    if (!deliveryIds.length) return Promise.resolve([]);
    return this.db.repo(WebhookAttemptEntity).find({ where: { merchantId: tenant.merchantId, deliveryId: In(deliveryIds) }, order: { deliveryId: 'ASC', attempt: 'ASC' } });
  }

  // Retention: finished deliveries (and, by cascade, their attempts) older than the cutoff.
  async purgeFinishedBefore(cutoff: Date, limit = 5_000): Promise<number> {
    const rows: unknown[] = await this.db.manager.query(
      `WITH d AS (DELETE FROM webhook_delivery WHERE id IN (
         SELECT id FROM webhook_delivery WHERE status <> 'pending' AND completed_at < $1 LIMIT $2) RETURNING id)
       SELECT id FROM d`,
      [cutoff, limit],
    );
    return rows.length;
  }
}
