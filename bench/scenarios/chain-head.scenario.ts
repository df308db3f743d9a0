import { erc20Abi } from 'viem';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { Db } from '../../src/database/db.service';
import { ANVIL_CHAIN_ID } from '../../src/devnet/anvil-process';
import { devAccount, devnetClients, fundAccount } from '../../src/devnet/devnet';
import { startRpcProxy, type RpcProxy } from '../../src/devnet/rpc-proxy';
import { mineEmpty, rpc } from '../../src/devnet/transfer-producer';
import { BuiltWorker, ensureBuilt } from '../harness/built-worker';
import { benchChain, envSource, receivingMerchant, startBenchAnvil, type BenchAnvil, type ReceivingMerchant } from '../harness/chain-fixture';
import { row, type Scenario } from '../harness/scenario';

const BLOCKS = 30;
const BLOCK_MS = 1_000;
const TICK_MS = 1_000;
const CALLS_PER_BLOCK_GOAL = 3;

// Steady state at the head: one block a second with a payment in it, the built worker ticking once a second,
// every JSON-RPC call it makes counted by a proxy between it and the node. The baseline is the least any
// follower needs per block: the block's header and its logs.
export const scenario: Scenario = {
  name: 'chain-head',
  description: `built worker following the head: ${BLOCKS} blocks at ${BLOCK_MS} ms, each with a payment, RPC calls counted`,
  async run(ctx) {
    ensureBuilt(ctx.log);
    const api = await ctx.api();
    const ds = api.app.get(Db).dataSource;
    let anvil: BenchAnvil | null = null;
    let proxy: RpcProxy | null = null;
    let merchant: ReceivingMerchant | null = null;
    let worker: BuiltWorker | null = null;
    try {
      anvil = await startBenchAnvil();
      proxy = await startRpcProxy(anvil.url);
      merchant = await receivingMerchant(api, 'Bench Head Merchant');
      const payer = await devAccount(anvil.url, 1);
      await fundAccount(anvil.url, anvil.token, payer, 1_000_000_000n);
      const { publicClient, walletClient } = devnetClients(anvil.url);
      const start = await publicClient.getBlockNumber();
      const chain = benchChain(proxy.url, { tickMs: TICK_MS, startBlock: Number(start) + 1, assets: [{ symbol: 'USDC', token: DEVNET_TOKEN_ADDRESS, decimals: 6 }] });
      worker = (await BuiltWorker.start(envSource(api.env, [chain]))).worker;
      const cursor = async () => BigInt(((await ds.query(`SELECT head_number::text AS n FROM chain_cursor WHERE chain_id = $1`, [ANVIL_CHAIN_ID])) as { n: string }[])[0]?.n ?? '-1');
      await until(async () => (await cursor()) >= start, 15_000);

      // Counting starts once the worker follows the head; each block carries one payment.
      await rpc(anvil.url, { jsonrpc: '2.0', id: 1, method: 'evm_setAutomine', params: [false] });
      proxy.calls.clear();
      const first = (await publicClient.getBlockNumber()) + 1n;
      for (let i = 0; i < BLOCKS; i++) {
        const paced = sleep(BLOCK_MS);
        await walletClient.writeContract({ address: anvil.token, abi: erc20Abi, functionName: 'transfer', args: [merchant.address, 1_000_000n + BigInt(i)], account: payer, chain: null });
        await mineEmpty(anvil.url, 1);
        await paced;
      }
      const last = first + BigInt(BLOCKS) - 1n;
      await until(async () => (await cursor()) >= last, 15_000);
      const calls = [...proxy.calls.values()].reduce((a, b) => a + b, 0);
      const byMethod = Object.fromEntries(proxy.calls);
      const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM payment WHERE merchant_id = $1 AND block_number BETWEEN $2 AND $3`, [merchant.merchantId, first.toString(), last.toString()])) as { n: number }[];
      if (n !== BLOCKS) throw new Error(`expected ${BLOCKS} payments in blocks ${first}-${last}, found ${n}`);
      ctx.log(`  ${calls} calls for ${BLOCKS} blocks: ${JSON.stringify(byMethod)}`);
      return {
        rows: [
          row({
            figure: `RPC calls per block at the head (built worker, tick ${TICK_MS} ms, block ${BLOCK_MS} ms)`,
            value: calls / BLOCKS,
            unit: 'calls/block',
            baseline: 'header + logs of each block',
            baselineValue: 2,
            goal: `<= ${CALLS_PER_BLOCK_GOAL}`,
            meets: (r) => r.value <= CALLS_PER_BLOCK_GOAL,
          }),
        ],
        details: { blocks: BLOCKS, calls, byMethod },
      };
    } finally {
      await worker?.stop();
      await merchant?.release();
      await proxy?.close();
      await anvil?.stop();
    }
  },
};

async function until(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
