import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Db } from '../database/db.service';
import { DashboardUserEntity } from './dashboard-user.entity';

@Injectable()
export class DashboardUserRepository {
  constructor(private readonly db: Db) {}

  // Sign-in is the one lookup without a merchant: the email names the user, globally.
  findByEmail(email: string): Promise<DashboardUserEntity | null> {
    return this.db.repo(DashboardUserEntity).findOneBy({ email: email.toLowerCase() });
  }

  getById(merchantId: string, id: string): Promise<DashboardUserEntity | null> {
    return this.db.repo(DashboardUserEntity).findOneBy({ merchantId, id });
  }

  emailExists(email: string): Promise<boolean> {
    return this.db.repo(DashboardUserEntity).existsBy({ email: email.toLowerCase() });
  }

  insert(user: DashboardUserEntity): Promise<DashboardUserEntity> {
    return this.db.repo(DashboardUserEntity).save(user);
  }

  async signedIn(merchantId: string, id: string, at: Date): Promise<void> {
    await this.db.repo(DashboardUserEntity).update({ merchantId, id }, { lastSignInAt: at });
  }

  async setPassword(merchantId: string, id: string, passwordHash: string): Promise<void> {
    await this.db.repo(DashboardUserEntity).update({ merchantId, id }, { passwordHash, mustChangePassword: false });
  }

  // For activity lists: who, among this merchant's users, did it.
  async emails(merchantId: string, ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.db.repo(DashboardUserEntity).find({ select: { id: true, email: true }, where: { merchantId, id: In([...new Set(ids)]) } });
    return new Map(rows.map((u) => [u.id, u.email]));
  }
}
