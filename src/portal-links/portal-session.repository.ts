import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { PortalSessionEntity } from './portal-session.entity';

@Injectable()
export class PortalSessionRepository {
  constructor(private readonly db: Db) {}

  insert(session: PortalSessionEntity): Promise<PortalSessionEntity> {
    return this.db.repo(PortalSessionEntity).save(session);
  }

  findByHash(idHash: string): Promise<PortalSessionEntity | null> {
    return this.db.repo(PortalSessionEntity).findOneBy({ idHash });
  }

  // A session is only as alive as its customer and merchant: deleting the one or disabling the
  // other ends every open session, like revoking the links does.
  async accountActive(session: Pick<PortalSessionEntity, 'merchantId' | 'customerId'>): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      `SELECT 1 FROM customer c JOIN merchant m ON m.id = c.merchant_id
        WHERE c.id = $1 AND c.merchant_id = $2 AND c.deleted_at IS NULL AND m.status = 'active'`,
      [session.customerId, session.merchantId],
    );
    return rows.length > 0;
  }

  async touch(idHash: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    await this.db.repo(PortalSessionEntity).update({ idHash }, { lastSeenAt, idleExpiresAt });
  }

  async delete(idHash: string): Promise<void> {
    await this.db.repo(PortalSessionEntity).delete({ idHash });
  }

  async deleteForCustomer(merchantId: string, customerId: string): Promise<number> {
    return (await this.db.repo(PortalSessionEntity).delete({ merchantId, customerId })).affected ?? 0;
  }

  async deleteForLink(merchantId: string, linkId: string): Promise<number> {
    return (await this.db.repo(PortalSessionEntity).delete({ merchantId, linkId })).affected ?? 0;
  }
}
