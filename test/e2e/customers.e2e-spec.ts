import { api, createMerchant, createTestApp, type TestApp } from '../app';

describe('customers API', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('creates, reads, lists and updates a customer', async () => {
    const m = await createMerchant(t);
    const client = api(t, m.key);
    const created = await client.post('/api/v1/customers', { email: 'ada@example.com', name: 'Ada', externalId: 'u_1', billingProfile: { company: 'Analytical Ltd', address: { country: 'GB' } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'customer', email: 'ada@example.com', livemode: false, billingProfile: { company: 'Analytical Ltd' } });
    expect(created.body.id).toMatch(/^cus_/);

    const fetched = await client.get(`/api/v1/customers/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.billingProfile.address.country).toBe('GB');

    const listed = await client.get('/api/v1/customers?externalId=u_1');
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([created.body.id]);

    const updated = await client.patch(`/api/v1/customers/${created.body.id}`, { name: 'Ada L.', billingProfile: { taxId: 'GB123' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Ada L.', billingProfile: { taxId: 'GB123', company: 'Analytical Ltd' } });
  });
});
