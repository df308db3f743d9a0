import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { Db } from '../../src/database/db.service';
import { WorkerModule } from '../../src/worker.module';
import { createTestApp, type TestApp } from '../app';
import { deployTestToken, devAccount, fundAccount, payInvoice, startTestChain, type TestChain } from '../support/anvil';
import { billedCustomer, chainsEnv, resetChainState } from '../support/chain-app';
import { testEnv } from '../support/env';
import { ensureWorkerDatabase } from '../support/test-db';
import { waitFor } from '../support/wait';

describe('worker process (BullMQ + anvil)', () => {
  let chain: TestChain;
  let t: TestApp;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    chain = await startTestChain();
    await deployTestToken(chain.url);
    await fundAccount(chain.url, DEVNET_TOKEN_ADDRESS, await devAccount(chain.url, 1), 1_000_000_000n);
    const env = { CHAINS: chainsEnv(chain.url, { tickMs: 300 }) };
    t = await createTestApp({ env });
    await resetChainState(t);
    // Two workers on the same Redis and PostgreSQL, as two replicas would be.
    for (let i = 0; i < 2; i++) {
      const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ env: testEnv(await ensureWorkerDatabase(), env) }), { logger: false });
      await worker.init();
      workers.push(worker);
    }
  });

  const payments = (invoiceId: string): Promise<{ state: string }[]> => t.app.get(Db).dataSource.query(`SELECT state FROM payment WHERE invoice_id = $1`, [invoiceId]);

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    await t?.close();
    await chain?.stop();
  });

  it('scans on its schedule: a payment is seen, confirmed and settled exactly once by two workers', async () => {
    const { client, invoice, subscription, merchant } = await billedCustomer(t);
    await payInvoice(chain.url, invoice, 1);
    const seen = await waitFor(
      () => payments(invoice.id),
      (rows) => rows.length > 0,
      { what: 'the scheduled tick to record the payment', timeoutMs: 30_000 },
    );
    expect(seen).toHaveLength(1);
    await chain.mine(3);
    const paid = await waitFor(
      async () => (await client.get(`/api/v1/invoices/${invoice.id}`)).body.status,
      (s) => s === 'paid',
      { what: 'the invoice to be paid', timeoutMs: 30_000 },
    );
    expect(paid).toBe('paid');
    expect((await client.get(`/api/v1/subscriptions/${subscription.id}`)).body.status).toBe('active');
    const events: { type: string }[] = await t.app.get(Db).dataSource.query(`SELECT type FROM outbox_event WHERE merchant_id = $1`, [merchant.merchant.id]);
    expect(events.filter((e) => e.type === 'invoice.paid')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'subscription.activated')).toHaveLength(1);
    expect(await payments(invoice.id)).toHaveLength(1);
  });

  it('closes its BullMQ workers on shutdown', async () => {
    const worker = workers.pop()!;
    await expect(worker.close()).resolves.toBeUndefined();
  });
});

