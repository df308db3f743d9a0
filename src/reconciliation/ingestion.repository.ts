import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { AWAITING_PAYMENT, sqlStatuses } from '../invoices/invoice-lifecycle';
import type { PaymentState } from '../payments/payment.entity';

// A transfer to write as a payment row of its receiving address's merchant.
export interface NewPayment {
  id: string;
  merchantId: string;
  livemode: boolean;
  chainId: number;
  txHash: string;
  logIndex: number;
  blockHash: string;
  blockNumber: bigint;
  blockTimestamp: Date;
  assetId: string;
  token: string;
  fromAddress: string;
  toAddress: string;
  amount: bigint;
  kind: 'erc20' | 'native';
  state: PaymentState;
}

export interface WrittenPayment {
  id: string;
  // False when the row existed, was orphaned, and its block is canonical again (revived).
  inserted: boolean;
  key: string;
}

export interface TagHolder {
  id: string;
  merchantId: string;
  customerId: string;
  token: string;
  payTo: string;
  amountDue: bigint;
  status: string;
  expiresAt: Date;
  monitorUntil: Date;
  tagHeld: boolean;
}

export interface BoundWallet {
  merchantId: string;
  address: string; // lower-cased
  customerId: string;
  livemode: boolean;
  verifiedBlock: bigint;
}

export interface AwaitingInvoice {
  id: string;
  merchantId: string;
  customerId: string;
  token: string;
  payTo: string;
  remaining: bigint;
}

export interface PaymentMatch {
  id: string;
  invoiceId: string | null;
  customerId: string | null;
  matchedBy: 'amount' | 'binding' | null;
  late: boolean;
  flags: string[];
  suggestedCustomerId: string | null;
}

// The chain scanner's set-based statements: a whole chunk of transfers is written, matched and
// updated in a handful of round trips instead of several per transfer.
@Injectable()
export class IngestionRepository {
  constructor(private readonly db: Db) {}

  // One statement for the chunk. Uniqueness is the idempotency: the same (chain, tx, log, block)
  // for a merchant is written once; a row orphaned earlier whose block is canonical again revives.
  async insertPayments(rows: NewPayment[]): Promise<WrittenPayment[]> {
    if (!rows.length) return [];
    const col = <T>(pick: (r: NewPayment) => T): T[] => rows.map(pick);
    const written: { id: string; inserted: boolean; tx_hash: string; log_index: number; block_hash: string; merchant_id: string }[] = await this.db.manager.query(
      `INSERT INTO payment (id, merchant_id, livemode, chain_id, tx_hash, log_index, block_hash, block_number, block_timestamp, asset_id, token,
                            from_address, to_address, amount, kind, state, flags, late)
       SELECT u.*, '{}'::text[], false
       FROM unnest($1::text[], $2::text[], $3::bool[], $4::int[], $5::text[], $6::int[], $7::text[], $8::bigint[], $9::timestamptz[], $10::text[], $11::text[],
                   $12::text[], $13::text[], $14::numeric[], $15::text[], $16::text[]) AS u
       ON CONFLICT (chain_id, tx_hash, log_index, block_hash, merchant_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()
         WHERE payment.state = 'orphaned'
       RETURNING id, (xmax = 0) AS inserted, tx_hash, log_index, block_hash, merchant_id`,
      [
        col((r) => r.id),
        col((r) => r.merchantId),
        col((r) => r.livemode),
        col((r) => r.chainId),
        col((r) => r.txHash),
        col((r) => r.logIndex),
        col((r) => r.blockHash),
        col((r) => r.blockNumber.toString()),
        col((r) => r.blockTimestamp),
        col((r) => r.assetId),
        col((r) => r.token),
        col((r) => r.fromAddress),
        col((r) => r.toAddress),
        col((r) => r.amount.toString()),
        col((r) => r.kind),
        col((r) => r.state),
      ],
    );
    return written.map((w) => ({ id: w.id, inserted: w.inserted, key: paymentKey(w.merchant_id, w.tx_hash, w.log_index, w.block_hash) }));
  }

  // Rule 1 for the whole chunk: every invoice holding one of these exact amounts on its address.
  async tagHolders(chainId: number, keys: { merchantId: string; token: string; payTo: string; amount: bigint }[]): Promise<TagHolder[]> {
    if (!keys.length) return [];
    const rows: { id: string; merchant_id: string; customer_id: string; token: string; pay_to: string; amount_due: string; status: string; expires_at: Date; monitor_until: Date; tag_held: boolean }[] =
      await this.db.manager.query(
        `SELECT i.id, i.merchant_id, i.customer_id, i.token, i.pay_to, i.amount_due, i.status, i.expires_at, i.monitor_until, i.tag_held
         FROM invoice i
         JOIN (SELECT DISTINCT * FROM unnest($2::text[], $3::text[], $4::text[], $5::numeric[]) AS k(merchant_id, token, pay_to, amount)) k
           ON i.merchant_id = k.merchant_id AND i.token = k.token AND i.pay_to = k.pay_to AND i.amount_due = k.amount
         WHERE i.chain_id = $1 AND i.tag_held`,
        [chainId, keys.map((k) => k.merchantId), keys.map((k) => k.token), keys.map((k) => k.payTo), keys.map((k) => k.amount.toString())],
      );
    return rows.map((r) => ({
      id: r.id,
      merchantId: r.merchant_id,
      customerId: r.customer_id,
      token: r.token,
      payTo: r.pay_to,
      amountDue: BigInt(r.amount_due),
      status: r.status,
      expiresAt: r.expires_at,
      monitorUntil: r.monitor_until,
      tagHeld: r.tag_held,
    }));
  }

  // Rule 2: the active proved wallets among these senders, per merchant.
  async boundWallets(keys: { merchantId: string; address: string }[]): Promise<BoundWallet[]> {
    if (!keys.length) return [];
    const rows: { merchant_id: string; address: string; customer_id: string; livemode: boolean; verified_block: string }[] = await this.db.manager.query(
      `SELECT w.merchant_id, lower(w.address) AS address, w.customer_id, w.livemode, w.verified_block
       FROM payer_wallet w
       JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS k(merchant_id, address)) k ON w.merchant_id = k.merchant_id AND lower(w.address) = k.address
       WHERE w.unlinked_at IS NULL`,
      [keys.map((k) => k.merchantId), keys.map((k) => k.address.toLowerCase())],
    );
    return rows.map((r) => ({ merchantId: r.merchant_id, address: r.address, customerId: r.customer_id, livemode: r.livemode, verifiedBlock: BigInt(r.verified_block) }));
  }

  // Rule 2 pays these customers' invoices still awaiting payment, oldest first.
  async awaitingInvoices(chainId: number, customers: { merchantId: string; customerId: string }[]): Promise<AwaitingInvoice[]> {
    if (!customers.length) return [];
    const rows: { id: string; merchant_id: string; customer_id: string; token: string; pay_to: string; remaining: string }[] = await this.db.manager.query(
      `SELECT i.id, i.merchant_id, i.customer_id, i.token, i.pay_to, GREATEST(i.amount_due - i.amount_received, 0) AS remaining
       FROM invoice i
       JOIN (SELECT DISTINCT * FROM unnest($2::text[], $3::text[]) AS k(merchant_id, customer_id)) k ON i.merchant_id = k.merchant_id AND i.customer_id = k.customer_id
       WHERE i.chain_id = $1 AND i.status IN (${sqlStatuses(AWAITING_PAYMENT)})
       ORDER BY i.created_at, i.id`,
      [chainId, customers.map((c) => c.merchantId), customers.map((c) => c.customerId)],
    );
    return rows.map((r) => ({ id: r.id, merchantId: r.merchant_id, customerId: r.customer_id, token: r.token, payTo: r.pay_to, remaining: BigInt(r.remaining) }));
  }

  async setMatches(matches: PaymentMatch[]): Promise<void> {
    if (!matches.length) return;
    await this.db.manager.query(
      `UPDATE payment p SET invoice_id = u.invoice_id, customer_id = u.customer_id, matched_by = u.matched_by, late = u.late,
              flags = CASE WHEN u.flags = '' THEN '{}'::text[] ELSE string_to_array(u.flags, ',') END, suggested_customer_id = u.suggested, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::text[], $7::text[]) AS u(id, invoice_id, customer_id, matched_by, late, flags, suggested)
       WHERE p.id = u.id`,
      [
        matches.map((m) => m.id),
        matches.map((m) => m.invoiceId),
        matches.map((m) => m.customerId),
        matches.map((m) => m.matchedBy),
        matches.map((m) => m.late),
        matches.map((m) => m.flags.join(',')),
        matches.map((m) => m.suggestedCustomerId),
      ],
    );
  }
}

export function paymentKey(merchantId: string, txHash: string, logIndex: number, blockHash: string): string {
  return `${merchantId}|${txHash.toLowerCase()}|${logIndex}|${blockHash.toLowerCase()}`;
}
