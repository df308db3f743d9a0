import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BillingJobs1764000000000 implements MigrationInterface {
  name = 'BillingJobs1764000000000';

  async up(q: QueryRunner): Promise<void> {
    // At most one payable renewal invoice per subscription and period, whatever sweeps run at once.
    // Only `open`: a renewal that expired may be re-issued, and settlement may still mark the expired one paid.
    await q.query(
      `CREATE UNIQUE INDEX invoice_cycle_open_uq ON invoice (subscription_id, period_start) WHERE billing_reason = 'subscription_cycle' AND status = 'open'`,
    );
    // The sweep's scans: invoices running out, expired tags to release, grace ends and resumes.
    await q.query(`CREATE INDEX invoice_expiry_idx ON invoice (expires_at) WHERE status IN ('open', 'partially_paid')`);
    await q.query(`CREATE INDEX invoice_tag_release_idx ON invoice (monitor_until) WHERE tag_held AND status = 'expired'`);
    await q.query(`CREATE INDEX subscription_grace_idx ON subscription (grace_until) WHERE status = 'past_due'`);
    await q.query(`CREATE INDEX subscription_resume_idx ON subscription (resume_at) WHERE status = 'paused'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['subscription_resume_idx', 'subscription_grace_idx', 'invoice_tag_release_idx', 'invoice_expiry_idx', 'invoice_cycle_open_uq']) {
      await q.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }
}
