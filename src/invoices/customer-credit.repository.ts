import { Injectable } from '@nestjs/common';
import type { Tenant } from '../common/tenant';
import { Db } from '../database/db.service';

// A customer's credit balance per asset: surplus payments go in, "credit applied" lines take it out.
// Every change is written by the invoice lifecycle service, with its audit row.
@Injectable()
export class CustomerCreditRepository {
  constructor(private readonly db: Db) {}

  // Returns the part of the change that was applied: a take-back (a reorg reversing an overpayment)
  // can only take what is left, since spent credit already paid another invoice.
  async add(tenant: Tenant, customerId: string, assetId: string, delta: bigint): Promise<bigint> {
    const before = await this.balanceForUpdate(tenant, customerId, assetId);
    const after = before + delta < 0n ? 0n : before + delta;
    await this.db.manager.query(
      `INSERT INTO customer_credit (merchant_id, customer_id, asset_id, amount) VALUES ($1, $2, $3, $4)
       ON CONFLICT (merchant_id, customer_id, asset_id) DO UPDATE SET amount = EXCLUDED.amount, updated_at = now()`,
      [tenant.merchantId, customerId, assetId, after.toString()],
    );
    return after - before;
  }

  // Locks the balance row so two invoices issued at once cannot both spend the same credit.
  async balanceForUpdate(tenant: Tenant, customerId: string, assetId: string): Promise<bigint> {
    const rows: { amount: string }[] = await this.db.manager.query(
      `SELECT amount FROM customer_credit WHERE merchant_id = $1 AND customer_id = $2 AND asset_id = $3 FOR UPDATE`,
      [tenant.merchantId, customerId, assetId],
    );
    return rows.length ? BigInt(rows[0].amount) : 0n;
  }

  async balances(tenant: Tenant, customerId: string): Promise<{ assetId: string; amount: bigint }[]> {
    const rows: { asset_id: string; amount: string }[] = await this.db.manager.query(
      `SELECT asset_id, amount FROM customer_credit WHERE merchant_id = $1 AND customer_id = $2 AND amount > 0 ORDER BY asset_id`,
      [tenant.merchantId, customerId],
    );
    return rows.map((r) => ({ assetId: r.asset_id, amount: BigInt(r.amount) }));
  }
}
