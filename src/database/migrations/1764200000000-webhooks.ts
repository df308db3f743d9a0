import type { MigrationInterface, QueryRunner } from 'typeorm';

// Webhook endpoints, per-merchant Ed25519 keys, deliveries (the retry state) and the attempt log.
export class Webhooks1764200000000 implements MigrationInterface {
  name = 'Webhooks1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoint (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        url text NOT NULL,
        description text,
        event_types text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
        disabled_reason text,
        disabled_at timestamptz,
        secret_enc text NOT NULL,
        previous_secret_enc text,
        previous_secret_expires_at timestamptz,
        failing_since timestamptz,
        last_failure_notice_at timestamptz,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_endpoint_list_idx ON webhook_endpoint (merchant_id, livemode, created_at DESC, id DESC) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE webhook_signing_key (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        seed_enc text NOT NULL,
        public_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (merchant_id, livemode)
      )`);
    await q.query(`
      CREATE TABLE webhook_delivery (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        event_id text NOT NULL REFERENCES outbox_event(id),
        endpoint_id text NOT NULL REFERENCES webhook_endpoint(id),
        trigger text NOT NULL CHECK (trigger IN ('event', 'redeliver', 'test')),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempt_count int NOT NULL DEFAULT 0,
        max_attempts int NOT NULL CHECK (max_attempts >= 1),
        next_attempt_at timestamptz,
        lease_until timestamptz,
        last_response_status int,
        last_error text,
        completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The dispatcher's fan-out happens once per (event, endpoint), however many dispatchers race.
    await q.query(`CREATE UNIQUE INDEX webhook_delivery_fanout_uq ON webhook_delivery (event_id, endpoint_id) WHERE trigger = 'event'`);
    await q.query(`CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX webhook_delivery_event_idx ON webhook_delivery (event_id, created_at)`);
    await q.query(`CREATE INDEX webhook_delivery_endpoint_idx ON webhook_delivery (endpoint_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX webhook_delivery_completed_idx ON webhook_delivery (completed_at) WHERE status <> 'pending'`);
    await q.query(`
      CREATE TABLE webhook_attempt (
        delivery_id text NOT NULL REFERENCES webhook_delivery(id) ON DELETE CASCADE,
        attempt int NOT NULL CHECK (attempt >= 1),
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        event_id text NOT NULL,
        endpoint_id text NOT NULL,
        attempted_at timestamptz NOT NULL,
        url_host text NOT NULL,
        response_status int,
        latency_ms int NOT NULL,
        response_excerpt text CHECK (octet_length(response_excerpt) <= 4096),
        error_class text,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'endpoint_disabled')),
        next_attempt_at timestamptz,
        PRIMARY KEY (delivery_id, attempt)
      )`);
    // GET /api/v1/events?type=...
    await q.query(`CREATE INDEX outbox_event_type_idx ON outbox_event (merchant_id, livemode, type, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS outbox_event_type_idx`);
    for (const table of ['webhook_attempt', 'webhook_delivery', 'webhook_signing_key', 'webhook_endpoint']) {
      await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
  }
}
