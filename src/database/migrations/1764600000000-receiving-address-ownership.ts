import type { MigrationInterface, QueryRunner } from 'typeorm';

// Receiving addresses get one owner. merchant.receiving_addresses (chain id → EIP-55 address) stays
// the read model that invoicing and the chain scanner read; receiving_address is the ownership
// registry beside it, written in the same transaction, whose primary key makes one (chain,
// address) belong to one merchant across merchants and modes. Addresses are stored lower-cased so
// that case variants of one address collide.
export class ReceivingAddressOwnership1764600000000 implements MigrationInterface {
  name = 'ReceivingAddressOwnership1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE receiving_address (
        chain_id int NOT NULL,
        address text NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
        merchant_id text NOT NULL REFERENCES merchant(id),
        -- signature: proven with a signed challenge; testnet: a test chain, where no proof is asked;
        -- migrated: set before proofs existed (it needs a proof once it is changed).
        proof text NOT NULL CHECK (proof IN ('signature', 'testnet', 'migrated')),
        proof_message text,
        proof_signature text,
        verified_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (chain_id, address),
        UNIQUE (merchant_id, chain_id),
        CHECK ((proof = 'signature') = (proof_message IS NOT NULL AND proof_signature IS NOT NULL AND verified_at IS NOT NULL))
      )`);
    await q.query(`
      CREATE TABLE receiving_address_challenge (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        chain_id int NOT NULL,
        -- EIP-55, as written in the message.
        address text NOT NULL,
        -- The exact text to sign (EIP-191 personal_sign); never taken back from the client.
        message text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX receiving_address_challenge_merchant_idx ON receiving_address_challenge (merchant_id, expires_at)`);

    // Backfill. Where merchants already share an address on a chain (any letter case), the
    // earliest-created merchant keeps it and it is removed from the later ones: the later ones
    // were the squatters, and the invoices they already issued keep their own pay-to address.
    await q.query(`
      WITH entries AS (
        SELECT m.id AS merchant_id, e.key AS chain_key, lower(e.value #>> '{}') AS address,
               row_number() OVER (PARTITION BY e.key, lower(e.value #>> '{}') ORDER BY m.created_at, m.id) AS rank
        FROM merchant m, jsonb_each(m.receiving_addresses) e
        WHERE jsonb_typeof(e.value) = 'string' AND e.key ~ '^[0-9]{1,9}$' AND lower(e.value #>> '{}') ~ '^0x[0-9a-f]{40}$'
      ),
      released AS (
        UPDATE merchant m SET receiving_addresses = m.receiving_addresses - losers.keys
        FROM (SELECT merchant_id, array_agg(chain_key) AS keys FROM entries WHERE rank > 1 GROUP BY merchant_id) losers
        WHERE m.id = losers.merchant_id
      )
      INSERT INTO receiving_address (chain_id, address, merchant_id, proof)
      SELECT chain_key::int, address, merchant_id, 'migrated' FROM entries WHERE rank = 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS receiving_address_challenge`);
    await q.query(`DROP TABLE IF EXISTS receiving_address`);
  }
}
