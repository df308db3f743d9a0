import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ChainReconciliation1763950000000 implements MigrationInterface {
  name = 'ChainReconciliation1763950000000';

  async up(q: QueryRunner): Promise<void> {
    // Recent headers per chain, for parent-hash reorg detection; pruned below finality.
    await q.query(`
      CREATE TABLE chain_block (
        chain_id int NOT NULL,
        number bigint NOT NULL,
        hash text NOT NULL,
        parent_hash text NOT NULL,
        timestamp timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('canonical', 'orphaned')),
        PRIMARY KEY (chain_id, hash)
      )`);
    await q.query(`CREATE UNIQUE INDEX chain_block_canonical_uq ON chain_block (chain_id, number) WHERE status = 'canonical'`);
    await q.query(`ALTER TABLE chain_cursor ADD COLUMN halted_at timestamptz, ADD COLUMN halt_reason text, ADD COLUMN head_timestamp timestamptz`);
    // One transfer pays at most one invoice per merchant, whatever runs twice.
    await q.query(`ALTER TABLE payment ADD COLUMN late boolean NOT NULL DEFAULT false, ADD COLUMN suggested_customer_id text`);
    await q.query(`CREATE INDEX payment_chain_state_idx ON payment (chain_id, state, block_number) WHERE state IN ('seen', 'confirmed')`);
    await q.query(`CREATE INDEX payment_block_idx ON payment (chain_id, block_hash)`);
    await q.query(`CREATE INDEX payment_unmatched_idx ON payment (merchant_id, livemode, created_at DESC) WHERE invoice_id IS NULL`);
    // Overpayments become credit per customer and asset.
    await q.query(`
      CREATE TABLE customer_credit (
        merchant_id text NOT NULL REFERENCES merchant(id),
        customer_id text NOT NULL REFERENCES customer(id),
        asset_id text NOT NULL REFERENCES asset(id),
        amount numeric(78,0) NOT NULL DEFAULT 0 CHECK (amount >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (merchant_id, customer_id, asset_id)
      )`);
    await q.query(`CREATE INDEX invoice_match_idx ON invoice (chain_id, token, pay_to, amount_due) WHERE tag_held`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS invoice_match_idx`);
    await q.query(`DROP TABLE IF EXISTS customer_credit`);
    await q.query(`ALTER TABLE payment DROP COLUMN IF EXISTS late, DROP COLUMN IF EXISTS suggested_customer_id`);
    await q.query(`ALTER TABLE chain_cursor DROP COLUMN IF EXISTS halted_at, DROP COLUMN IF EXISTS halt_reason, DROP COLUMN IF EXISTS head_timestamp`);
    await q.query(`DROP TABLE IF EXISTS chain_block`);
  }
}
