import { createTestApp, type TestApp } from '../app';

describe('queue board', () => {
  let t: TestApp;
  const token = 'board-secret-0123456789';

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_TOKEN: token } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('refuses without the admin credential', async () => {
    const res = await t.http().get('/admin/queues');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    const wrong = await t.http().get('/admin/queues/api/queues').auth('admin', 'nope');
    expect(wrong.status).toBe(401);
  });

  it('lists the queues to an operator', async () => {
    const page = await t.http().get('/admin/queues').auth('admin', token);
    expect(page.status).toBe(200);
    const api = await t.http().get('/admin/queues/api/queues').auth('admin', token);
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(['ingest', 'claim', 'maintenance']));
  });
});
