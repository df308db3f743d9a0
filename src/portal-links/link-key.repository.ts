import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { LinkSigningKeyEntity } from './link-signing-key.entity';

@Injectable()
export class LinkKeyRepository {
  constructor(private readonly db: Db) {}

  findByKid(kid: string): Promise<LinkSigningKeyEntity | null> {
    return this.db.repo(LinkSigningKeyEntity).findOneBy({ kid });
  }

  findCurrent(merchantId: string, livemode: boolean): Promise<LinkSigningKeyEntity | null> {
    return this.db.repo(LinkSigningKeyEntity).findOneBy({ merchantId, livemode, status: 'current' });
  }

  save(key: LinkSigningKeyEntity): Promise<LinkSigningKeyEntity> {
    return this.db.repo(LinkSigningKeyEntity).save(key);
  }

  // Serialises key creation and rotation per merchant.
  async lockMerchant(merchantId: string): Promise<void> {
    await this.db.manager.query(`SELECT 1 FROM merchant WHERE id = $1 FOR UPDATE`, [merchantId]);
  }

  // The demoted key keeps verifying links it signed until they expire (retiredAt + 24 h).
  async demoteCurrent(merchantId: string, livemode: boolean, at: Date): Promise<void> {
    await this.db.repo(LinkSigningKeyEntity).update({ merchantId, livemode, status: 'current' }, { status: 'previous', retiredAt: at });
  }
}
