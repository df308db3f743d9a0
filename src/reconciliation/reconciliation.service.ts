import { Injectable, Logger } from '@nestjs/common';
import { ChainReader, type BlockHeader, type ChainTransfer } from '../chain/chain.reader';
import type { ChainConfig } from '../config/chains';
import { AppConfig } from '../config/app-config';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { Db } from '../database/db.service';
import { PaymentEntity } from '../payments/payment.entity';
import { paymentView } from '../payments/payment.presenter';
import { ReconciliationRepository, type StateChange } from './reconciliation.repository';
import { SettlementService, SYSTEM_ACTOR } from './settlement.service';
import { TransferIngestor } from './transfer-ingestor';

export const MAX_BLOCKS_PER_TICK = 50;
// Range reads start small (the first write starts early; later reads run behind writes) and
// double after each accepted call, up to the cap.
const INITIAL_RANGE = 250n;
const MAX_RANGE = 10_000n;
const KEEP_BELOW_FINALIZED = 64n;
const FINALIZED_REFRESH_BLOCKS = 4n;

// What one chain's scan looks for: receiving addresses (and their owners), tokens, native coin.
export interface ScanScope {
  owners: Map<string, string>;
  recipients: string[];
  tokens: string[];
  native: boolean;
}

export interface ChunkProgress {
  from: bigint;
  to: bigint;
  // The last block this catch-up goes to.
  target: bigint;
  transfers: number;
  matched: number;
}

interface FetchedRange {
  start: bigint;
  end: bigint;
  size: bigint;
  transfers: ChainTransfer[];
  headers: Map<bigint, BlockHeader>;
  tip: BlockHeader;
}

// A read started ahead of time: if the write before it fails, its own failure must not surface
// as an unhandled rejection (it is awaited, and rethrown, only when its turn comes).
function ahead<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

export class FatalReorgError extends Error {}

// An operator's catch-up that cannot start as asked (the message says why and what to do).
export class ScanRefused extends Error {}

export interface CatchUpReport {
  chainId: number;
  from: bigint;
  to: bigint;
  finalized: bigint;
  transfers: number;
  matched: number;
}

export interface TickResult {
  chainId: number;
  skipped?: 'locked' | 'halted';
  processed: number;
  caughtUp: number;
  reorgs: number;
  head: bigint;
  cursor: bigint;
}

// One tick of one chain: follow the head block by block with parent-hash checks, catch up over
// ranges below finality, match transfers, promote confirmations, and settle what changed.
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger('Reconciliation');
  // The range size each chain's provider last accepted, kept across ticks.
  private readonly chunkSize = new Map<number, bigint>();
  private readonly finalizedCache = new Map<number, { header: BlockHeader; readAt: bigint }>();

  constructor(
    private readonly db: Db,
    private readonly reader: ChainReader,
    private readonly repo: ReconciliationRepository,
    private readonly ingestor: TransferIngestor,
    private readonly settlement: SettlementService,
    private readonly changes: ChangeRecorder,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async tick(chainId: number): Promise<TickResult> {
    const chain = this.config.chain(chainId);
    if (!chain) throw new Error(`chain ${chainId} is not configured`);
    const result = await this.withScanLock(chainId, async () => {
      try {
        return await this.run(chain);
      } catch (err) {
        // Counted in PostgreSQL: workers serve no /metrics; the API reports these (src/infra/state.metrics.ts).
        await this.repo.countTickError(chainId).catch(() => undefined);
        throw err;
      }
    });
    return result ?? { chainId, skipped: 'locked', processed: 0, caughtUp: 0, reorgs: 0, head: 0n, cursor: 0n };
  }

  // An operator's catch-up in the foreground (`billfold chains catch-up`): the same range engine as
  // a tick, up to `to` (at most the finalized block), holding the same lock so no worker scans the
  // chain meanwhile. `from` only applies to a chain never scanned; a rescan is `chains resume`.
  async catchUpNow(chainId: number, options: { from?: bigint; to?: bigint }, onChunk?: (progress: ChunkProgress) => void): Promise<CatchUpReport> {
    const chain = this.config.chain(chainId);
    if (!chain) throw new ScanRefused(`chain ${chainId} is not configured`);
    const report = await this.withScanLock(chainId, async () => {
      const existing = await this.repo.cursor(chainId);
      if (existing?.haltedAt) throw new ScanRefused(`chain ${chainId} is halted (${existing.haltReason}): resume it first with \`billfold chains resume\``);
      const head = await this.reader.head(chainId);
      const finalized = await this.reader.finalized(chainId, chain.finality, head);
      let from: BlockHeader;
      if (existing) {
        if (options.from !== undefined && options.from !== BigInt(existing.headNumber) + 1n) {
          throw new ScanRefused(`chain ${chainId} is already scanned through block ${existing.headNumber}; catch-up continues from ${BigInt(existing.headNumber) + 1n} (to rescan earlier blocks use \`billfold chains resume\`)`);
        }
        from = { number: BigInt(existing.headNumber), hash: existing.headHash as `0x${string}`, parentHash: existing.headHash as `0x${string}`, timestamp: existing.headTimestamp ?? new Date(0) };
      } else {
        const start = options.from ?? (chain.startBlock === 'latest' ? finalized.number : BigInt(chain.startBlock));
        from = await this.reader.header(chainId, start > 0n ? start - 1n : 0n);
        await this.db.transaction(async () => {
          await this.repo.insertBlock(chainId, from);
          await this.repo.saveCursor(chainId, from, null);
        });
      }
      const wanted = options.to !== undefined && options.to < finalized.number ? options.to : finalized.number;
      const target = wanted > from.number ? await this.reader.header(chainId, wanted) : from;
      let transfers = 0;
      let matched = 0;
      const reached = await this.catchUp(chain, from, target, await this.scope(chain), (p) => {
        transfers += p.transfers;
        matched += p.matched;
        onChunk?.(p);
      });
      return { chainId, from: from.number + 1n, to: reached.number, finalized: finalized.number, transfers, matched };
    });
    if (!report) throw new ScanRefused(`chain ${chainId} is being scanned by a worker right now; stop the workers or let them catch up`);
    return report;
  }

  // One scanner per chain across every worker: a session advisory lock on a dedicated connection.
  // Null when someone else holds it.
  private async withScanLock<T>(chainId: number, work: () => Promise<T>): Promise<T | null> {
    const runner = this.db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [`ingest:${chainId}`]);
      if (!locked) return null;
      try {
        return await work();
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`ingest:${chainId}`]);
      }
    } finally {
      await runner.release();
    }
  }

  // The finalized block moves once per epoch, not per block: at the head it is read again once the
  // head has moved FINALIZED_REFRESH_BLOCKS past the last read (an older finalized block is a safe,
  // lower bound: promotions to `final` wait a block or two longer, reorg checks look deeper). Far
  // behind, it is read at once.
  private async finalizedFor(chain: ChainConfig, head: BlockHeader, cursor: bigint | null): Promise<BlockHeader> {
    const cached = this.finalizedCache.get(chain.chainId);
    const behind = cursor === null || head.number - cursor > BigInt(MAX_BLOCKS_PER_TICK);
    if (cached && !behind && head.number >= cached.readAt && head.number - cached.readAt < FINALIZED_REFRESH_BLOCKS) return cached.header;
    const header = await this.reader.finalized(chain.chainId, chain.finality, head);
    this.finalizedCache.set(chain.chainId, { header, readAt: head.number });
    return header;
  }

  async scope(chain: ChainConfig): Promise<ScanScope> {
    const addresses = await this.repo.receivingAddresses(chain.chainId);
    return {
      owners: new Map(addresses.map((a) => [a.address.toLowerCase(), a.merchantId])),
      recipients: [...new Set(addresses.map((a) => a.address))],
      tokens: chain.assets.filter((a) => a.token !== 'native').map((a) => a.token),
      native: chain.assets.some((a) => a.token === 'native'),
    };
  }

  private async run(chain: ChainConfig): Promise<TickResult> {
    const chainId = chain.chainId;
    const result: TickResult = { chainId, processed: 0, caughtUp: 0, reorgs: 0, head: 0n, cursor: 0n };
    const existing = await this.repo.cursor(chainId);
    if (existing?.haltedAt) return { ...result, skipped: 'halted' };
    const scope = await this.scope(chain);

    const head = await this.reader.head(chainId);
    const finalized = await this.finalizedFor(chain, head, existing ? BigInt(existing.headNumber) : null);
    result.head = head.number;
    let local: BlockHeader;
    if (!existing) {
      // The cursor is the last processed block: it starts one below the first block to scan.
      const start = chain.startBlock === 'latest' ? head.number : BigInt(Math.min(chain.startBlock, Number(head.number)));
      local = await this.reader.header(chainId, start > 0n ? start - 1n : 0n);
      await this.db.transaction(async () => {
        await this.repo.insertBlock(chainId, local);
        await this.repo.saveCursor(chainId, local, null);
      });
    } else {
      local = { number: BigInt(existing.headNumber), hash: existing.headHash as `0x${string}`, parentHash: existing.headHash as `0x${string}`, timestamp: existing.headTimestamp ?? new Date(0) };
    }

    // Far behind: ranges up to the finalized block, where nothing can be reorganised any more.
    if (head.number - local.number > BigInt(MAX_BLOCKS_PER_TICK) && local.number < finalized.number) {
      const caught = await this.catchUp(chain, local, finalized, scope);
      result.caughtUp = Number(caught.number - local.number);
      local = caught;
    }

    while (local.number < head.number && result.processed < MAX_BLOCKS_PER_TICK) {
      // The head block's header is already here: at the tip a block costs one more call (its logs).
      const known = local.number + 1n === head.number ? head : undefined;
      const { header, transfers } = await this.reader.blockWithTransfers(chainId, local.number + 1n, scope.tokens, scope.recipients, scope.native, known);
      if (header.parentHash !== local.hash) {
        local = await this.reorg(chain, local.number, existing?.finalizedNumber ? BigInt(existing.finalizedNumber) : finalized.number);
        result.reorgs += 1;
        continue;
      }
      await this.db.transaction(async () => {
        await this.ingestBlock(chain, header, transfers, scope);
        await this.repo.saveCursor(chainId, header, null);
      });
      local = header;
      result.processed += 1;
    }
    // Same height, different block: the tip itself was replaced.
    if (local.number === head.number && local.hash !== head.hash) {
      local = await this.reorg(chain, local.number, finalized.number);
      result.reorgs += 1;
    }

    await this.db.transaction(async () => {
      const promoted = [...(await this.repo.promoteFinal(chainId, finalized.number)), ...(await this.repo.promoteConfirmed(chainId, head.number, chain.confirmations))];
      await this.afterStateChanges(promoted);
      for (const invoiceId of await this.repo.fullyCreditedOpen(chainId)) await this.settlement.recompute(invoiceId);
      await this.repo.saveCursor(chainId, local, finalized);
      await this.repo.saveLatestHead(chainId, head.number);
      await this.repo.pruneBlocks(chainId, finalized.number - KEEP_BELOW_FINALIZED);
    });
    result.cursor = local.number;
    return result;
  }

  // Below finality nothing can be reorganised: ranges of blocks are read with as few calls as the
  // provider allows and written one chunk per transaction, the chunk and the cursor together.
  // Three things overlap, each bounded to one ahead so memory stays flat: the next range's reads,
  // and two chunks' transactions on two connections (two PostgreSQL backends), the later one
  // writing its rows while the earlier one finishes, then settling and committing only after it,
  // so the cursor only moves forward. A chunk that pays an invoice the previous chunk pays, or
  // places a payment by wallet binding (which depends on what earlier payments covered), first
  // waits for the previous commit and is matched again on what it committed.
  async catchUp(chain: ChainConfig, from: BlockHeader, target: BlockHeader, scope: ScanScope, onChunk?: (progress: ChunkProgress) => void): Promise<BlockHeader> {
    const chainId = chain.chainId;
    let last = from;
    let size = this.chunkSize.get(chainId) ?? INITIAL_RANGE;
    const fetch = (start: bigint) => ahead(this.fetchRange(chain, start, target.number, size, scope));
    let pending = from.number < target.number ? fetch(from.number + 1n) : null;
    let previous: { committed: Promise<void>; invoices: Set<string> } | null = null;
    while (pending) {
      const waited = performance.now();
      const chunk = await pending;
      const started = performance.now();
      size = chunk.size;
      this.chunkSize.set(chainId, size);
      pending = chunk.end < target.number ? fetch(chunk.end + 1n) : null;
      let plan = await this.ingestor.plan(chain, chunk.transfers, chunk.headers, scope.owners, 'final');
      const before = previous?.committed ?? Promise.resolve();
      if (previous && (plan.binds || [...plan.invoices].some((id) => previous!.invoices.has(id)))) {
        await before;
        plan = await this.ingestor.plan(chain, chunk.transfers, chunk.headers, scope.owners, 'final');
      }
      const committed = ahead(
        this.db
          .transaction(async (em) => {
            // Only the earlier chunk can hold a lock this one waits for; never wait forever on it.
            await em.query(`SET LOCAL lock_timeout = '30s'`);
            const written = await this.ingestor.write(plan);
            await before;
            const result = await this.ingestor.finish(plan, written);
            await this.repo.insertBlock(chainId, chunk.tip);
            await this.repo.saveCursor(chainId, chunk.tip, null);
            return result;
          })
          .then((result) => {
            // Where a catch-up spends its time: waiting for reads (not hidden behind writes) or writing.
            this.logger.debug({ chain: chainId, from: chunk.start.toString(), to: chunk.end.toString(), transfers: result.written, waitMs: Math.round(started - waited), chunkMs: Math.round(performance.now() - started), ...result.timings }, 'chunk written');
            onChunk?.({ from: chunk.start, to: chunk.end, target: target.number, transfers: result.written, matched: result.matched });
          }),
      );
      previous = { committed, invoices: plan.invoices };
      last = chunk.tip;
      // At most two transactions at a time: the one before this chunk's must be done.
      await before;
    }
    await previous?.committed;
    return last;
  }

  // One range: ERC-20 logs in one getLogs call (halved until the provider accepts it, grown again
  // after each success), headers only for blocks whose logs carry no timestamp, and the blocks'
  // transactions only when the chain has a native asset.
  private async fetchRange(chain: ChainConfig, start: bigint, last: bigint, size: bigint, scope: ScanScope): Promise<FetchedRange> {
    const chainId = chain.chainId;
    for (;;) {
      const end = start + size - 1n > last ? last : start + size - 1n;
      try {
        const [erc20, native] = await Promise.all([
          this.reader.rangeTransfers(chainId, start, end, scope.tokens, scope.recipients),
          scope.native ? this.reader.rangeNativeTransfers(chainId, start, end, scope.recipients) : Promise.resolve(null),
        ]);
        const headers = native?.headers ?? new Map<bigint, BlockHeader>();
        const missing = [...new Set([...erc20.filter((t) => !t.blockTimestamp).map((t) => t.blockNumber), end])].filter((n) => !headers.has(n));
        for (const [n, h] of await this.reader.headers(chainId, missing)) headers.set(n, h);
        const grown = size * 2n > MAX_RANGE ? MAX_RANGE : size * 2n;
        return { start, end, size: end - start + 1n === size ? grown : size, transfers: [...erc20, ...(native?.transfers ?? [])], headers, tip: headers.get(end)! };
      } catch (err) {
        // Providers cap ranges (and result sizes) differently: halve and try again.
        if (size === 1n) throw err;
        size = size / 2n;
      }
    }
  }

  private async ingestBlock(chain: ChainConfig, header: BlockHeader, transfers: ChainTransfer[], scope: ScanScope): Promise<void> {
    await this.repo.insertBlock(chain.chainId, header);
    await this.ingestor.ingest(chain, transfers, new Map([[header.number, header]]), scope.owners, 'seen');
  }

  // Operator action after a halt: rescan from a block the operator knows to be canonical now.
  async resume(chainId: number, fromBlock: bigint): Promise<BlockHeader> {
    if (!this.config.chain(chainId)) throw new Error(`chain ${chainId} is not configured`);
    // The cursor is the last processed block, so it goes one below the first block to rescan.
    const header = await this.reader.header(chainId, fromBlock > 0n ? fromBlock - 1n : 0n);
    await this.db.transaction(async () => {
      const orphaned = await this.repo.orphanAbove(chainId, header.number);
      await this.afterStateChanges(orphaned);
      await this.repo.insertBlock(chainId, header);
      await this.repo.saveCursor(chainId, header, null);
      await this.repo.resume(chainId);
    });
    this.logger.warn({ chain: chainId, from: fromBlock.toString() }, 'chain resumed by an operator');
    return header;
  }

  // Walk back to the common ancestor, orphan everything above it and re-settle what it touched.
  private async reorg(chain: ChainConfig, from: bigint, finalizedNumber: bigint): Promise<BlockHeader> {
    const chainId = chain.chainId;
    let n = from;
    for (;;) {
      const stored = await this.repo.canonicalBlock(chainId, n);
      if (!stored || n < finalizedNumber) {
        const reason = `reorg below finalized block ${finalizedNumber} (diverged at or below ${n})`;
        await this.db.transaction(() => this.repo.halt(chainId, reason, this.clock.now()));
        this.logger.error({ chain: chainId, block: n.toString() }, `chain halted: ${reason}`);
        throw new FatalReorgError(reason);
      }
      const remote = await this.reader.header(chainId, n);
      if (remote.hash === stored.hash) {
        const ancestor: BlockHeader = { number: stored.number, hash: stored.hash as `0x${string}`, parentHash: stored.parentHash as `0x${string}`, timestamp: stored.timestamp };
        await this.db.transaction(async () => {
          const orphaned = await this.repo.orphanAbove(chainId, ancestor.number);
          await this.afterStateChanges(orphaned);
          await this.repo.saveCursor(chainId, ancestor, null);
        });
        await this.repo.countReorg(chainId);
        this.logger.warn({ chain: chainId, ancestor: ancestor.number.toString(), depth: (from - ancestor.number).toString() }, 'reorg handled');
        return ancestor;
      }
      n -= 1n;
    }
  }

  private async afterStateChanges(changes: StateChange[]): Promise<void> {
    const invoices = new Set<string>();
    for (const change of changes) {
      const payment = await this.db.repo(PaymentEntity).findOneByOrFail({ id: change.id });
      const tenant = { merchantId: payment.merchantId, livemode: payment.livemode };
      const view = paymentView(payment);
      if (change.new === 'orphaned') {
        await this.changes.record(tenant, SYSTEM_ACTOR, { action: 'payment.reverse', eventType: 'payment.reversed', targetType: 'payment', targetId: payment.id, customerId: payment.customerId, object: view, before: { state: change.old }, after: { state: 'orphaned' } });
      } else if (change.old === 'seen') {
        await this.changes.record(tenant, SYSTEM_ACTOR, { action: 'payment.confirm', eventType: 'payment.confirmed', targetType: 'payment', targetId: payment.id, customerId: payment.customerId, object: view, before: { state: change.old }, after: { state: change.new } });
      }
      if (change.invoiceId) invoices.add(change.invoiceId);
    }
    for (const invoiceId of invoices) await this.settlement.recompute(invoiceId);
  }
}
