import { Injectable } from '@nestjs/common';
import { ChainBlockEntity } from '../chain/chain-block.entity';
import { ChainCursorEntity } from '../chain/chain-cursor.entity';
import type { BlockHeader } from '../chain/chain.reader';
import { Db } from '../database/db.service';
import { InvoiceEntity } from '../invoices/invoice.entity';
import { PaymentEntity, type PaymentState } from '../payments/payment.entity';
import { PayerWalletEntity } from '../wallets/payer-wallet.entity';
import type { Tenant } from '../common/tenant';

export interface ReceivingAddress {
  merchantId: string;
  address: string;
}

export interface StateChange {
  id: string;
  merchantId: string;
  invoiceId: string | null;
  old: PaymentState;
  new: PaymentState;
}

// The reconciler's queries. Chain rows are global; payments are written per merchant.
@Injectable()
export class ReconciliationRepository {
  constructor(private readonly db: Db) {}

  async receivingAddresses(chainId: number): Promise<ReceivingAddress[]> {
    const rows: { id: string; address: string }[] = await this.db.manager.query(
      `SELECT id, receiving_addresses->>$1 AS address FROM merchant WHERE status = 'active' AND receiving_addresses ? $1`,
      [String(chainId)],
    );
    return rows.filter((r) => r.address).map((r) => ({ merchantId: r.id, address: r.address }));
  }

  cursor(chainId: number): Promise<ChainCursorEntity | null> {
    return this.db.repo(ChainCursorEntity).findOneBy({ chainId });
  }

  async saveCursor(chainId: number, head: BlockHeader, finalized: BlockHeader | null): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO chain_cursor (chain_id, head_number, head_hash, head_timestamp, finalized_number, finalized_hash, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (chain_id) DO UPDATE SET head_number = $2, head_hash = $3, head_timestamp = $4,
         finalized_number = COALESCE($5, chain_cursor.finalized_number), finalized_hash = COALESCE($6, chain_cursor.finalized_hash), updated_at = now()`,
      [chainId, head.number.toString(), head.hash, head.timestamp, finalized?.number.toString() ?? null, finalized?.hash ?? null],
    );
  }

  async countReorg(chainId: number): Promise<void> {
    await this.db.manager.query(`UPDATE chain_cursor SET reorgs_total = reorgs_total + 1 WHERE chain_id = $1`, [chainId]);
  }

  async countTickError(chainId: number): Promise<void> {
    await this.db.dataSource.query(`UPDATE chain_cursor SET tick_errors_total = tick_errors_total + 1 WHERE chain_id = $1`, [chainId]);
  }

  async saveLatestHead(chainId: number, head: bigint): Promise<void> {
    await this.db.manager.query(`UPDATE chain_cursor SET latest_head_number = $2 WHERE chain_id = $1`, [chainId, head.toString()]);
  }

  async halt(chainId: number, reason: string, at: Date): Promise<void> {
    await this.db.repo(ChainCursorEntity).update({ chainId }, { haltedAt: at, haltReason: reason });
  }

  async resume(chainId: number): Promise<void> {
    await this.db.repo(ChainCursorEntity).update({ chainId }, { haltedAt: null, haltReason: null });
  }

  async insertBlock(chainId: number, header: BlockHeader): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO chain_block (chain_id, number, hash, parent_hash, timestamp, status) VALUES ($1, $2, $3, $4, $5, 'canonical')
       ON CONFLICT (chain_id, hash) DO UPDATE SET status = 'canonical'`,
      [chainId, header.number.toString(), header.hash, header.parentHash, header.timestamp],
    );
  }

  canonicalBlock(chainId: number, number: bigint): Promise<ChainBlockEntity | null> {
    return this.db.repo(ChainBlockEntity).findOneBy({ chainId, number: number as never, status: 'canonical' });
  }

  async orphanAbove(chainId: number, ancestor: bigint): Promise<StateChange[]> {
    await this.db.manager.query(`UPDATE chain_block SET status = 'orphaned' WHERE chain_id = $1 AND number > $2 AND status = 'canonical'`, [chainId, ancestor.toString()]);
    return this.changeStates(
      `SELECT id FROM payment WHERE chain_id = $1 AND block_number > $2 AND state <> 'orphaned'`,
      [chainId, ancestor.toString()],
      'orphaned',
    );
  }

  // Keep finality depth + 64 canonical headers; older ones can no longer be reorganised.
  async pruneBlocks(chainId: number, below: bigint): Promise<void> {
    await this.db.manager.query(`DELETE FROM chain_block WHERE chain_id = $1 AND number < $2`, [chainId, below.toString()]);
  }

  promoteConfirmed(chainId: number, head: bigint, depth: number): Promise<StateChange[]> {
    return this.changeStates(
      `SELECT id FROM payment WHERE chain_id = $1 AND state = 'seen' AND $2::bigint - block_number + 1 >= $3`,
      [chainId, head.toString(), depth],
      'confirmed',
    );
  }

  promoteFinal(chainId: number, finalized: bigint): Promise<StateChange[]> {
    return this.changeStates(`SELECT id FROM payment WHERE chain_id = $1 AND state IN ('seen', 'confirmed') AND block_number <= $2`, [chainId, finalized.toString()], 'final');
  }

  private async changeStates(select: string, params: unknown[], to: PaymentState): Promise<StateChange[]> {
    const rows: { id: string; merchant_id: string; invoice_id: string | null; old: PaymentState }[] = await this.db.manager.query(
      // Wrapped in a SELECT so the driver returns plain rows.
      `WITH target AS (SELECT p.id, p.state AS old FROM payment p WHERE p.id IN (${select}) FOR UPDATE),
       changed AS (UPDATE payment p SET state = '${to}', updated_at = now() FROM target WHERE p.id = target.id
         RETURNING p.id, p.merchant_id, p.invoice_id, target.old)
       SELECT * FROM changed`,
      params,
    );
    return rows.map((r) => ({ id: r.id, merchantId: r.merchant_id, invoiceId: r.invoice_id, old: r.old, new: to }));
  }

  findPayment(id: string): Promise<PaymentEntity> {
    return this.db.repo(PaymentEntity).findOneByOrFail({ id });
  }

  async setMatch(paymentId: string, match: { invoiceId: string | null; customerId: string | null; matchedBy: PaymentEntity['matchedBy']; late: boolean; flags: string[]; suggestedCustomerId: string | null }): Promise<void> {
    await this.db.repo(PaymentEntity).update(
      { id: paymentId },
      { invoiceId: match.invoiceId, customerId: match.customerId, matchedBy: match.matchedBy, late: match.late, flags: match.flags, suggestedCustomerId: match.suggestedCustomerId },
    );
  }

  // Invoices that credit paid in full: nothing to wait for on chain.
  async fullyCreditedOpen(chainId: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.manager.query(`SELECT id FROM invoice WHERE chain_id = $1 AND amount_due = 0 AND status = 'open' ORDER BY created_at LIMIT 100`, [chainId]);
    return rows.map((r) => r.id);
  }

  // The last block the scanner has committed for this chain (its transfers and matches with it).
  async scannedThrough(chainId: number): Promise<bigint | null> {
    const cursor = await this.cursor(chainId);
    return cursor ? BigInt(cursor.headNumber) : null;
  }

  // The transfer as the scanner recorded it for this merchant and mode, locked for a claim's judgement.
  lockRecordedTransfer(tenant: Tenant, chainId: number, txHash: string, logIndex: number, blockHash: string): Promise<PaymentEntity | null> {
    return this.db.repo(PaymentEntity).findOne({
      where: { merchantId: tenant.merchantId, livemode: tenant.livemode, chainId, txHash: txHash.toLowerCase(), logIndex, blockHash: blockHash.toLowerCase() },
      lock: { mode: 'pessimistic_write' },
    });
  }

  // The invoice (any merchant's: tags are unique per address) holding this exact amount on the address.
  async heldTagInvoiceId(chainId: number, token: string, payTo: string, amount: bigint): Promise<string | null> {
    const row = await this.db.repo(InvoiceEntity).findOne({ select: { id: true }, where: { chainId, token, payTo, amountDue: amount as never, tagHeld: true } });
    return row?.id ?? null;
  }

  activeWallet(merchantId: string, address: string): Promise<PayerWalletEntity | null> {
    return this.db
      .repo(PayerWalletEntity)
      .createQueryBuilder('w')
      .where('w.merchant_id = :merchantId AND lower(w.address) = lower(:address) AND w.unlinked_at IS NULL', { merchantId, address })
      .getOne();
  }
}
