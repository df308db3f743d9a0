import { Injectable } from '@nestjs/common';
import { IsNull, LessThan } from 'typeorm';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { PayerWalletEntity } from './payer-wallet.entity';
import { SiweChallengeEntity } from './siwe-challenge.entity';

// Wallets and pending challenges, always scoped by merchant + mode (+ customer / session).
@Injectable()
export class WalletRepository {
  constructor(private readonly db: Db) {}

  activeForCustomer(tenant: Tenant, customerId: string): Promise<PayerWalletEntity[]> {
    return this.db.repo(PayerWalletEntity).find({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, unlinkedAt: IsNull() },
      order: { verifiedAt: 'ASC' },
    });
  }

  // The active binding of an address for the merchant (either mode: the unique index spans both),
  // locked so a concurrent link of the same address waits for this transaction.
  activeByAddressForUpdate(merchantId: string, address: string): Promise<PayerWalletEntity | null> {
    return this.db
      .repo(PayerWalletEntity)
      .createQueryBuilder('w')
      .setLock('pessimistic_write')
      .where('w.merchant_id = :merchantId AND lower(w.address) = lower(:address) AND w.unlinked_at IS NULL', { merchantId, address })
      .getOne();
  }

  activeForCustomerForUpdate(tenant: Tenant, customerId: string, id: string): Promise<PayerWalletEntity | null> {
    return this.db.repo(PayerWalletEntity).findOne({
      where: { id, merchantId: tenant.merchantId, livemode: tenant.livemode, customerId, unlinkedAt: IsNull() },
      lock: { mode: 'pessimistic_write' },
    });
  }

  insertWallet(wallet: PayerWalletEntity): Promise<PayerWalletEntity> {
    return this.db.repo(PayerWalletEntity).save(wallet);
  }

  async markUnlinked(tenant: Tenant, id: string, at: Date): Promise<void> {
    await this.db.repo(PayerWalletEntity).update({ id, merchantId: tenant.merchantId, livemode: tenant.livemode }, { unlinkedAt: at });
  }

  async insertChallenge(challenge: SiweChallengeEntity): Promise<void> {
    await this.db.repo(SiweChallengeEntity).insert(challenge);
  }

  // A session has one outstanding challenge at a time; expired ones are swept on the way.
  async clearChallenges(sessionIdHash: string, now: Date): Promise<void> {
    const repo = this.db.repo(SiweChallengeEntity);
    await repo.delete({ sessionIdHash });
    await repo.delete({ expiresAt: LessThan(now) });
  }

  findChallenge(tenant: Tenant, sessionIdHash: string, customerId: string, id: string): Promise<SiweChallengeEntity | null> {
    return this.db.repo(SiweChallengeEntity).findOneBy({ id, sessionIdHash, customerId, merchantId: tenant.merchantId, livemode: tenant.livemode });
  }

  // Atomic take: DELETE … RETURNING, so two concurrent verifies cannot both get the row.
  async takeChallenge(tenant: Tenant, sessionIdHash: string, customerId: string, id: string): Promise<SiweChallengeEntity | null> {
    const result = await this.db
      .repo(SiweChallengeEntity)
      .createQueryBuilder()
      .delete()
      .where('id = :id AND session_id_hash = :sessionIdHash AND customer_id = :customerId AND merchant_id = :merchantId AND livemode = :livemode', {
        id,
        sessionIdHash,
        customerId,
        merchantId: tenant.merchantId,
        livemode: tenant.livemode,
      })
      .returning('*')
      .execute();
    const raw = (result.raw as Array<Record<string, unknown>>)[0];
    if (!raw) return null;
    return Object.assign(new SiweChallengeEntity(), {
      id: raw.id as string,
      sessionIdHash: raw.session_id_hash as string,
      merchantId: raw.merchant_id as string,
      livemode: raw.livemode as boolean,
      customerId: raw.customer_id as string,
      chainId: Number(raw.chain_id),
      address: raw.address as string,
      nonce: raw.nonce as string,
      message: raw.message as string,
      expiresAt: new Date(raw.expires_at as string | Date),
    });
  }
}
