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
