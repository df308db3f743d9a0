import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { PortalLinkEntity } from './portal-link.entity';

@Injectable()
export class PortalLinkRepository {
  constructor(private readonly db: Db) {}

  insert(link: PortalLinkEntity): Promise<PortalLinkEntity> {
    return this.db.repo(PortalLinkEntity).save(link);
  }

  find(merchantId: string, id: string): Promise<PortalLinkEntity | null> {
    return this.db.repo(PortalLinkEntity).findOneBy({ merchantId, id });
  }

  async revoke(tenant: Tenant, id: string, at: Date): Promise<PortalLinkEntity | null> {
    const link = await this.db.repo(PortalLinkEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, id });
    if (!link) return null;
    if (!link.revokedAt) await this.db.repo(PortalLinkEntity).update({ merchantId: tenant.merchantId, id }, { revokedAt: at });
    return link;
  }

  // Spending is a conditional write: of two racing exchanges only one sees a row change.
  // Offline-minted single-use links get their row on first spend.
  async spend(merchantId: string, id: string, template: Omit<PortalLinkEntity, 'createdAt'>, at: Date): Promise<boolean> {
    const updated = await this.db.repo(PortalLinkEntity).update({ merchantId, id, spentAt: IsNull(), revokedAt: IsNull() }, { spentAt: at });
    if ((updated.affected ?? 0) > 0) return true;
    const inserted: unknown[] = await this.db.manager.query(
      `INSERT INTO portal_link (id, merchant_id, livemode, customer_id, created_by, single_use, scopes, initial_page, return_url, expires_at, spent_at)
       VALUES ($1, $2, $3, $4, 'offline', true, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
      [id, merchantId, template.livemode, template.customerId, template.scopes, template.initialPage, template.returnUrl, template.expiresAt, at],
    );
    return inserted.length > 0;
  }
}
