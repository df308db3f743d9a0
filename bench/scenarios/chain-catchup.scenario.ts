import { createPublicClient, getAddress, http, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { TRANSFER_EVENT } from '../../src/chain/chain.reader';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { Db } from '../../src/database/db.service';
import { ANVIL_CHAIN_ID } from '../../src/devnet/anvil-process';
import { BuiltWorker, ensureBuilt } from '../harness/built-worker';
import { benchChain, envSource, mineEmpty, receivingMerchant, startBenchAnvil, type BenchAnvil, type ReceivingMerchant } from '../harness/chain-fixture';
import { produceTransfers } from '../../src/devnet/transfer-producer';
import { MB } from '../harness/rss-sampler';
import { row, type Scenario } from '../harness/scenario';

const MERCHANTS = 50;
const OTHERS = 10; // addresses nobody bills for: the scan must ignore their transfers
const BLOCKS = 2_000;
const PER_BLOCK = 6; // 12,000 transfers: 10,000 to the merchants, 2,000 to the others
const CHUNK = 1_000n; // the baseline's range per getLogs call
const BASELINE_PASSES = 3;
const POLL_MS = 25;
// DESIGN §8 goals.
const SHARE_OF_BASELINE = 0.5;
const WORKER_RSS_CEILING_MB = 300;
const BOOT_CEILING_MS = 1_500;

// DESIGN §8 "chain catch-up blocks/s over 2,000 blocks with 10,000 transfers", with the transfers spread over 50
// merchants' receiving addresses and more going elsewhere. The worker runs from dist/ in its own process, as in
// production; the clock runs from its "worker ready" log line until every payment row exists.
export const scenario: Scenario = {
  name: 'chain-catchup',
  description: `built worker catch-up over ${BLOCKS.toLocaleString('en-US')} blocks: ${((BLOCKS * PER_BLOCK * MERCHANTS) / (MERCHANTS + OTHERS)).toLocaleString('en-US')} ERC-20 transfers to ${MERCHANTS} merchants (and ${((BLOCKS * PER_BLOCK * OTHERS) / (MERCHANTS + OTHERS)).toLocaleString('en-US')} to others) vs raw getLogs`,
  async run(ctx) {
    ensureBuilt(ctx.log);
    const api = await ctx.api();
    const ds = api.app.get(Db).dataSource;
    let anvil: BenchAnvil | null = null;
    const merchants: ReceivingMerchant[] = [];
    let worker: BuiltWorker | null = null;
    try {
      anvil = await startBenchAnvil();
      for (let i = 0; i < MERCHANTS; i++) merchants.push(await receivingMerchant(api, `Bench Catch-up Merchant ${i + 1}`));
      const others = Array.from({ length: OTHERS }, () => getAddress(privateKeyToAccount(generatePrivateKey()).address));
      const produced = await produceTransfers(anvil.url, anvil.token, { recipients: [...merchants.map((m) => m.address), ...others], blocks: BLOCKS, perBlock: PER_BLOCK });
      const expected = merchants.reduce((n, m) => n + produced.perRecipient.get(m.address)!.count, 0);
      ctx.log(`  produced ${produced.count} transfers (${expected} to merchants) in blocks ${produced.firstBlock}-${produced.lastBlock} in ${produced.seconds.toFixed(1)} s`);
      // Two empty blocks on top bring `finalized` (latest − 2 with 1-slot epochs) to the last transfer block.
      await mineEmpty(anvil.url, 2);
      const client = createPublicClient({ transport: http(anvil.url, { retryCount: 0 }), cacheTime: 0 });
      const addresses = merchants.map((m) => m.address) as Address[];

      // Baseline: getLogs for the token and the merchants' addresses, decoded by viem, nothing else.
      const getLogsPass = async () => {
        const t0 = performance.now();
        let logs = 0;
        for (let from = produced.firstBlock; from <= produced.lastBlock; from += CHUNK) {
          const to = from + CHUNK - 1n > produced.lastBlock ? produced.lastBlock : from + CHUNK - 1n;
          logs += (await client.getLogs({ fromBlock: from, toBlock: to, address: anvil!.token, event: TRANSFER_EVENT, args: { to: addresses } })).length;
        }
        if (logs !== expected) throw new Error(`getLogs returned ${logs} logs, expected ${expected}`);
        return (performance.now() - t0) / 1000;
      };
      await getLogsPass(); // warm-up (discarded)
      const passes: number[] = [];
      for (let i = 0; i < BASELINE_PASSES; i++) passes.push(await getLogsPass());
      const baselineSeconds = median(passes);
      const blocks = Number(produced.lastBlock - produced.firstBlock + 1n);
      ctx.log(`  raw getLogs: ${passes.map((s) => `${(s * 1000).toFixed(0)} ms`).join(', ')}`);

      // Ours: the built worker with a fresh cursor just below the first transfer block. The chain lists only its
      // ERC-20 asset, like the workload (a native asset adds one block read per block).
      const chain = benchChain(anvil.url, { startBlock: Number(produced.firstBlock), assets: [{ symbol: 'USDC', token: DEVNET_TOKEN_ADDRESS, decimals: 6 }] });
      const ids = merchants.map((m) => m.merchantId);
      const started = await BuiltWorker.start({ ...envSource(api.env, [chain]), LOG_LEVEL: 'debug' });
      worker = started.worker;
      const idleRss = worker.rssBytes();
      let done: number | null = null;
      const deadline = performance.now() + 300_000;
      while (done === null) {
        const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM payment WHERE merchant_id = ANY($1) AND chain_id = $2`, [ids, ANVIL_CHAIN_ID])) as { n: number }[];
        if (n >= expected) done = performance.now();
        else if (performance.now() > deadline) throw new Error(`only ${n} of ${expected} payment rows after 300 s:\n${worker.logTail()}`);
        else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      const peakRss = worker.peakRssBytes();
      const afterReady = (done - started.readyAt) / 1000;
      const fromStart = (done - started.startedAt) / 1000;
      ctx.log(`  worker: ready in ${started.bootMs} ms (its own clock), all rows ${afterReady.toFixed(2)} s after ready, ${fromStart.toFixed(2)} s after spawn`);
      const chunks = worker.logLines('chunk written').map((l) => ({ from: l.from, to: l.to, transfers: l.transfers, waitMs: l.waitMs, chunkMs: l.chunkMs, matchMs: l.matchMs, writeMs: l.writeMs, settleMs: l.settleMs }));
      for (const c of chunks) ctx.log(`  chunk ${c.from}-${c.to}: ${c.transfers} rows; waited ${c.waitMs} ms for reads; committed in ${c.chunkMs} ms (match ${c.matchMs}, write ${c.writeMs}, settle ${c.settleMs})`);

      // A figure measured on wrong results is worthless: every merchant's transfers exactly once, with their sum.
      const rows = (await ds.query(
        `SELECT merchant_id, count(*)::int AS n, count(DISTINCT (tx_hash, log_index))::int AS distinct_transfers, coalesce(sum(amount), 0)::text AS total,
                count(*) FILTER (WHERE state = 'final')::int AS final
         FROM payment WHERE merchant_id = ANY($1) AND chain_id = $2 GROUP BY merchant_id`,
        [ids, ANVIL_CHAIN_ID],
      )) as { merchant_id: string; n: number; distinct_transfers: number; total: string; final: number }[];
      const wrong: string[] = [];
      for (const m of merchants) {
        const want = produced.perRecipient.get(m.address)!;
        const got = rows.find((r) => r.merchant_id === m.merchantId);
        if (!got || got.n !== want.count || got.distinct_transfers !== want.count || BigInt(got.total) !== want.total || got.final !== want.count) {
          wrong.push(`${m.merchantId}: ${got ? `${got.n} rows, ${got.total}` : 'none'} instead of ${want.count}, ${want.total}`);
        }
      }
      if (wrong.length) throw new Error(`catch-up results are wrong: ${wrong.slice(0, 5).join('; ')}`);

      const baseline = blocks / baselineSeconds;
      return {
        rows: [
          row({
            figure: `catch-up ${BLOCKS.toLocaleString('en-US')} blocks, ${expected.toLocaleString('en-US')} transfers to ${MERCHANTS} merchants (built worker, from ready)`,
            value: blocks / afterReady,
            unit: 'blocks/s',
            baseline: 'raw viem getLogs, same range and addresses',
            baselineValue: baseline,
            goal: `>= ${SHARE_OF_BASELINE * 100}% of baseline`,
            meets: (r) => r.ratio >= SHARE_OF_BASELINE,
          }),
          row({
            figure: 'catch-up: process start to the last payment row',
            value: fromStart,
            unit: 's',
            baseline: 'raw getLogs over the range',
            baselineValue: baselineSeconds,
          }),
          row({
            figure: 'worker boot (process start to ready, dist/)',
            value: started.bootMs,
            unit: 'ms',
            baseline: 'goal',
            baselineValue: BOOT_CEILING_MS,
            goal: `<= ${BOOT_CEILING_MS.toLocaleString('en-US')} ms`,
            meets: (r) => r.value <= BOOT_CEILING_MS,
          }),
          row({
            figure: 'worker peak RSS during the catch-up (VmHWM, dist/)',
            value: peakRss / MB,
            unit: 'MB',
            baseline: 'worker RSS when ready',
            baselineValue: idleRss / MB,
            goal: `<= ${WORKER_RSS_CEILING_MB} MB`,
            meets: (r) => r.value <= WORKER_RSS_CEILING_MB,
          }),
        ],
        details: {
          blocks: { first: produced.firstBlock.toString(), last: produced.lastBlock.toString() },
          transfers: { produced: produced.count, toMerchants: expected },
          produceSeconds: produced.seconds,
          baselinePassesSeconds: passes,
          worker: { chunks, bootMs: started.bootMs, afterReadySeconds: afterReady, fromStartSeconds: fromStart, idleRssBytes: idleRss, peakRssBytes: peakRss },
        },
      };
    } finally {
      await worker?.stop();
      for (const m of merchants) await m.release();
      await anvil?.stop();
    }
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
