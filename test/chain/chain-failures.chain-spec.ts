import { ReconciliationService } from '../../src/reconciliation/reconciliation.service';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { createTestApp } from '../app';
import { deployTestToken, devAccount, freePort, fundAccount, payInvoice, startTestChain } from '../support/anvil';
import { billedCustomer, chainsEnv, chainTestbed, resetChainState } from '../support/chain-app';
import { Db } from '../../src/database/db.service';

describe('chain failures (anvil)', () => {
  it('halts a chain on a reorg deeper than finality, and readiness reports it', async () => {
    // One-slot epochs: finalized trails latest by 2 blocks.
    const bed = await chainTestbed({ anvil: { slotsInAnEpoch: 1 } });
    try {
      await bed.chain.mine(10);
      await bed.tick();
      await bed.chain.reorg(6, []);
      await expect(bed.tick()).rejects.toThrow(/reorg below finalized/);
      const [cursor] = await bed.ds.query(`SELECT halted_at, halt_reason FROM chain_cursor WHERE chain_id = 31337`);
      expect(cursor.halted_at).not.toBeNull();
      expect((await bed.tick()).skipped).toBe('halted');
      const ready = await bed.t.http().get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('degraded');
      expect(ready.body.info?.chains ?? ready.body.details?.chains).toMatchObject({ status: 'degraded' });

      // The operator resumes from a block that is canonical now; scanning carries on.
      await bed.t.app.get(ReconciliationService).resume(31337, 1n);
      const resumed = await bed.tick();
      expect(resumed.skipped).toBeUndefined();
      expect((await bed.t.http().get('/readyz')).body.status).toBe('ok');
      // The API's /metrics reports the scanner's state from PostgreSQL and the queues from Redis.
      const metrics = (await bed.t.http().get('/metrics')).text;
      expect(metrics).toMatch(/billfold_chain_scan\{chain="31337",measure="halted"\} 0/);
      expect(metrics).toMatch(/billfold_chain_scan\{chain="31337",measure="cursor_block"\} \d+/);
      expect(metrics).toMatch(/billfold_queue_jobs\{queue="ingest",state="waiting"\} \d+/);
    } finally {
      await bed.close();
    }
  });

  it('keeps ticking through the fallback when the primary RPC is down', async () => {
    const chain = await startTestChain();
    await deployTestToken(chain.url);
    const dead = `http://127.0.0.1:${await freePort()}`;
    const t = await createTestApp({ env: { CHAINS: chainsEnv(dead, { rpcUrls: [dead, chain.url] }) } });
    await resetChainState(t);
    try {
      const payer = await devAccount(chain.url, 1);
      await fundAccount(chain.url, DEVNET_TOKEN_ADDRESS, payer, 100_000_000n);
      const { client, invoice } = await billedCustomer(t);
      const reconciliation = t.app.get(ReconciliationService);
      await reconciliation.tick(31337);
      await payInvoice(chain.url, invoice, 1);
      await chain.mine(3);
      await reconciliation.tick(31337);
      expect((await client.get(`/api/v1/invoices/${invoice.id}`)).body.status).toBe('paid');
      const [cursor] = await t.app.get(Db).dataSource.query(`SELECT head_number FROM chain_cursor WHERE chain_id = 31337`);
      expect(Number(cursor.head_number)).toBeGreaterThan(0);
    } finally {
      await t.close();
      await chain.stop();
    }
  });
});
