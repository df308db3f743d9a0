import type { MigrationInterface, QueryRunner } from 'typeorm';

// Pending Sign-In with Ethereum challenges for the portal's wallet linking (one per session).
export class SiweChallenges1764400000000 implements MigrationInterface {
  name = 'SiweChallenges1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE siwe_challenge (
        id text PRIMARY KEY,
        session_id_hash text NOT NULL,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        customer_id text NOT NULL REFERENCES customer(id),
        chain_id int NOT NULL,
        address text NOT NULL,
        nonce text NOT NULL,
        message text NOT NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX siwe_challenge_session_idx ON siwe_challenge (session_id_hash)`);
    // Expired rows are swept whenever a new challenge is issued.
    await q.query(`CREATE INDEX siwe_challenge_expires_idx ON siwe_challenge (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS siwe_challenge`);
  }
}
