import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InvoiceLifecycleAndClaims1764500000000 implements MigrationInterface {
  name = 'InvoiceLifecycleAndClaims1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // The surplus already moved to customer credit, so a recompute credits only the difference
    // (a repeat payment of a paid invoice, money sent to a void one, a reorg taking credit back).
    await q.query(`ALTER TABLE invoice ADD COLUMN amount_credited numeric(78,0) NOT NULL DEFAULT 0`);
    await q.query(`UPDATE invoice SET amount_credited = amount_confirmed - amount_due WHERE status = 'paid' AND amount_confirmed > amount_due`);
    // Paid invoices now keep their amount tag through the monitoring window, so a repeated payment
    // of the same amount is recognised as that customer's. Re-hold where nobody took the amount since.
    await q.query(`
      UPDATE invoice i SET tag_held = true
      WHERE i.status = 'paid' AND NOT i.tag_held AND i.monitor_until > now()
        AND NOT EXISTS (SELECT 1 FROM invoice o WHERE o.tag_held AND o.chain_id = i.chain_id AND o.token = i.token AND o.pay_to = i.pay_to AND o.amount_due = i.amount_due)`);
    await q.query(`DROP INDEX IF EXISTS invoice_tag_release_idx`);
    await q.query(`CREATE INDEX invoice_tag_release_idx ON invoice (monitor_until) WHERE tag_held AND status IN ('paid', 'expired', 'void')`);
    // Credit can pay an invoice in full: then nothing is due and no amount tag is reserved.
    await q.query(`ALTER TABLE invoice DROP CONSTRAINT invoice_amount_due_check, DROP CONSTRAINT invoice_tag_check`);
    await q.query(`ALTER TABLE invoice ADD CONSTRAINT invoice_amount_due_check CHECK (amount_due >= 0),
      ADD CONSTRAINT invoice_tag_check CHECK (tag BETWEEN 0 AND 9999 AND (tag = 0) = (amount_due = 0) AND (tag > 0 OR NOT tag_held))`);
    await q.query(`CREATE INDEX invoice_zero_due_idx ON invoice (chain_id) WHERE amount_due = 0 AND status = 'open'`);

    // Claims are judged once the scanner has passed the transfer's block; what passes the guards
    // waits for the merchant ('needs_review') unless the merchant credits claims automatically.
    await q.query(`ALTER TABLE payment_claim DROP CONSTRAINT IF EXISTS payment_claim_status_check`);
    await q.query(`ALTER TABLE payment_claim ADD CONSTRAINT payment_claim_status_check CHECK (status IN ('pending', 'needs_review', 'verified', 'rejected'))`);
    await q.query(`ALTER TABLE payment_claim
      ADD COLUMN from_address text,
      ADD COLUMN amount numeric(78,0),
      ADD COLUMN block_number bigint,
      ADD COLUMN block_timestamp timestamptz,
      ADD COLUMN log_index int,
      ADD COLUMN block_hash text,
      ADD COLUMN review_note text,
      ADD COLUMN resolved_by text`);
    await q.query(`DROP INDEX IF EXISTS payment_claim_tx_uq`);
    await q.query(`CREATE UNIQUE INDEX payment_claim_tx_uq ON payment_claim (chain_id, lower(tx_hash)) WHERE status IN ('pending', 'needs_review', 'verified')`);
    await q.query(`CREATE INDEX payment_claim_review_idx ON payment_claim (merchant_id, livemode, created_at DESC) WHERE status = 'needs_review'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS payment_claim_review_idx`);
    await q.query(`DROP INDEX IF EXISTS payment_claim_tx_uq`);
    await q.query(`UPDATE payment_claim SET status = 'pending' WHERE status = 'needs_review'`);
    await q.query(`CREATE UNIQUE INDEX payment_claim_tx_uq ON payment_claim (chain_id, lower(tx_hash)) WHERE status IN ('pending', 'verified')`);
    await q.query(`ALTER TABLE payment_claim DROP COLUMN from_address, DROP COLUMN amount, DROP COLUMN block_number, DROP COLUMN block_timestamp, DROP COLUMN log_index, DROP COLUMN block_hash, DROP COLUMN review_note, DROP COLUMN resolved_by`);
    await q.query(`ALTER TABLE payment_claim DROP CONSTRAINT IF EXISTS payment_claim_status_check`);
    await q.query(`ALTER TABLE payment_claim ADD CONSTRAINT payment_claim_status_check CHECK (status IN ('pending', 'verified', 'rejected'))`);
    await q.query(`DROP INDEX IF EXISTS invoice_zero_due_idx`);
    await q.query(`ALTER TABLE invoice DROP CONSTRAINT invoice_amount_due_check, DROP CONSTRAINT invoice_tag_check`);
    await q.query(`ALTER TABLE invoice ADD CONSTRAINT invoice_amount_due_check CHECK (amount_due > 0), ADD CONSTRAINT invoice_tag_check CHECK (tag BETWEEN 1 AND 9999)`);
    await q.query(`DROP INDEX IF EXISTS invoice_tag_release_idx`);
    await q.query(`CREATE INDEX invoice_tag_release_idx ON invoice (monitor_until) WHERE tag_held AND status = 'expired'`);
    await q.query(`ALTER TABLE invoice DROP COLUMN amount_credited`);
  }
}
