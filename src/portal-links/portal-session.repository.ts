import { Injectable } from '@nestjs/common';
import { CustomerEntity } from '../customers/customer.entity';
import { Db } from '../database/db.service';
import { MerchantEntity } from '../merchants/merchant.entity';
import { PortalSessionEntity } from './portal-session.entity';

@Injectable()
export class PortalSessionRepository {
  constructor(private readonly db: Db) {}

  insert(session: PortalSessionEntity): Promise<PortalSessionEntity> {
    return this.db.repo(PortalSessionEntity).save(session);
  }

  // One round trip per portal request: the session, and whether its account is still alive. A
  // session is only as alive as its customer and merchant: deleting the one or disabling the other
  // ends every open session, like revoking the links does.
  async findWithAccountState(idHash: string): Promise<{ session: PortalSessionEntity; accountActive: boolean } | null> {
    const { entities, raw } = await this.db
      .repo(PortalSessionEntity)
      .createQueryBuilder('s')
      .leftJoin(CustomerEntity, 'c', 'c.id = s.customer_id AND c.merchant_id = s.merchant_id AND c.deleted_at IS NULL')
      .leftJoin(MerchantEntity, 'm', "m.id = s.merchant_id AND m.status = 'active'")
      .addSelect('(c.id IS NOT NULL AND m.id IS NOT NULL)', 'account_active')
      .where('s.id_hash = :idHash', { idHash })
      .getRawAndEntities<{ account_active: boolean }>();
    return entities.length ? { session: entities[0], accountActive: raw[0].account_active } : null;
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
