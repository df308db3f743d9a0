import { createPublicClient, http, type Address } from 'viem';
import { createChainClient, type ChainClients } from '../../src/chain/chain.clients';
import { ChainReader, TRANSFER_EVENT } from '../../src/chain/chain.reader';
import { Db } from '../../src/database/db.service';
import { ANVIL_CHAIN_ID } from '../../src/devnet/anvil-process';
import { benchChain, envSource, mineEmpty, produceTransfers, receivingMerchant, startBenchAnvil, type BenchAnvil, type ReceivingMerchant } from '../harness/chain-fixture';
import { ReconcilerProcess } from '../harness/reconciler-process';
import { MB } from '../harness/rss-sampler';
import { row, type Scenario } from '../harness/scenario';

const BLOCKS = 2_000;
const TRANSFERS_PER_BLOCK = 5;
const CHUNK = 1_000n; // the reconciler's RANGE_CHUNK, so both sides make the same getLogs calls
const BASELINE_PASSES = 3;
// DESIGN §8 goals.
const SHARE_OF_BASELINE = 0.5;
const WORKER_RSS_CEILING_MB = 300;

// DESIGN §8 "chain catch-up blocks/s over 2,000 blocks with 10,000 transfers" and the worker memory row. The
// reconciler runs in a child process built from WorkerModule alone (context created, not init()ed, so no BullMQ
// processor or scheduler ticks behind the bench's back), which makes its RSS the worker's and nothing else's.
export const scenario: Scenario = {
  name: 'chain-catchup',
  description: `reconciler catch-up over ${BLOCKS.toLocaleString('en-US')} blocks with ${(BLOCKS * TRANSFERS_PER_BLOCK).toLocaleString('en-US')} ERC-20 transfers (unmatched: no invoices) vs raw getLogs`,
  async run(ctx) {
    const api = await ctx.api();
    let anvil: BenchAnvil | null = null;
    let merchant: ReceivingMerchant | null = null;
    let child: ReconcilerProcess | null = null;
    try {
      anvil = await startBenchAnvil();
      merchant = await receivingMerchant(api, 'Bench Catch-up Merchant');
      const produced = await produceTransfers(anvil, { to: merchant.address, blocks: BLOCKS, perBlock: TRANSFERS_PER_BLOCK });
      ctx.log(`  produced ${produced.count} transfers in blocks ${produced.firstBlock}-${produced.lastBlock} in ${produced.seconds.toFixed(1)} s`);
      // Two empty blocks on top bring `finalized` (latest − 2 with 1-slot epochs) to the last transfer block, so the
      // whole range is caught up over ranges and only the two empty blocks are followed one by one.
      await mineEmpty(anvil.url, 2);
      const client = createPublicClient({ transport: http(anvil.url, { retryCount: 0 }), cacheTime: 0 });
      const head = await client.getBlockNumber();
      const finalized = (await client.getBlock({ blockTag: 'finalized' })).number;
      if (finalized < produced.lastBlock) throw new Error(`finalized block ${finalized} is below the last transfer block ${produced.lastBlock}`);

      // Baseline: the same getLogs calls the reconciler makes (token + indexed `to`, decoded by viem), nothing else.
      const getLogsPass = async () => {
        const t0 = performance.now();
        let logs = 0;
        for (let from = produced.firstBlock; from <= produced.lastBlock; from += CHUNK) {
          const to = from + CHUNK - 1n > produced.lastBlock ? produced.lastBlock : from + CHUNK - 1n;
          logs += (await client.getLogs({ fromBlock: from, toBlock: to, address: anvil!.token, event: TRANSFER_EVENT, args: { to: merchant!.address } })).length;
        }
        if (logs !== produced.count) throw new Error(`getLogs returned ${logs} logs, expected ${produced.count}`);
        return (performance.now() - t0) / 1000;
      };
      await getLogsPass(); // warm-up (discarded)
      const passes: number[] = [];
      for (let i = 0; i < BASELINE_PASSES; i++) passes.push(await getLogsPass());
      const baselineSeconds = median(passes);
      const baselineBlocks = Number(produced.lastBlock - produced.firstBlock + 1n);
      ctx.log(`  raw getLogs: ${passes.map((s) => `${(s * 1000).toFixed(0)} ms`).join(', ')}`);

      // The reconciler's RPC reads alone (same ChainReader calls and transport as catchUp, no database): splits
      // our time into chain reads and everything after them.
      const chain = benchChain(anvil.url, { startBlock: Number(produced.firstBlock) });
      const reads = await readsOnly(new ChainReader({ get: () => createChainClient(chain) } as unknown as ChainClients), produced.firstBlock, produced.lastBlock, anvil.token, merchant.address);
      if (reads.transfers !== produced.count) throw new Error(`ChainReader found ${reads.transfers} transfers, expected ${produced.count}`);
      ctx.log(`  ChainReader range reads: ${(reads.seconds * 1000).toFixed(0)} ms`);

      // Ours: a fresh cursor just below the first transfer block (startBlock), ticked until it reaches the head.
      child = new ReconcilerProcess();
      const ready = await child.request({ type: 'boot', env: envSource(api.env, [chain]) }, 'ready');
      ctx.log(`  worker context up in ${ready.bootMs} ms, idle RSS ${(ready.idleRssBytes / MB).toFixed(0)} MB`);
      const caught = await child.request({ type: 'catchUp', chainId: ANVIL_CHAIN_ID, target: head.toString(), maxTicks: 20 }, 'caughtUp');
      const oursSeconds = caught.elapsedMs / 1000;
      const oursBlocks = Number(head - (produced.firstBlock - 1n));
      ctx.log(`  reconciler: ${caught.ticks.length} tick(s), ${caught.ticks.map((t) => `${t.ms.toFixed(0)} ms (${t.caughtUp} by range, ${t.processed} one by one)`).join('; ')}`);

      // A figure measured on wrong results is worthless: every transfer exactly once, with its amount, final.
      const [check] = (await api.app.get(Db).dataSource.query(
        `SELECT count(*)::int AS rows, count(DISTINCT (tx_hash, log_index))::int AS distinct_transfers, coalesce(sum(amount), 0)::text AS total,
                count(*) FILTER (WHERE state = 'final')::int AS final, min(block_number)::text AS first, max(block_number)::text AS last
           FROM payment WHERE merchant_id = $1 AND chain_id = $2`,
        [merchant.merchantId, ANVIL_CHAIN_ID],
      )) as { rows: number; distinct_transfers: number; total: string; final: number; first: string; last: string }[];
      const wrong: string[] = [];
      if (check.rows !== produced.count) wrong.push(`${check.rows} payment rows`);
      if (check.distinct_transfers !== produced.count) wrong.push(`${check.distinct_transfers} distinct transfers`);
      if (BigInt(check.total) !== produced.total) wrong.push(`total ${check.total} instead of ${produced.total}`);
      if (check.final !== produced.count) wrong.push(`${check.final} final`);
      if (BigInt(check.first) !== produced.firstBlock || BigInt(check.last) !== produced.lastBlock) wrong.push(`blocks ${check.first}-${check.last}`);
      if (wrong.length) throw new Error(`catch-up results are wrong (expected ${produced.count} final payments): ${wrong.join(', ')}`);

      const ours = oursBlocks / oursSeconds;
      const baseline = baselineBlocks / baselineSeconds;
      return {
        rows: [
          row({
            figure: `catch-up ${BLOCKS.toLocaleString('en-US')} blocks, ${produced.count.toLocaleString('en-US')} transfers (reconciler ticks)`,
            value: ours,
            unit: 'blocks/s',
            baseline: 'raw viem getLogs, same range and filter',
            baselineValue: baseline,
            goal: `>= ${SHARE_OF_BASELINE * 100}% of baseline`,
            meets: (r) => r.ratio >= SHARE_OF_BASELINE,
          }),
          row({
            figure: 'catch-up transfers recorded (payment rows, all checked)',
            value: produced.count / oursSeconds,
            unit: 'transfers/s',
            baseline: 'raw getLogs logs decoded',
            baselineValue: produced.count / baselineSeconds,
          }),
          row({
            figure: 'catch-up RPC reads alone (ChainReader, no DB)',
            value: baselineBlocks / reads.seconds,
            unit: 'blocks/s',
            baseline: 'raw viem getLogs, same range and filter',
            baselineValue: baseline,
          }),
          row({
            // The child runs from source, so both figures include the swc loader (~35 MB idle over a compiled build).
            figure: `worker peak RSS during the catch-up (${caught.peakSource}, swc loader incl.)`,
            value: caught.peakRssBytes / MB,
            unit: 'MB',
            baseline: 'worker idle RSS after boot',
            baselineValue: ready.idleRssBytes / MB,
            goal: `<= ${WORKER_RSS_CEILING_MB} MB`,
            meets: (r) => r.value <= WORKER_RSS_CEILING_MB,
          }),
        ],
        details: {
          blocks: { first: produced.firstBlock.toString(), last: produced.lastBlock.toString(), head: head.toString(), finalized: finalized.toString() },
          transfers: produced.count,
          produceSeconds: produced.seconds,
          baselinePassesSeconds: passes,
          readsOnlySeconds: reads.seconds,
          reconciler: { seconds: oursSeconds, blocks: oursBlocks, ticks: caught.ticks, bootMs: ready.bootMs },
          rss: { idleBytes: ready.idleRssBytes, peakBytes: caught.peakRssBytes, source: caught.peakSource },
        },
      };
    } finally {
      await child?.stop();
      await merchant?.release();
      await anvil?.stop();
    }
  },
};

async function readsOnly(reader: ChainReader, first: bigint, last: bigint, token: Address, to: Address): Promise<{ seconds: number; transfers: number }> {
  const t0 = performance.now();
  let transfers = 0;
  for (let from = first; from <= last; from += CHUNK) {
    const end = from + CHUNK - 1n > last ? last : from + CHUNK - 1n;
    const [erc20, native] = await Promise.all([reader.rangeTransfers(ANVIL_CHAIN_ID, from, end, [token], [to]), reader.rangeNativeTransfers(ANVIL_CHAIN_ID, from, end, [to])]);
    transfers += erc20.length + native.transfers.length;
  }
  return { seconds: (performance.now() - t0) / 1000, transfers };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
