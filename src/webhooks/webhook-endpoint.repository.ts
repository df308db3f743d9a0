import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { NotFoundError } from '../common/errors';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { findOwned, paginate, type Page, type PageQuery } from '../database/tenant-scope';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

export interface DispatchEndpoint {
  id: string;
  merchantId: string;
  livemode: boolean;
  eventTypes: string[];
  createdAt: Date;
}

@Injectable()
export class WebhookEndpointRepository {
  constructor(private readonly db: Db) {}

  async getById(tenant: Tenant, id: string): Promise<WebhookEndpointEntity> {
    const endpoint = await findOwned(this.db.repo(WebhookEndpointEntity), tenant, id, 'webhook endpoint');
    if (endpoint.deletedAt) throw new NotFoundError('webhook endpoint', id);
    return endpoint;
  }

  async getForUpdate(tenant: Tenant, id: string): Promise<WebhookEndpointEntity> {
    const endpoint = await this.getById(tenant, id);
    await this.db.manager.query(`SELECT 1 FROM webhook_endpoint WHERE id = $1 FOR UPDATE`, [endpoint.id]);
    return this.getById(tenant, id);
  }

  list(tenant: Tenant, query: PageQuery): Promise<Page<WebhookEndpointEntity>> {
    const qb = this.db.repo(WebhookEndpointEntity).createQueryBuilder('e').where('e.deleted_at IS NULL');
    return paginate(qb, tenant, query);
  }

  count(tenant: Tenant): Promise<number> {
    return this.db.repo(WebhookEndpointEntity).countBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, deletedAt: IsNull() });
  }

  // Enabled endpoints of the merchants in a dispatch batch (both modes; the caller matches the mode).
  async enabledFor(merchantIds: string[]): Promise<DispatchEndpoint[]> {
    if (!merchantIds.length) return [];
    const rows: { id: string; merchant_id: string; livemode: boolean; event_types: string[]; created_at: Date }[] = await this.db.manager.query(
      `SELECT id, merchant_id, livemode, event_types, created_at FROM webhook_endpoint
        WHERE merchant_id = ANY($1) AND status = 'enabled' AND deleted_at IS NULL`,
      [merchantIds],
    );
    return rows.map((r) => ({ id: r.id, merchantId: r.merchant_id, livemode: r.livemode, eventTypes: r.event_types, createdAt: r.created_at }));
  }

  // For the delivery worker, whose only handle is the delivery row.
  findById(id: string): Promise<WebhookEndpointEntity | null> {
    return this.db.repo(WebhookEndpointEntity).findOneBy({ id });
  }

  save(endpoint: WebhookEndpointEntity): Promise<WebhookEndpointEntity> {
    return this.db.repo(WebhookEndpointEntity).save(endpoint);
  }

  async markSucceeded(id: string): Promise<void> {
    await this.db.manager.query(`UPDATE webhook_endpoint SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, [id]);
  }

  // Starts (or continues) the endpoint's run of failures; returns when that run started.
  async markFailed(id: string, now: Date): Promise<Date | null> {
    const rows: { failing_since: Date }[] = await this.db.manager.query(
      `WITH u AS (UPDATE webhook_endpoint SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 RETURNING failing_since) SELECT failing_since FROM u`,
      [id, now],
    );
    return rows[0]?.failing_since ?? null;
  }

  // True only for the caller that actually flipped it, so the merchant hears about it once.
  async disable(id: string, reason: string, now: Date): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      `WITH u AS (UPDATE webhook_endpoint SET status = 'disabled', disabled_reason = $2, disabled_at = $3, updated_at = now()
                   WHERE id = $1 AND status = 'enabled' AND deleted_at IS NULL RETURNING id) SELECT id FROM u`,
      [id, reason, now],
    );
    return rows.length > 0;
  }

  // At most one "deliveries are failing" notice per endpoint per period.
  async claimFailureNotice(id: string, now: Date, periodMs: number): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      `WITH u AS (UPDATE webhook_endpoint SET last_failure_notice_at = $2
                   WHERE id = $1 AND (last_failure_notice_at IS NULL OR last_failure_notice_at <= $3) RETURNING id) SELECT id FROM u`,
      [id, now, new Date(now.getTime() - periodMs)],
    );
    return rows.length > 0;
  }
}
