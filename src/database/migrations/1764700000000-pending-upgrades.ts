import type { MigrationInterface, QueryRunner } from 'typeorm';

// An upgrade that charges a proration waits for its invoice: the new plan and price, the invoice
// and when it was asked for. Distinct from pending_plan_id, the downgrade scheduled for renewal.
export class PendingUpgrades1764700000000 implements MigrationInterface {
  name = 'PendingUpgrades1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscription
      ADD COLUMN pending_update_plan_id text REFERENCES plan(id),
      ADD COLUMN pending_update_price_id text REFERENCES price(id),
      ADD COLUMN pending_update_invoice_id text REFERENCES invoice(id),
      ADD COLUMN pending_update_created_at timestamptz`);
    await q.query(`ALTER TABLE subscription ADD CONSTRAINT subscription_pending_update_whole CHECK (
      (pending_update_plan_id IS NULL) = (pending_update_price_id IS NULL)
      AND (pending_update_plan_id IS NULL) = (pending_update_invoice_id IS NULL)
      AND (pending_update_plan_id IS NULL) = (pending_update_created_at IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscription DROP CONSTRAINT IF EXISTS subscription_pending_update_whole`);
    await q.query(`ALTER TABLE subscription DROP COLUMN pending_update_plan_id, DROP COLUMN pending_update_price_id, DROP COLUMN pending_update_invoice_id, DROP COLUMN pending_update_created_at`);
  }
}
