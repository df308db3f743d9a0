import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { MerchantEntity } from './merchant.entity';

@Injectable()
export class MerchantRepository {
  constructor(private readonly db: Db) {}

  getById(merchantId: string): Promise<MerchantEntity | null> {
    return this.db.repo(MerchantEntity).findOneBy({ id: merchantId });
  }

  // Row lock for read-modify-write of settings and the invoice counter.
  getForUpdate(merchantId: string): Promise<MerchantEntity | null> {
    return this.db.manager.getRepository(MerchantEntity).findOne({ where: { id: merchantId }, lock: { mode: 'pessimistic_write' } });
  }

  slugExists(slug: string): Promise<boolean> {
    return this.db.repo(MerchantEntity).existsBy({ slug });
  }

  save(merchant: MerchantEntity): Promise<MerchantEntity> {
    return this.db.repo(MerchantEntity).save(merchant);
  }

  async nextInvoiceNumber(merchantId: string): Promise<number> {
    // Wrapped in a SELECT so the driver returns plain rows; the row lock serialises numbering per merchant.
    const rows: { n: number }[] = await this.db.manager.query(
      `WITH bumped AS (UPDATE merchant SET next_invoice_number = next_invoice_number + 1 WHERE id = $1 RETURNING next_invoice_number - 1 AS n) SELECT n FROM bumped`,
      [merchantId],
    );
    return rows[0].n;
  }
}
