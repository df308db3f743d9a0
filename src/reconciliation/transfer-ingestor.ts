import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import type { BlockHeader, ChainTransfer } from '../chain/chain.reader';
import { assetId, type ChainConfig } from '../config/chains';
import { newId } from '../common/ids';
import { PaymentEntity } from '../payments/payment.entity';
import { paymentView } from '../payments/payment.presenter';
import { IngestionRepository, paymentKey, type AwaitingInvoice, type BoundWallet, type NewPayment, type PaymentMatch, type TagHolder, type WrittenPayment } from './ingestion.repository';
import { decideBinding, matchByAmountTag } from './payment-matcher';
import { ReconciliationRepository } from './reconciliation.repository';
import { SettlementService, SYSTEM_ACTOR } from './settlement.service';

export interface ChunkPlan {
  state: 'seen' | 'final';
  payments: PaymentEntity[];
  // Invoices this chunk pays, and whether any payment was placed by wallet binding (which depends
  // on what earlier payments already covered).
  invoices: Set<string>;
  binds: boolean;
  matchMs: number;
}

export interface WrittenChunk {
  written: WrittenPayment[];
  writeMs: number;
}

export interface IngestResult {
  written: number;
  matched: number;
  // Milliseconds per step, for the catch-up's debug log and the bench.
  timings: { matchMs: number; writeMs: number; settleMs: number };
}

// Writes a chunk of transfers (a range below finality, or one block at the head) inside the
// caller's transaction, set-based: one insert for all rows, one query per matching rule, one
// update for the matches, the audit and outbox rows in bulk, then each touched invoice once.
@Injectable()
export class TransferIngestor {
  constructor(
    private readonly rows: IngestionRepository,
    private readonly repo: ReconciliationRepository,
    private readonly settlement: SettlementService,
    private readonly changes: ChangeRecorder,
  ) {}

  // Plan, write and finish one chunk inside the caller's transaction.
  async ingest(chain: ChainConfig, transfers: ChainTransfer[], headers: Map<bigint, BlockHeader> | null, owners: Map<string, string>, state: 'seen' | 'final'): Promise<IngestResult> {
    const plan = await this.plan(chain, transfers, headers, owners, state);
    const written = await this.write(plan);
    return this.finish(plan, written);
  }

  // The chunk's payment rows, matched (rules 1 and 2 need only the transfers, the invoices and the
  // wallets, so matching runs first and each row is written once). Reads only: it may run outside
  // the transaction that writes the chunk. `owners` maps a lower-cased receiving address to the
  // merchant it belongs to (one each).
  async plan(chain: ChainConfig, transfers: ChainTransfer[], headers: Map<bigint, BlockHeader> | null, owners: Map<string, string>, state: 'seen' | 'final'): Promise<ChunkPlan> {
    const started = performance.now();
    const sorted = [...transfers].sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
    const payments: PaymentEntity[] = [];
    for (const t of sorted) {
      const merchantId = owners.get(t.to.toLowerCase());
      if (!merchantId) continue;
      const timestamp = t.blockTimestamp ?? headers?.get(t.blockNumber)?.timestamp;
      if (!timestamp) throw new Error(`no timestamp for block ${t.blockNumber} of chain ${chain.chainId}`);
      payments.push(newPayment(chain, merchantId, t, timestamp, state));
    }
    const matches = new Map((await this.match(chain.chainId, payments)).map((m) => [m.id, m]));
    for (const p of payments) Object.assign(p, matches.get(p.id));
    const invoices = new Set(payments.filter((p) => p.invoiceId).map((p) => p.invoiceId!));
    return { state, payments, invoices, binds: payments.some((p) => p.matchedBy === 'binding'), matchMs: Math.round(performance.now() - started) };
  }

  // One statement in the caller's transaction. One event per transfer, for the state a merchant can
  // act on: a transfer already final is confirmed (or unmatched), never detected and then confirmed
  // a moment later. Audit rows go with the transfers that touch a customer's account (matched); an
  // unmatched one is recorded by its payment row and its event.
  async write(plan: ChunkPlan): Promise<WrittenChunk> {
    const started = performance.now();
    const written = await this.rows.writeChunk(
      plan.payments.map((p) => ({
        ...toRow(p),
        match: { invoiceId: p.invoiceId, customerId: p.customerId, matchedBy: p.matchedBy as 'amount' | 'binding' | null, late: p.late, flags: p.flags, suggestedCustomerId: p.suggestedCustomerId },
        auditId: p.invoiceId ? newId('aud') : null,
        eventId: newId('evt'),
        eventType: !p.invoiceId ? 'payment.unmatched' : plan.state === 'final' ? 'payment.confirmed' : 'payment.detected',
      })),
      SYSTEM_ACTOR,
    );
    return { written, writeMs: Math.round(performance.now() - started) };
  }

  // Rows that revived get their event; every invoice the chunk touched is settled once.
  async finish(plan: ChunkPlan, chunk: WrittenChunk): Promise<IngestResult> {
    const started = performance.now();
    const byKey = new Map(plan.payments.map((p) => [paymentKey(p.merchantId, p.txHash, p.logIndex, p.blockHash), p]));
    const touched = new Set<string>();
    let matched = 0;
    for (const w of chunk.written) {
      if (w.inserted) {
        const p = byKey.get(w.key)!;
        if (p.invoiceId) {
          matched += 1;
          touched.add(p.invoiceId);
        }
        continue;
      }
      const payment = await this.repo.findPayment(w.id);
      const tenant = { merchantId: payment.merchantId, livemode: payment.livemode };
      await this.changes.record(tenant, SYSTEM_ACTOR, { action: 'payment.revive', eventType: 'payment.detected', targetType: 'payment', targetId: payment.id, customerId: payment.customerId, object: paymentView(payment), before: { state: 'orphaned' }, after: { state: payment.state } });
      if (payment.invoiceId) touched.add(payment.invoiceId);
    }
    for (const invoiceId of [...touched].sort()) await this.settlement.recompute(invoiceId);
    return { written: chunk.written.length, matched, timings: { matchMs: plan.matchMs, writeMs: chunk.writeMs, settleMs: Math.round(performance.now() - started) } };
  }

  // Rules 1 and 2 for the whole chunk, in chain order: the exact amount tag first, then a proved
  // sender wallet paying its customer's oldest invoice still awaiting payment.
  private async match(chainId: number, fresh: PaymentEntity[]): Promise<PaymentMatch[]> {
    if (!fresh.length) return [];
    const distinct = (values: string[]) => [...new Set(values)];
    const holders = groupBy(await this.rows.tagHolders(chainId, distinct(fresh.map((p) => p.toAddress))), (h: TagHolder) => tagKey(h.merchantId, h.token, h.payTo, h.amountDue));
    const wallets = new Map(
      (await this.rows.boundWallets(distinct(fresh.map((p) => p.merchantId)), distinct(fresh.map((p) => p.fromAddress.toLowerCase())))).map((w: BoundWallet) => [`${w.merchantId}|${w.address}`, w]),
    );
    const walletOf = (p: PaymentEntity) => wallets.get(`${p.merchantId}|${p.fromAddress.toLowerCase()}`) ?? null;

    const byTag = new Map(fresh.map((p) => [p.id, matchByAmountTag({ amount: p.amount, blockTimestamp: p.blockTimestamp }, holders.get(tagKey(p.merchantId, p.token, p.toAddress, p.amount)) ?? [])]));
    const binders = fresh.filter((p) => !byTag.get(p.id)!.matchedBy && walletOf(p));
    const customers = binders.map((p) => ({ merchantId: p.merchantId, customerId: walletOf(p)!.customerId }));
    const awaiting = groupBy(await this.rows.awaitingInvoices(chainId, customers), (i: AwaitingInvoice) => `${i.merchantId}|${i.customerId}`);

    return fresh.map((p): PaymentMatch => {
      const wallet = walletOf(p);
      const tag = byTag.get(p.id)!;
      if (tag.matchedBy) {
        // The tag wins; a sender bound to another customer is a signal for the merchant to review.
        const flags = wallet && wallet.customerId !== tag.invoice.customerId ? ['binding_conflict'] : [];
        if (tag.repeat) flags.push('repeat_payment');
        return { id: p.id, invoiceId: tag.invoice.id, customerId: tag.invoice.customerId, matchedBy: 'amount', late: tag.late, flags, suggestedCustomerId: null };
      }
      const binding = decideBinding(wallet, { blockNumber: p.blockNumber, livemode: p.livemode });
      if (binding.bind) {
        const invoice = allocate(awaiting.get(`${p.merchantId}|${binding.customerId}`) ?? [], p);
        if (invoice) return { id: p.id, invoiceId: invoice.id, customerId: invoice.customerId, matchedBy: 'binding', late: false, flags: [], suggestedCustomerId: null };
        return { id: p.id, invoiceId: null, customerId: null, matchedBy: null, late: false, flags: [], suggestedCustomerId: binding.customerId };
      }
      return { id: p.id, invoiceId: null, customerId: null, matchedBy: null, late: false, flags: [], suggestedCustomerId: binding.suggestedCustomerId };
    });
  }
}

// The oldest invoice on the transfer's token and address that still wants money (each transfer
// of the chunk takes its share), or the oldest of them when all are covered already.
function allocate(invoices: AwaitingInvoice[], p: PaymentEntity): AwaitingInvoice | null {
  const eligible = invoices.filter((i) => i.token === p.token && i.payTo === p.toAddress);
  const invoice = eligible.find((i) => i.remaining > 0n) ?? eligible[0] ?? null;
  if (invoice) invoice.remaining -= p.amount;
  return invoice;
}

function newPayment(chain: ChainConfig, merchantId: string, t: ChainTransfer, timestamp: Date, state: 'seen' | 'final'): PaymentEntity {
  return Object.assign(new PaymentEntity(), {
    id: newId('pay'),
    merchantId,
    livemode: !chain.testnet,
    chainId: chain.chainId,
    txHash: t.txHash,
    logIndex: t.logIndex,
    blockHash: t.blockHash,
    blockNumber: t.blockNumber,
    blockTimestamp: timestamp,
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
}

function toRow(p: PaymentEntity): NewPayment {
  return {
    id: p.id,
    merchantId: p.merchantId,
    livemode: p.livemode,
    chainId: p.chainId,
    txHash: p.txHash,
    logIndex: p.logIndex,
    blockHash: p.blockHash,
    blockNumber: p.blockNumber,
    blockTimestamp: p.blockTimestamp,
    assetId: p.assetId!,
    token: p.token,
    fromAddress: p.fromAddress,
    toAddress: p.toAddress,
    amount: p.amount,
    kind: p.kind as 'erc20' | 'native',
    state: p.state,
  };
}

function tagKey(merchantId: string, token: string, payTo: string, amount: bigint): string {
  return `${merchantId}|${token}|${payTo}|${amount}`;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
