import type { MigrationInterface, QueryRunner } from 'typeorm';

// Merchant staff who sign in to /dashboard, and their server-side sessions.
export class Dashboard1764300000000 implements MigrationInterface {
  name = 'Dashboard1764300000000';

  async up(q: QueryRunner): Promise<void> {
    // Emails are stored lower-cased and unique across merchants, so sign-in needs no merchant hint.
    await q.query(`
      CREATE TABLE dashboard_user (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        email text NOT NULL CHECK (email = lower(email)),
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'staff')),
        must_change_password boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at timestamptz,
        disabled_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX dashboard_user_email_uq ON dashboard_user (email)`);
    await q.query(`CREATE INDEX dashboard_user_merchant_idx ON dashboard_user (merchant_id)`);
    // The cookie holds the session id; the table holds only its keyed hash.
    await q.query(`
      CREATE TABLE dashboard_session (
        id_hash text PRIMARY KEY,
        user_id text NOT NULL REFERENCES dashboard_user(id) ON DELETE CASCADE,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL DEFAULT false,
        csrf_secret text NOT NULL,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX dashboard_session_user_idx ON dashboard_session (user_id)`);
    await q.query(`CREATE INDEX dashboard_session_expiry_idx ON dashboard_session (absolute_expires_at)`);
    // Customer search by payer wallet reads matched payments by sender.
    await q.query(`CREATE INDEX payment_from_address_idx ON payment (merchant_id, lower(from_address))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX payment_from_address_idx`);
    await q.query(`DROP TABLE dashboard_session`);
    await q.query(`DROP TABLE dashboard_user`);
  }
}
