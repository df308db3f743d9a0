import type { MigrationInterface, QueryRunner } from 'typeorm';

// The latest head seen by the scanner, so any process (the API's /metrics) can report lag in blocks.
export class ChainLatestHead1764150000000 implements MigrationInterface {
  name = 'ChainLatestHead1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chain_cursor ADD COLUMN latest_head_number bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chain_cursor DROP COLUMN latest_head_number`);
  }
}
