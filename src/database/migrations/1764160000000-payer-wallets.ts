import type { MigrationInterface, QueryRunner } from 'typeorm';

// Wallets a customer proved they control (Sign-In with Ethereum, written by the portal's wallet
// linking). A transfer from one matches that customer's oldest open invoice (matching rule 2).
export class PayerWallets1764160000000 implements MigrationInterface {
  name = 'PayerWallets1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payer_wallet (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        customer_id text NOT NULL REFERENCES customer(id),
        address text NOT NULL,
        chain_id int NOT NULL,
        verified_at timestamptz NOT NULL,
        verified_block bigint NOT NULL,
        unlinked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // An active wallet belongs to one customer per merchant, so a binding match is never ambiguous.
    await q.query(`CREATE UNIQUE INDEX payer_wallet_active_uq ON payer_wallet (merchant_id, lower(address)) WHERE unlinked_at IS NULL`);
    await q.query(`CREATE INDEX payer_wallet_customer_idx ON payer_wallet (merchant_id, customer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS payer_wallet`);
  }
}
