import { Injectable, Logger } from '@nestjs/common';
import { ChainReader, type BlockHeader, type ChainTransfer } from '../chain/chain.reader';
import { assetId, type ChainConfig } from '../config/chains';
import { AppConfig } from '../config/app-config';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { Db } from '../database/db.service';
import { PaymentEntity } from '../payments/payment.entity';
import { paymentView } from '../payments/payment.presenter';
import { decideBinding, matchByAmountTag } from './payment-matcher';
import { ReconciliationRepository, type ReceivingAddress, type StateChange } from './reconciliation.repository';
import { SettlementService, SYSTEM_ACTOR } from './settlement.service';

export const MAX_BLOCKS_PER_TICK = 50;
const RANGE_CHUNK = 1_000n;
const KEEP_BELOW_FINALIZED = 64n;

export class FatalReorgError extends Error {}

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

  constructor(
    private readonly db: Db,
    private readonly reader: ChainReader,
    private readonly repo: ReconciliationRepository,
    private readonly settlement: SettlementService,
    private readonly changes: ChangeRecorder,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async tick(chainId: number): Promise<TickResult> {
    const chain = this.config.chain(chainId);
    if (!chain) throw new Error(`chain ${chainId} is not configured`);
    // One scanner per chain across every worker: a session advisory lock on a dedicated connection.
    const runner = this.db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [`ingest:${chainId}`]);
      if (!locked) return { chainId, skipped: 'locked', processed: 0, caughtUp: 0, reorgs: 0, head: 0n, cursor: 0n };
      try {
        return await this.run(chain);
      } catch (err) {
        // Counted in PostgreSQL: workers serve no /metrics; the API reports these (src/infra/state.metrics.ts).
        await this.repo.countTickError(chainId).catch(() => undefined);
        throw err;
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`ingest:${chainId}`]);
      }
    } finally {
      await runner.release();
    }
  }

  private async run(chain: ChainConfig): Promise<TickResult> {
    const chainId = chain.chainId;
    const result: TickResult = { chainId, processed: 0, caughtUp: 0, reorgs: 0, head: 0n, cursor: 0n };
    const existing = await this.repo.cursor(chainId);
    if (existing?.haltedAt) return { ...result, skipped: 'halted' };
    const addresses = await this.repo.receivingAddresses(chainId);
    const recipients = [...new Set(addresses.map((a) => a.address))];
    const tokens = chain.assets.filter((a) => a.token !== 'native').map((a) => a.token);

    const head = await this.reader.head(chainId);
    const finalized = await this.reader.finalized(chainId, chain.finality, head);
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
      const caught = await this.catchUp(chain, local, finalized, tokens, recipients, addresses);
      result.caughtUp = Number(caught.number - local.number);
      local = caught;
    }

    while (local.number < head.number && result.processed < MAX_BLOCKS_PER_TICK) {
      const { header, transfers } = await this.reader.blockWithTransfers(chainId, local.number + 1n, tokens, recipients);
      if (header.parentHash !== local.hash) {
        local = await this.reorg(chain, local.number, existing?.finalizedNumber ? BigInt(existing.finalizedNumber) : finalized.number);
        result.reorgs += 1;
        continue;
      }
      await this.db.transaction(async () => {
        await this.ingestBlock(chain, header, transfers, addresses);
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

  private async catchUp(chain: ChainConfig, from: BlockHeader, finalized: BlockHeader, tokens: string[], recipients: string[], addresses: ReceivingAddress[]): Promise<BlockHeader> {
    let start = from.number + 1n;
    let last = from;
    while (start <= finalized.number) {
      let end = start + RANGE_CHUNK - 1n > finalized.number ? finalized.number : start + RANGE_CHUNK - 1n;
      let fetched: { transfers: ChainTransfer[]; headers: Map<bigint, BlockHeader> } | null = null;
      // Providers cap ranges differently: halve until the call goes through.
      while (!fetched) {
        try {
          const [erc20, native] = await Promise.all([
            this.reader.rangeTransfers(chain.chainId, start, end, tokens, recipients),
            this.reader.rangeNativeTransfers(chain.chainId, start, end, recipients),
          ]);
          fetched = { transfers: [...erc20, ...native.transfers], headers: native.headers };
        } catch (err) {
          if (end === start) throw err;
          end = start + (end - start) / 2n;
        }
      }
      const headers = fetched.headers;
      const tip = headers.get(end)!;
      await this.db.transaction(async () => {
        for (const transfer of fetched.transfers) await this.ingestTransfer(chain, transfer, headers.get(transfer.blockNumber)!, addresses, 'final');
        await this.repo.insertBlock(chain.chainId, tip);
        await this.repo.saveCursor(chain.chainId, tip, null);
      });
      last = tip;
      start = end + 1n;
    }
    return last;
  }

  private async ingestBlock(chain: ChainConfig, header: BlockHeader, transfers: ChainTransfer[], addresses: ReceivingAddress[]): Promise<void> {
    await this.repo.insertBlock(chain.chainId, header);
    for (const transfer of transfers) await this.ingestTransfer(chain, transfer, header, addresses, 'seen');
  }

  private async ingestTransfer(chain: ChainConfig, t: ChainTransfer, header: BlockHeader, addresses: ReceivingAddress[], state: 'seen' | 'final'): Promise<void> {
    for (const owner of addresses.filter((a) => a.address.toLowerCase() === t.to.toLowerCase())) {
      const payment: PaymentEntity = Object.assign(new PaymentEntity(), {
        id: newId('pay'),
        merchantId: owner.merchantId,
        livemode: !chain.testnet,
        chainId: chain.chainId,
        txHash: t.txHash,
        logIndex: t.logIndex,
        blockHash: t.blockHash,
        blockNumber: t.blockNumber,
        blockTimestamp: header.timestamp,
        assetId: assetId(chain.chainId, t.token),
        token: t.token,
        fromAddress: t.from,
        toAddress: t.to,
        amount: t.amount,
        kind: t.kind,
        state,
        invoiceId: null,
        customerId: null,
        matchedBy: null,
        flags: [],
        late: false,
        suggestedCustomerId: null,
      });
      const written = await this.repo.insertPayment(payment);
      if (!written) continue;
      if (written.outcome === 'revived') {
        await this.revived(await this.repo.findPayment(written.id));
        continue;
      }
      const candidates = await this.repo.matchCandidates(owner.merchantId, chain.chainId, t.token, t.to, t.amount);
      const byTag = matchByAmountTag({ amount: t.amount, blockTimestamp: header.timestamp }, candidates);
      const wallet = await this.repo.activeWallet(owner.merchantId, t.from);
      let invoiceId: string | null = null;
      if (byTag.matchedBy) {
        // The tag wins; a sender bound to another customer is a signal for the merchant to review.
        const flags = wallet && wallet.customerId !== byTag.invoice.customerId ? ['binding_conflict'] : [];
        if (byTag.repeat) flags.push('repeat_payment');
        Object.assign(payment, { invoiceId: byTag.invoice.id, customerId: byTag.invoice.customerId, matchedBy: 'amount', late: byTag.late, flags });
        invoiceId = byTag.invoice.id;
      } else {
        const binding = decideBinding(wallet, { blockNumber: t.blockNumber, livemode: payment.livemode });
        const invoice = binding.bind ? await this.repo.oldestOpenInvoice(owner.merchantId, binding.customerId, chain.chainId, t.token, t.to) : null;
        if (invoice) {
          Object.assign(payment, { invoiceId: invoice.id, customerId: invoice.customerId, matchedBy: 'binding', late: false });
          invoiceId = invoice.id;
        } else {
          payment.suggestedCustomerId = binding.bind ? binding.customerId : binding.suggestedCustomerId;
        }
      }
      if (invoiceId || payment.suggestedCustomerId) await this.repo.setMatch(payment.id, payment);
      const tenant = { merchantId: owner.merchantId, livemode: payment.livemode };
      const view = paymentView(payment);
      await this.changes.record(tenant, SYSTEM_ACTOR, { action: 'payment.detect', eventType: 'payment.detected', targetType: 'payment', targetId: payment.id, customerId: payment.customerId, object: view, after: { state } });
      if (!invoiceId) {
        await this.changes.record(tenant, SYSTEM_ACTOR, { action: 'payment.unmatched', eventType: 'payment.unmatched', targetType: 'payment', targetId: payment.id, object: view });
      }
      if (invoiceId) await this.settlement.recompute(invoiceId);
      if (state === 'final') {
        await this.changes.record(tenant, SYSTEM_ACTOR, { action: 'payment.confirm', eventType: 'payment.confirmed', targetType: 'payment', targetId: payment.id, customerId: payment.customerId, object: view, after: { state } });
      }
    }
  }

  private async revived(payment: PaymentEntity): Promise<void> {
    const tenant = { merchantId: payment.merchantId, livemode: payment.livemode };
    await this.changes.record(tenant, SYSTEM_ACTOR, { action: 'payment.revive', eventType: 'payment.detected', targetType: 'payment', targetId: payment.id, customerId: payment.customerId, object: paymentView(payment), before: { state: 'orphaned' }, after: { state: payment.state } });
    if (payment.invoiceId) await this.settlement.recompute(payment.invoiceId);
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
