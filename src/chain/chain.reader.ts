import { Injectable } from '@nestjs/common';
import { decodeEventLog, getAddress, parseAbiItem, TransactionReceiptNotFoundError, type Block, type Hash, type PublicClient } from 'viem';
import { ChainClients } from './chain.clients';

export const TRANSFER_EVENT = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

export interface BlockHeader {
  number: bigint;
  hash: Hash;
  parentHash: Hash;
  timestamp: Date;
}

export interface ChainTransfer {
  txHash: Hash;
  logIndex: number; // -1 for a top-level native transfer
  blockHash: Hash;
  blockNumber: bigint;
  token: string; // 'native' or the checksummed ERC-20 address
  from: string;
  to: string;
  amount: bigint;
  kind: 'erc20' | 'native';
  // From the log itself when the node includes it (saves a header read per block).
  blockTimestamp?: Date;
}

// Typed chain reads. Every log is checked to belong to the block being processed, since two RPC
// providers behind a fallback can answer from different forks.
@Injectable()
export class ChainReader {
  constructor(private readonly clients: ChainClients) {}

  async head(chainId: number): Promise<BlockHeader> {
    return toHeader(await this.client(chainId).getBlock({ blockTag: 'latest' }));
  }

  async finalized(chainId: number, finality: 'finalized' | number, head: BlockHeader): Promise<BlockHeader> {
    if (finality === 'finalized') return toHeader(await this.client(chainId).getBlock({ blockTag: 'finalized' }));
    const number = head.number > BigInt(finality) ? head.number - BigInt(finality) : 0n;
    return this.header(chainId, number);
  }

  async header(chainId: number, number: bigint): Promise<BlockHeader> {
    return toHeader(await this.client(chainId).getBlock({ blockNumber: number }));
  }

  // One block at the head: its header, the ERC-20 transfers to the given recipients and, when the
  // chain has a native asset, top-level native transfers to them: 2 calls (plus a receipt per
  // native candidate). Logs are asked for by block hash, so a provider on another fork cannot
  // answer for a different block.
  async blockWithTransfers(chainId: number, number: bigint, tokens: string[], recipients: string[], native: boolean, known?: BlockHeader): Promise<{ header: BlockHeader; transfers: ChainTransfer[] }> {
    const client = this.client(chainId);
    const block = known && !native ? null : await client.getBlock({ blockNumber: number, includeTransactions: native });
    const header = block ? toHeader(block) : known!;
    const logs = tokens.length && recipients.length ? await client.getLogs({ blockHash: header.hash, address: tokens as `0x${string}`[], event: TRANSFER_EVENT, args: { to: recipients as `0x${string}`[] } }) : [];
    const transfers: ChainTransfer[] = [];
    for (const log of logs) {
      if (log.blockHash !== header.hash) throw new Error(`inconsistent RPC answer: log of ${log.blockHash} for block ${header.hash}`);
      transfers.push(erc20Transfer(log, header));
    }
    if (native && block) transfers.push(...(await this.nativeTransfers(client, block as Block<bigint, true>, header, recipients)));
    return { header, transfers };
  }

  // Headers of several blocks, batched by the transport.
  async headers(chainId: number, numbers: bigint[]): Promise<Map<bigint, BlockHeader>> {
    const client = this.client(chainId);
    const blocks = await Promise.all(numbers.map((n) => client.getBlock({ blockNumber: n })));
    return new Map(blocks.map((b) => { const h = toHeader(b); return [h.number, h] as const; }));
  }

  private async nativeTransfers(client: PublicClient, block: Block<bigint, true>, header: BlockHeader, recipients: string[]): Promise<ChainTransfer[]> {
    const wanted = new Set(recipients.map((r) => r.toLowerCase()));
    const candidates = block.transactions.filter((tx) => tx.to && wanted.has(tx.to.toLowerCase()) && tx.value > 0n);
    const receipts = await Promise.all(candidates.map((tx) => client.getTransactionReceipt({ hash: tx.hash })));
    return candidates
      .filter((_tx, i) => receipts[i].status === 'success' && receipts[i].blockHash === header.hash)
      .map((tx) => ({ txHash: tx.hash, logIndex: -1, blockHash: header.hash, blockNumber: header.number, token: 'native', from: getAddress(tx.from), to: getAddress(tx.to!), amount: tx.value, kind: 'native' as const, blockTimestamp: header.timestamp }));
  }

  // Catch-up below finality: ERC-20 transfers over a block range in one call (the caller halves on errors).
  async rangeTransfers(chainId: number, fromBlock: bigint, toBlock: bigint, tokens: string[], recipients: string[]): Promise<ChainTransfer[]> {
    if (!tokens.length || !recipients.length) return [];
    const logs = await this.client(chainId).getLogs({ fromBlock, toBlock, address: tokens as `0x${string}`[], event: TRANSFER_EVENT, args: { to: recipients as `0x${string}`[] } });
    return logs.map((log) => {
      const stamp = (log as { blockTimestamp?: bigint | null }).blockTimestamp;
      return { ...erc20Transfer(log, { number: log.blockNumber!, hash: log.blockHash! }), ...(stamp ? { blockTimestamp: new Date(Number(stamp) * 1000) } : {}) };
    });
  }

  // Native transfers in a range, block by block (batched by the transport).
  async rangeNativeTransfers(chainId: number, fromBlock: bigint, toBlock: bigint, recipients: string[]): Promise<{ transfers: ChainTransfer[]; headers: Map<bigint, BlockHeader> }> {
    const client = this.client(chainId);
    const wanted = new Set(recipients.map((r) => r.toLowerCase()));
    const numbers: bigint[] = [];
    for (let n = fromBlock; n <= toBlock; n++) numbers.push(n);
    const blocks = await Promise.all(numbers.map((n) => client.getBlock({ blockNumber: n, includeTransactions: true })));
    const headers = new Map<bigint, BlockHeader>();
    const transfers: ChainTransfer[] = [];
    for (const block of blocks) {
      const header = toHeader(block);
      headers.set(header.number, header);
      if (block.transactions.some((tx) => tx.to && wanted.has(tx.to.toLowerCase()) && tx.value > 0n)) transfers.push(...(await this.nativeTransfers(client, block, header, recipients)));
    }
    return { transfers, headers };
  }

  // For a claimed transaction: the successful, canonical transfer it made to `payTo` in `token`, or why not.
  async claimedTransfer(chainId: number, txHash: Hash, token: string, payTo: string): Promise<{ transfer: ChainTransfer; header: BlockHeader } | { rejected: string }> {
    const client = this.client(chainId);
    let receipt;
    try {
      receipt = await client.getTransactionReceipt({ hash: txHash });
    } catch (err) {
      if (err instanceof TransactionReceiptNotFoundError) return { rejected: 'transaction not found on this chain' };
      throw err;
    }
    if (receipt.status !== 'success') return { rejected: 'transaction failed on chain' };
    const header = await this.header(chainId, receipt.blockNumber);
    if (header.hash !== receipt.blockHash) return { rejected: 'transaction is not in a canonical block' };
    const to = payTo.toLowerCase();
    if (token === 'native') {
      const tx = await client.getTransaction({ hash: txHash });
      if (!tx.to || tx.to.toLowerCase() !== to || tx.value === 0n) return { rejected: 'transaction sends no native value to the invoice address' };
      return { header, transfer: { txHash, logIndex: -1, blockHash: header.hash, blockNumber: header.number, token: 'native', from: getAddress(tx.from), to: getAddress(tx.to), amount: tx.value, kind: 'native' } };
    }
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== token.toLowerCase()) continue;
      try {
        const decoded = decodeEventLog({ abi: [TRANSFER_EVENT], data: log.data, topics: log.topics });
        if (decoded.args.to.toLowerCase() !== to) continue;
        return { header, transfer: erc20Transfer({ ...log, args: decoded.args }, header) };
      } catch {
        continue;
      }
    }
    return { rejected: 'transaction has no transfer of the invoice asset to the invoice address' };
  }

  private client(chainId: number): PublicClient {
    return this.clients.get(chainId);
  }
}

function toHeader(block: { number: bigint | null; hash: Hash | null; parentHash: Hash; timestamp: bigint }): BlockHeader {
  if (block.number === null || block.hash === null) throw new Error('pending block returned where a mined block was expected');
  return { number: block.number, hash: block.hash, parentHash: block.parentHash, timestamp: new Date(Number(block.timestamp) * 1000) };
}

function erc20Transfer(
  log: { transactionHash: Hash | null; logIndex: number | null; address: string; args: { from?: string; to?: string; value?: bigint } },
  header: { number: bigint; hash: Hash },
): ChainTransfer {
  return {
    txHash: log.transactionHash!,
    logIndex: log.logIndex!,
    blockHash: header.hash,
    blockNumber: header.number,
    token: getAddress(log.address),
    from: getAddress(log.args.from!),
    to: getAddress(log.args.to!),
    amount: log.args.value!,
    kind: 'erc20',
  };
}
