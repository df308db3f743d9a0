import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE merchant (
        id text PRIMARY KEY,
        name text NOT NULL,
        slug text NOT NULL UNIQUE,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        branding jsonb NOT NULL,
        portal_settings jsonb NOT NULL,
        billing_settings jsonb NOT NULL,
        return_url_prefixes text[] NOT NULL DEFAULT '{}',
        embed_origins text[] NOT NULL DEFAULT '{}',
        default_link_ttl_seconds int NOT NULL DEFAULT 86400 CHECK (default_link_ttl_seconds BETWEEN 60 AND 86400),
        next_invoice_number int NOT NULL DEFAULT 1,
        receiving_addresses jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_key (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        last4 text NOT NULL,
        scopes text[] NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        expires_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_key_merchant_idx ON api_key (merchant_id)`);
    await q.query(`
      CREATE TABLE customer (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        external_id text,
        email text NOT NULL,
        name text,
        portal_token_epoch int NOT NULL DEFAULT 0,
        payment_asset_id text,
        metadata jsonb NOT NULL DEFAULT '{}',
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX customer_external_id_uq ON customer (merchant_id, livemode, external_id) WHERE external_id IS NOT NULL AND deleted_at IS NULL`);
    await q.query(`CREATE INDEX customer_list_idx ON customer (merchant_id, livemode, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX customer_email_idx ON customer (merchant_id, livemode, lower(email))`);
    await q.query(`
      CREATE TABLE billing_profile (
        customer_id text PRIMARY KEY REFERENCES customer(id),
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        data_enc text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE asset (
        id text PRIMARY KEY,
        chain_id int NOT NULL,
        token text NOT NULL,
        symbol text NOT NULL,
        decimals int NOT NULL CHECK (decimals BETWEEN 0 AND 36),
        testnet boolean NOT NULL,
        UNIQUE (chain_id, token)
      )`);
    await q.query(`
      CREATE TABLE plan (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        name text NOT NULL,
        description text,
        interval_unit text NOT NULL CHECK (interval_unit IN ('day', 'week', 'month', 'year')),
        interval_count int NOT NULL CHECK (interval_count BETWEEN 1 AND 365),
        active boolean NOT NULL DEFAULT true,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX plan_list_idx ON plan (merchant_id, livemode, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE price (
        id text PRIMARY KEY,
        plan_id text NOT NULL REFERENCES plan(id),
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        asset_id text NOT NULL REFERENCES asset(id),
        amount numeric(78,0) NOT NULL CHECK (amount > 0),
        UNIQUE (plan_id, asset_id)
      )`);
    await q.query(`
      CREATE TABLE subscription (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        customer_id text NOT NULL REFERENCES customer(id),
        plan_id text NOT NULL REFERENCES plan(id),
        price_id text NOT NULL REFERENCES price(id),
        asset_id text NOT NULL REFERENCES asset(id),
        quantity int NOT NULL DEFAULT 1 CHECK (quantity BETWEEN 1 AND 100000),
        status text NOT NULL CHECK (status IN ('incomplete', 'incomplete_expired', 'active', 'past_due', 'paused', 'canceled', 'unpaid')),
        current_period_start timestamptz NOT NULL,
        current_period_end timestamptz NOT NULL,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        cancellation_reason text,
        canceled_at timestamptz,
        ended_at timestamptz,
        paused_at timestamptz,
        resume_at timestamptz,
        grace_until timestamptz,
        pending_plan_id text REFERENCES plan(id),
        metadata jsonb NOT NULL DEFAULT '{}',
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (current_period_end > current_period_start)
      )`);
    await q.query(`CREATE INDEX subscription_list_idx ON subscription (merchant_id, livemode, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX subscription_customer_idx ON subscription (merchant_id, customer_id)`);
    await q.query(`CREATE INDEX subscription_due_idx ON subscription (status, current_period_end)`);
    await q.query(`
      CREATE TABLE invoice (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        customer_id text NOT NULL REFERENCES customer(id),
        subscription_id text REFERENCES subscription(id),
        number text NOT NULL,
        status text NOT NULL CHECK (status IN ('open', 'partially_paid', 'paid', 'expired', 'void')),
        billing_reason text NOT NULL,
        asset_id text NOT NULL REFERENCES asset(id),
        chain_id int NOT NULL,
        token text NOT NULL,
        pay_to text NOT NULL,
        subtotal numeric(78,0) NOT NULL CHECK (subtotal >= 0),
        amount_due numeric(78,0) NOT NULL CHECK (amount_due > 0),
        tag int NOT NULL CHECK (tag BETWEEN 1 AND 9999),
        tag_held boolean NOT NULL DEFAULT true,
        amount_received numeric(78,0) NOT NULL DEFAULT 0,
        amount_confirmed numeric(78,0) NOT NULL DEFAULT 0,
        line_items jsonb NOT NULL,
        period_start timestamptz,
        period_end timestamptz,
        due_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        monitor_until timestamptz NOT NULL,
        paid_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (merchant_id, number)
      )`);
    // The database is the lock for amount tags: two held invoices never share an exact amount.
    await q.query(`CREATE UNIQUE INDEX invoice_amount_tag_uq ON invoice (chain_id, token, pay_to, amount_due) WHERE tag_held`);
    await q.query(`CREATE INDEX invoice_list_idx ON invoice (merchant_id, livemode, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX invoice_customer_idx ON invoice (merchant_id, customer_id, status)`);
    await q.query(`CREATE INDEX invoice_subscription_idx ON invoice (subscription_id)`);
    await q.query(`
      CREATE TABLE audit_event (
        id text PRIMARY KEY,
        merchant_id text NOT NULL,
        livemode boolean NOT NULL,
        actor_type text NOT NULL,
        actor_id text NOT NULL,
        customer_id text,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text NOT NULL,
        changes jsonb,
        request_id text,
        ip text,
        user_agent text,
        outcome text NOT NULL DEFAULT 'success',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_event_target_idx ON audit_event (merchant_id, target_id, created_at)`);
    await q.query(`CREATE INDEX audit_event_customer_idx ON audit_event (merchant_id, customer_id, created_at)`);
    await q.query(`
      CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only' USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(`CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(`
      CREATE TABLE outbox_event (
        id text PRIMARY KEY,
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_event_pending_idx ON outbox_event (created_at) WHERE dispatched_at IS NULL`);
    await q.query(`CREATE INDEX outbox_event_list_idx ON outbox_event (merchant_id, livemode, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE idempotency_key (
        merchant_id text NOT NULL REFERENCES merchant(id),
        livemode boolean NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        response_status int NOT NULL,
        response_body jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (merchant_id, livemode, key)
      )`);
    await q.query(`CREATE INDEX idempotency_key_created_idx ON idempotency_key (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['idempotency_key', 'outbox_event', 'audit_event', 'invoice', 'subscription', 'price', 'plan', 'asset', 'billing_profile', 'customer', 'api_key', 'merchant']) {
      await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
    await q.query(`DROP FUNCTION IF EXISTS audit_event_append_only()`);
  }
}
