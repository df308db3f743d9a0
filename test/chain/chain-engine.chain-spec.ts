import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { erc20Abi, getAddress, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { mineEmpty, produceTransfers, type ProducedTransfers } from '../../src/devnet/transfer-producer';
import { ReconciliationService } from '../../src/reconciliation/reconciliation.service';
import { api, createMerchant } from '../app';
import { billfold } from '../support/cli';
import { newId } from '../../src/common/ids';
import { devAccount, fundAccount, payInvoice } from '../support/anvil';
import { billedCustomer, chainsEnv, chainTestbed, type ChainTestbed } from '../support/chain-app';
import { TEST_MASTER_KEY } from '../support/env';
import { startRpcProxy, type RpcProxy } from '../../src/devnet/rpc-proxy';
import { ensureWorkerDatabase, runId } from '../support/test-db';

const ROOT = path.join(__dirname, '..', '..');
const ANVIL = 31337;

// The chain engine against a real anvil: many merchants in one pass, a provider that refuses
// wide ranges, a reorg under rows already written, a killed catch-up, and the operator command.
describe('chain engine: set-based catch-up (anvil)', () => {
  let bed: ChainTestbed;
  let proxy: RpcProxy;
  let merchants: { merchantId: string; address: Address }[];

  beforeAll(async () => {
    // The app reads the chain through a proxy that counts calls and can play a provider's limits;
    // 1-slot epochs put `finalized` 2 blocks behind the head.
    bed = await chainTestbed({
      anvil: { slotsInAnEpoch: 1 },
      chain: { startBlock: 0 },
      rpc: async (url) => {
        proxy = await startRpcProxy(url);
        return proxy.url;
      },
    });
  });

  afterAll(async () => {
    await bed.close();
    await proxy.close();
  });

  async function receivingMerchants(n: number): Promise<{ merchantId: string; address: Address }[]> {
    const out: { merchantId: string; address: Address }[] = [];
    for (let i = 0; i < n; i++) {
      const m = await createMerchant(bed.t);
      const address = getAddress(privateKeyToAccount(generatePrivateKey()).address);
      await api(bed.t, m.key).patch('/api/v1/merchant', { receivingAddresses: { [ANVIL]: address } }).expect(200);
      out.push({ merchantId: m.merchant.id, address });
    }
    return out;
  }

  // Per merchant: how many payment rows are not orphaned, and their sum.
  async function recorded(ids: string[]): Promise<Map<string, { count: number; total: bigint }>> {
    const rows: { merchant_id: string; n: number; total: string; distinct_transfers: number }[] = await bed.ds.query(
      `SELECT merchant_id, count(*)::int AS n, count(DISTINCT (tx_hash, log_index))::int AS distinct_transfers, coalesce(sum(amount), 0)::text AS total
       FROM payment WHERE merchant_id = ANY($1) AND state <> 'orphaned' GROUP BY merchant_id`,
      [ids],
    );
    for (const r of rows) expect(r.distinct_transfers).toBe(r.n);
    return new Map(rows.map((r) => [r.merchant_id, { count: r.n, total: BigInt(r.total) }]));
  }

  function expectExactly(got: Map<string, { count: number; total: bigint }>, produced: ProducedTransfers, set: { merchantId: string; address: Address }[]): void {
    for (const m of set) expect({ merchant: m.merchantId, ...got.get(m.merchantId) }).toEqual({ merchant: m.merchantId, ...produced.perRecipient.get(m.address) });
  }

  async function tickUntil(done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error('the scanner did not get there in time');
      await bed.tick();
    }
  }

  const cursor = async (): Promise<bigint> => BigInt((await bed.ds.query(`SELECT head_number FROM chain_cursor WHERE chain_id = $1`, [ANVIL]))[0]?.head_number ?? -1);

  it('records 10,000 transfers to 50 merchants exactly once: count and sum per merchant', async () => {
    merchants = await receivingMerchants(50);
    const produced = await produceTransfers(bed.chain.url, DEVNET_TOKEN_ADDRESS, { recipients: merchants.map((m) => m.address), blocks: 500, perBlock: 20 });
    await mineEmpty(bed.chain.url, 3);
    proxy.calls.clear();
    await tickUntil(async () => (await cursor()) >= produced.lastBlock);
    expectExactly(await recorded(merchants.map((m) => m.merchantId)), produced, merchants);
    // Unmatched (no invoices): one event per transfer, the state a merchant can act on.
    const [{ n }] = await bed.ds.query(`SELECT count(*)::int AS n FROM outbox_event WHERE merchant_id = ANY($1) AND type = 'payment.unmatched'`, [merchants.map((m) => m.merchantId)]);
    expect(n).toBe(produced.count);
    // Range reads, not block by block: a handful of getLogs calls for 500 blocks.
    expect(proxy.calls.get('eth_getLogs') ?? 0).toBeLessThan(20);
  });

  it('halves the range when the provider refuses it, and skips nothing', async () => {
    const set = merchants.slice(0, 5);
    proxy.set({ maxLogRange: 40 });
    try {
      const produced = await produceTransfers(bed.chain.url, DEVNET_TOKEN_ADDRESS, { recipients: set.map((m) => m.address), blocks: 300, perBlock: 2 });
      await mineEmpty(bed.chain.url, 3);
      const before = await recorded(set.map((m) => m.merchantId));
      const refusedBefore = proxy.refused;
      await tickUntil(async () => (await cursor()) >= produced.lastBlock);
      expect(proxy.refused).toBeGreaterThan(refusedBefore);
      const after = await recorded(set.map((m) => m.merchantId));
      for (const m of set) {
        const added = produced.perRecipient.get(m.address)!;
        expect(after.get(m.merchantId)).toEqual({ count: before.get(m.merchantId)!.count + added.count, total: before.get(m.merchantId)!.total + added.total });
      }
    } finally {
      proxy.set({});
    }
  });

  it('halts on a reorg under rows already written, and after resume orphans them without doubling anything', async () => {
    const set = merchants.slice(0, 3);
    const produced = await produceTransfers(bed.chain.url, DEVNET_TOKEN_ADDRESS, { recipients: set.map((m) => m.address), blocks: 30, perBlock: 3 });
    await mineEmpty(bed.chain.url, 3);
    await tickUntil(async () => (await cursor()) >= produced.lastBlock + 2n);
    const written = await recorded(set.map((m) => m.merchantId));
    // Replace the last 20 transfer blocks (and the empty ones on top) with empty blocks: deeper
    // than finality, inside the range the catch-up already committed.
    await bed.chain.reorg(23, []);
    await mineEmpty(bed.chain.url, 3);
    await expect(bed.tick()).rejects.toThrow(/reorg below finalized/);
    const [halted] = await bed.ds.query(`SELECT halted_at FROM chain_cursor WHERE chain_id = $1`, [ANVIL]);
    expect(halted.halted_at).not.toBeNull();
    expect(await recorded(set.map((m) => m.merchantId))).toEqual(written);

    const fork = produced.lastBlock - 19n;
    await bed.t.app.get(ReconciliationService).resume(ANVIL, fork);
    await tickUntil(async () => (await cursor()) >= produced.lastBlock + 3n);
    // What stayed canonical is recorded once; what the reorg removed is orphaned, not lost or doubled.
    const kept = produced.count - 20 * 3;
    let count = 0;
    for (const v of (await recorded(set.map((m) => m.merchantId))).values()) count += v.count;
    let before = 0;
    for (const v of written.values()) before += v.count;
    expect(count).toBe(before - (produced.count - kept));
    const [{ orphaned }] = await bed.ds.query(`SELECT count(*)::int AS orphaned FROM payment WHERE merchant_id = ANY($1) AND state = 'orphaned' AND block_number >= $2`, [set.map((m) => m.merchantId), fork.toString()]);
    expect(orphaned).toBe(60);
  });

  describe('billfold chains catch-up', () => {
    async function env(): Promise<Record<string, string>> {
      return {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: await ensureWorkerDatabase(),
        REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        REDIS_PREFIX: `{${runId()}-cli}`,
        PUBLIC_BASE_URL: 'https://billing.test',
        MASTER_KEY: TEST_MASTER_KEY,
        CHAINS: chainsEnv(proxy.url, { startBlock: 0 }),
      };
    }

    it('refuses bad arguments and unknown chains with a clear message and a non-zero exit', async () => {
      const usage = await billfold(['chains', 'catch-up', '--chain', 'abc'], await env());
      expect(usage.code).not.toBe(0);
      expect(usage.stderr).toMatch(/--chain takes a number/);
      const unknown = await billfold(['chains', 'catch-up', '--chain', '999'], await env());
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/chain 999 is not configured/);
    });

    it('is killed between chunks and, run again, resumes at the committed cursor with nothing doubled', async () => {
      const set = merchants.slice(5, 10);
      // Another payer than the earlier tests': the reorg test left its dropped transactions in the pool.
      const produced = await produceTransfers(bed.chain.url, DEVNET_TOKEN_ADDRESS, { recipients: set.map((m) => m.address), blocks: 200, perBlock: 2, fromAccountIndex: 5 });
      await mineEmpty(bed.chain.url, 3);
      const before = await recorded(set.map((m) => m.merchantId));
      const start = await cursor();
      // Narrow, slow ranges: many chunks, each committed with the cursor.
      proxy.set({ maxLogRange: 20, logsDelayMs: 150 });
      const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin', 'billfold.js'), 'chains', 'catch-up', '--chain', String(ANVIL)], { cwd: ROOT, env: await env(), stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 60_000;
        while ((await cursor()) <= start + 20n) {
          if (Date.now() > deadline) throw new Error('the catch-up committed no chunk in time');
          await new Promise<void>((resolve) => setTimeout(resolve, 50));
        }
        child.kill('SIGKILL');
        await exited;
      } finally {
        proxy.set({});
      }
      const stopped = await cursor();
      expect(stopped).toBeLessThan(produced.lastBlock);

      const run = await billfold(['chains', 'catch-up', '--chain', String(ANVIL)], await env());
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`Caught up chain ${ANVIL} from block ${(stopped + 1n).toLocaleString('en-US')} to [\\d,]+: [\\d,]+ transfers recorded`));
      expect(run.stdout).toMatch(/blocks\/s/);
      const after = await recorded(set.map((m) => m.merchantId));
      for (const m of set) {
        const added = produced.perRecipient.get(m.address)!;
        expect(after.get(m.merchantId)).toEqual({ count: (before.get(m.merchantId)?.count ?? 0) + added.count, total: (before.get(m.merchantId)?.total ?? 0n) + added.total });
      }
      const again = await billfold(['chains', 'catch-up', '--chain', String(ANVIL)], await env());
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/already caught up/);
    });
  });
});

// A fresh chain of its own: hundreds of empty blocks mined at once would sit under the reorgs above.
describe('chain engine: one invoice paid across chunks (anvil)', () => {
  let bed: ChainTestbed;

  beforeAll(async () => {
    bed = await chainTestbed({ anvil: { slotsInAnEpoch: 1 }, chain: { startBlock: 0 } });
  });

  afterAll(async () => {
    await bed.close();
  });

  const cursor = async (): Promise<bigint> => BigInt((await bed.ds.query(`SELECT head_number FROM chain_cursor WHERE chain_id = $1`, [ANVIL]))[0]?.head_number ?? -1);
  async function tickUntil(done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error('the scanner did not get there in time');
      await bed.tick();
    }
  }

  it('keeps chain order for one invoice paid across chunks: wallet payments fill it, a repeat becomes credit', async () => {
    const { client, invoice, customer, merchant } = await billedCustomer(bed.t, undefined, { amount: '30000000' });
    const wallet = await devAccount(bed.chain.url, 3);
    await fundAccount(bed.chain.url, DEVNET_TOKEN_ADDRESS, wallet, 1_000_000_000n);
    await fundAccount(bed.chain.url, DEVNET_TOKEN_ADDRESS, await devAccount(bed.chain.url, 4), 1_000_000_000n);
    await bed.ds.query(
      `INSERT INTO payer_wallet (id, merchant_id, livemode, customer_id, address, chain_id, verified_at, verified_block) VALUES ($1, $2, false, $3, $4, 31337, now(), 0)`,
      [newId('pay').replace('pay_', 'wal_'), merchant.merchant.id, customer.id, wallet],
    );
    const send = (amount: bigint) =>
      bed.chain.walletClient.writeContract({ address: DEVNET_TOKEN_ADDRESS as Address, abi: erc20Abi, functionName: 'transfer', args: [invoice.payTo as Address, amount], account: wallet, chain: null });
    // Two thirds from the bound wallet, then (hundreds of blocks later, in another chunk) the rest,
    // then the exact tagged amount again from another payer: a repeat.
    await send(20_000_000n);
    await mineEmpty(bed.chain.url, 400);
    await send(BigInt(invoice.amountDue) - 20_000_000n);
    await mineEmpty(bed.chain.url, 400);
    await payInvoice(bed.chain.url, { ...invoice, status: undefined }, 4);
    await mineEmpty(bed.chain.url, 5);
    const head = await bed.chain.publicClient.getBlockNumber();
    await tickUntil(async () => (await cursor()) >= head - 3n);
    expect((await client.get(`/api/v1/invoices/${invoice.id}`)).body).toMatchObject({ status: 'paid', amountConfirmed: (2n * BigInt(invoice.amountDue)).toString() });
    const rows = await bed.ds.query(`SELECT matched_by, flags FROM payment WHERE invoice_id = $1 ORDER BY block_number`, [invoice.id]);
    expect(rows).toEqual([
      { matched_by: 'binding', flags: [] },
      { matched_by: 'binding', flags: [] },
      { matched_by: 'amount', flags: ['repeat_payment'] },
    ]);
    const [credit] = await bed.ds.query(`SELECT amount FROM customer_credit WHERE customer_id = $1`, [customer.id]);
    expect(credit.amount).toBe(invoice.amountDue);
  });

});
