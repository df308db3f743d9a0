import { Injectable } from '@nestjs/common';
import { Not } from 'typeorm';
import { Db } from '../database/db.service';
import { DashboardSessionEntity } from './dashboard-session.entity';

@Injectable()
export class DashboardSessionRepository {
  constructor(private readonly db: Db) {}

  insert(session: DashboardSessionEntity): Promise<DashboardSessionEntity> {
    return this.db.repo(DashboardSessionEntity).save(session);
  }

  findByHash(idHash: string): Promise<DashboardSessionEntity | null> {
    return this.db.repo(DashboardSessionEntity).findOneBy({ idHash });
  }

  // A session lives only while its user and merchant do.
  async accountActive(session: Pick<DashboardSessionEntity, 'merchantId' | 'userId'>): Promise<boolean> {
    const rows: unknown[] = await this.db.manager.query(
      `SELECT 1 FROM dashboard_user u JOIN merchant m ON m.id = u.merchant_id
        WHERE u.id = $1 AND u.merchant_id = $2 AND u.disabled_at IS NULL AND m.status = 'active'`,
      [session.userId, session.merchantId],
    );
    return rows.length > 0;
  }

  async touch(idHash: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    await this.db.repo(DashboardSessionEntity).update({ idHash }, { lastSeenAt, idleExpiresAt });
  }

  async setMode(idHash: string, livemode: boolean): Promise<void> {
    await this.db.repo(DashboardSessionEntity).update({ idHash }, { livemode });
  }

  async delete(idHash: string): Promise<void> {
    await this.db.repo(DashboardSessionEntity).delete({ idHash });
  }

  // After a password change: every other session of the user ends.
  async deleteOthers(userId: string, keepHash: string): Promise<number> {
    return (await this.db.repo(DashboardSessionEntity).delete({ userId, idHash: Not(keepHash) })).affected ?? 0;
  }
}
