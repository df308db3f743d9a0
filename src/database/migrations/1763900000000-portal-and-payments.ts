import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PortalAndPayments1763900000000 implements MigrationInterface {
  name = 'PortalAndPayments1763900000000';

  async up(q: QueryRunner): Promise<void> {
    // Per-merchant portal-link secrets, encrypted at rest; `current` signs, `previous` still verifies.
    await q.query(`
      CREATE TABLE link_signing_key (
        kid text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        secret_enc text NOT NULL,
        status text NOT NULL CHECK (status IN ('current', 'previous', 'retired')),
        revealed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX link_signing_key_current_uq ON link_signing_key (merchant_id) WHERE status = 'current'`);
    // Links minted through the API (offline-minted links have no row until spent or revoked).
    await q.query(`
      CREATE TABLE portal_link (
        id text NOT NULL,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        customer_id text NOT NULL REFERENCES customer(id),
        created_by text NOT NULL,
        single_use boolean NOT NULL,
        scopes text[] NOT NULL,
        initial_page text,
        return_url text,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        spent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (merchant_id, id)
      )`);
    await q.query(`CREATE INDEX portal_link_customer_idx ON portal_link (merchant_id, customer_id)`);
    await q.query(`
      CREATE TABLE portal_session (
        id_hash text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        customer_id text NOT NULL REFERENCES customer(id),
        link_id text NOT NULL,
        scopes text[] NOT NULL,
        return_url text,
        embed boolean NOT NULL DEFAULT false,
        csrf_secret text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX portal_session_customer_idx ON portal_session (merchant_id, customer_id)`);
    await q.query(`CREATE INDEX portal_session_expiry_idx ON portal_session (absolute_expires_at)`);
    await q.query(`
      CREATE TABLE chain_cursor (
        chain_id int PRIMARY KEY,
        head_number bigint NOT NULL,
        head_hash text NOT NULL,
        finalized_number bigint,
        finalized_hash text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // An on-chain transfer into a merchant's receiving address and what it was matched to.
    await q.query(`
      CREATE TABLE payment (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        chain_id int NOT NULL,
        tx_hash text NOT NULL,
        log_index int NOT NULL,
        block_hash text NOT NULL,
        block_number bigint NOT NULL,
        block_timestamp timestamptz NOT NULL,
        asset_id text REFERENCES asset(id),
        token text NOT NULL,
        from_address text NOT NULL,
        to_address text NOT NULL,
        amount numeric(78,0) NOT NULL CHECK (amount >= 0),
        kind text NOT NULL CHECK (kind IN ('erc20', 'native', 'internal')),
        state text NOT NULL CHECK (state IN ('seen', 'confirmed', 'final', 'orphaned')),
        invoice_id text REFERENCES invoice(id),
        customer_id text REFERENCES customer(id),
        matched_by text CHECK (matched_by IN ('amount', 'binding', 'claim', 'manual')),
        flags text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (chain_id, tx_hash, log_index, block_hash, merchant_id)
      )`);
    await q.query(`CREATE INDEX payment_customer_idx ON payment (merchant_id, customer_id, block_timestamp DESC, id DESC)`);
    await q.query(`CREATE INDEX payment_invoice_idx ON payment (invoice_id)`);
    await q.query(`CREATE INDEX payment_list_idx ON payment (merchant_id, livemode, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['payment', 'chain_cursor', 'portal_session', 'portal_link', 'link_signing_key']) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
