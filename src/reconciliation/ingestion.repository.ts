import { Injectable } from '@nestjs/common';
import { recordedChangesSql } from '../audit/change-recorder.service';
import type { Actor } from '../common/tenant';
import { Db } from '../database/db.service';
import { AWAITING_PAYMENT, sqlStatuses } from '../invoices/invoice-lifecycle';
import type { PaymentState } from '../payments/payment.entity';
import { PAYMENT_VIEW_SQL } from '../payments/payment.presenter';

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

// A payment row to write with what matching decided and the audit row and event it comes with.
export interface ChunkRow extends NewPayment {
  match: Omit<PaymentMatch, 'id'>;
  auditId: string | null;
  eventId: string;
  eventType: string;
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

  // One statement for the whole chunk: the payment rows (matches included) and, for the rows that
  // are new, their audit rows and events, built by PostgreSQL from the rows it writes. Uniqueness
  // is the idempotency: the same (chain, tx, log, block) for a merchant is written once; a row
  // orphaned earlier whose block is canonical again revives (keeping its match, without events).
  async writeChunk(rows: ChunkRow[], actor: Actor): Promise<WrittenPayment[]> {
    if (!rows.length) return [];
    // The rows travel as one JSON document (far cheaper for the driver than array literals), with
    // what is the same for the whole chunk as parameters and empty match fields left out (they
    // read as NULL), so PostgreSQL parses as little as it can.
    const [first] = rows;
    const doc = JSON.stringify(
      rows.map((r, ord) => ({
        id: r.id,
        merchant_id: r.merchantId,
        tx_hash: r.txHash,
        log_index: r.logIndex,
        block_hash: r.blockHash,
        block_number: r.blockNumber.toString(),
        block_time: r.blockTimestamp.getTime() / 1000,
        asset_id: r.assetId,
        token: r.token,
        from_address: r.fromAddress,
        to_address: r.toAddress,
        amount: r.amount.toString(),
        kind: r.kind,
        ...(r.match.invoiceId ? { invoice_id: r.match.invoiceId, customer_id: r.match.customerId, matched_by: r.match.matchedBy } : {}),
        ...(r.match.late ? { late: true } : {}),
        ...(r.match.flags.length ? { flags: r.match.flags } : {}),
        ...(r.match.suggestedCustomerId ? { suggested_customer_id: r.match.suggestedCustomerId } : {}),
        ...(r.auditId ? { audit_id: r.auditId } : {}),
        event_id: r.eventId,
        event_type: r.eventType,
        ord,
      })),
    );
    const recorded = recordedChangesSql('detected', 5, actor);
    const written: { id: string; inserted: boolean; tx_hash: string; log_index: number; block_hash: string; merchant_id: string }[] = await this.db.manager.query(
      `WITH r AS MATERIALIZED (
         SELECT r.*, to_timestamp(r.block_time) AS block_timestamp, $2::int AS chain_id, $3::bool AS livemode, $4::text AS state
         FROM json_to_recordset($1::json) AS r(id text, merchant_id text, tx_hash text, log_index int, block_hash text, block_number bigint, block_time float8,
           asset_id text, token text, from_address text, to_address text, amount numeric, kind text,
           invoice_id text, customer_id text, matched_by text, late bool, flags text[], suggested_customer_id text, audit_id text, event_id text, event_type text, ord int)),
       ins AS (
         INSERT INTO payment (id, merchant_id, livemode, chain_id, tx_hash, log_index, block_hash, block_number, block_timestamp, asset_id, token,
                              from_address, to_address, amount, kind, state, invoice_id, customer_id, matched_by, late, flags, suggested_customer_id)
         SELECT id, merchant_id, livemode, chain_id, tx_hash, log_index, block_hash, block_number, block_timestamp, asset_id, token,
                from_address, to_address, amount, kind, state, invoice_id, customer_id, matched_by, COALESCE(late, false), COALESCE(flags, '{}'), suggested_customer_id
         FROM r
         ON CONFLICT (chain_id, tx_hash, log_index, block_hash, merchant_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()
           WHERE payment.state = 'orphaned'
         RETURNING payment.*, (xmax = 0) AS inserted),
       detected AS (
         SELECT r.audit_id, r.event_id, r.event_type, p.merchant_id, p.livemode, p.customer_id, 'payment.detect' AS action, 'payment' AS target_type, p.id AS target_id,
                ${PAYMENT_VIEW_SQL} AS object, jsonb_build_object('state', p.state) AS after, r.ord
         FROM ins p JOIN r ON r.id = p.id WHERE p.inserted),
       ${recorded.sql}
       SELECT id, inserted, tx_hash, log_index, block_hash, merchant_id FROM ins`,
      [doc, first.chainId, first.livemode, first.state, ...recorded.params],
    );
    return written.map((w) => ({ id: w.id, inserted: w.inserted, key: paymentKey(w.merchant_id, w.tx_hash, w.log_index, w.block_hash) }));
  }

  // Rule 1 for the whole chunk: every invoice holding an amount tag on one of these addresses (a
  // few per address, whatever the number of transfers); the amounts are compared in memory.
  async tagHolders(chainId: number, payTo: string[]): Promise<TagHolder[]> {
    if (!payTo.length) return [];
    const rows: { id: string; merchant_id: string; customer_id: string; token: string; pay_to: string; amount_due: string; status: string; expires_at: Date; monitor_until: Date; tag_held: boolean }[] =
      await this.db.manager.query(
        `SELECT id, merchant_id, customer_id, token, pay_to, amount_due, status, expires_at, monitor_until, tag_held
         FROM invoice WHERE chain_id = $1 AND tag_held AND pay_to = ANY($2)`,
        [chainId, payTo],
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

  // Rule 2: the active proved wallets among these senders at these merchants (distinct values only:
  // a chunk has many transfers but few senders and merchants).
  async boundWallets(merchantIds: string[], senders: string[]): Promise<BoundWallet[]> {
    if (!merchantIds.length || !senders.length) return [];
    const rows: { merchant_id: string; address: string; customer_id: string; livemode: boolean; verified_block: string }[] = await this.db.manager.query(
      `SELECT merchant_id, lower(address) AS address, customer_id, livemode, verified_block
       FROM payer_wallet WHERE merchant_id = ANY($1) AND lower(address) = ANY($2) AND unlinked_at IS NULL`,
      [merchantIds, senders.map((s) => s.toLowerCase())],
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

}

export function paymentKey(merchantId: string, txHash: string, logIndex: number, blockHash: string): string {
  return `${merchantId}|${txHash.toLowerCase()}|${logIndex}|${blockHash.toLowerCase()}`;
}
