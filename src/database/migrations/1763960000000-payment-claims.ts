import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PaymentClaims1763960000000 implements MigrationInterface {
  name = 'PaymentClaims1763960000000';

  async up(q: QueryRunner): Promise<void> {
    // "I paid from an exchange": a transaction hash claimed for an invoice, verified by a job.
    await q.query(`
      CREATE TABLE payment_claim (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        invoice_id text NOT NULL REFERENCES invoice(id),
        customer_id text NOT NULL REFERENCES customer(id),
        chain_id int NOT NULL,
        tx_hash text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
        reason text,
        payment_id text REFERENCES payment(id),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz
      )`);
    // One live claim per transaction: a second claim of the same hash is refused while one stands.
    await q.query(`CREATE UNIQUE INDEX payment_claim_tx_uq ON payment_claim (chain_id, lower(tx_hash)) WHERE status IN ('pending', 'verified')`);
    await q.query(`CREATE INDEX payment_claim_invoice_idx ON payment_claim (merchant_id, invoice_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS payment_claim`);
  }
}
