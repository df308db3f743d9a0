import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ColumnCipher } from '../common/crypto/column-cipher';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';
import { BillingProfileEntity, type BillingProfileData } from './billing-profile.entity';

export const EMPTY_PROFILE: BillingProfileData = {
  legalName: null,
  company: null,
  email: null,
  address: { line1: null, line2: null, city: null, postalCode: null, region: null, country: null },
  taxId: null,
};

@Injectable()
export class BillingProfileRepository {
  private readonly cipher: ColumnCipher;

  constructor(
    private readonly db: Db,
    config: AppConfig,
  ) {
    this.cipher = new ColumnCipher(config.env.MASTER_KEY);
  }

  async get(tenant: Tenant, customerId: string): Promise<BillingProfileData> {
    const row = await this.db.repo(BillingProfileEntity).findOneBy({ merchantId: tenant.merchantId, livemode: tenant.livemode, customerId });
    if (!row) return EMPTY_PROFILE;
    return JSON.parse(this.cipher.decrypt(row.dataEnc, context(tenant, customerId))) as BillingProfileData;
  }

  async put(tenant: Tenant, customerId: string, data: BillingProfileData): Promise<void> {
    const dataEnc = this.cipher.encrypt(JSON.stringify(data), context(tenant, customerId));
    await this.db.repo(BillingProfileEntity).upsert({ customerId, merchantId: tenant.merchantId, livemode: tenant.livemode, dataEnc }, ['customerId']);
  }
}

function context(tenant: Tenant, customerId: string) {
  return { merchantId: tenant.merchantId, table: 'billing_profile', column: 'data_enc', rowId: customerId };
}
