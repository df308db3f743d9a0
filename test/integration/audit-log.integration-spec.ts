import { DataSource } from 'typeorm';
import { createCustomer, createMerchant } from '../factories';
import { createTestModule, type TestModule } from '../support/testing-module';

// The database itself refuses to change or remove audit rows, whatever the application does.
describe('audit log is append-only (D7)', () => {
  let t: TestModule;
  let auditId: string;

  beforeAll(async () => {
    t = await createTestModule();
    const m = await createMerchant(t);
    const created = await createCustomer(t, m, { email: 'audit@example.com' });
    const rows: { id: string }[] = await t.get(DataSource).query(`SELECT id FROM audit_event WHERE target_id = $1`, [created.id]);
    expect(rows).toHaveLength(1);
    auditId = rows[0].id;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('refuses UPDATE through the application connection', async () => {
    await expect(t.get(DataSource).query(`UPDATE audit_event SET action = 'tampered' WHERE id = $1`, [auditId])).rejects.toThrow(/append-only/);
  });

  it('refuses DELETE through the application connection', async () => {
    await expect(t.get(DataSource).query(`DELETE FROM audit_event WHERE id = $1`, [auditId])).rejects.toThrow(/append-only/);
  });

  it('refuses TRUNCATE through the application connection', async () => {
    await expect(t.get(DataSource).query(`TRUNCATE audit_event`)).rejects.toThrow(/append-only/);
  });

  it('still holds the original row afterwards', async () => {
    const rows: { action: string }[] = await t.get(DataSource).query(`SELECT action FROM audit_event WHERE id = $1`, [auditId]);
    expect(rows).toEqual([{ action: 'customer.create' }]);
  });
});
