import type { MigrationInterface, QueryRunner } from 'typeorm';

// What the scanner saw (latest head, reorgs, failed ticks), so the API's /metrics can report it: workers serve no HTTP.
export class ChainLatestHead1764150000000 implements MigrationInterface {
  name = 'ChainLatestHead1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chain_cursor ADD COLUMN latest_head_number bigint, ADD COLUMN reorgs_total bigint NOT NULL DEFAULT 0, ADD COLUMN tick_errors_total bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chain_cursor DROP COLUMN latest_head_number, DROP COLUMN reorgs_total, DROP COLUMN tick_errors_total`);
  }
}
