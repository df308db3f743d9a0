import type { MigrationInterface, QueryRunner } from 'typeorm';

// Link secrets belong to a merchant *and* a mode: a test-mode secret must never open a live customer's portal.
export class LinkKeysPerMode1764100000000 implements MigrationInterface {
  name = 'LinkKeysPerMode1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE link_signing_key ADD COLUMN livemode boolean NOT NULL DEFAULT false`);
    await q.query(`DROP INDEX link_signing_key_current_uq`);
    await q.query(`CREATE UNIQUE INDEX link_signing_key_current_uq ON link_signing_key (merchant_id, livemode) WHERE status = 'current'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX link_signing_key_current_uq`);
    await q.query(`CREATE UNIQUE INDEX link_signing_key_current_uq ON link_signing_key (merchant_id) WHERE status = 'current'`);
    await q.query(`ALTER TABLE link_signing_key DROP COLUMN livemode`);
  }
}
