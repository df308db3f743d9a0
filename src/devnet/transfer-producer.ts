import { encodeFunctionData, erc20Abi, type Address, type Hex } from 'viem';
import { devAccount, fundAccount } from './devnet';

// Fills a devnet quickly with ERC-20 transfers, for the chain tests and the bench: automine off,
// per block one JSON-RPC batch of eth_sendTransaction with nonce and gas set here (no estimateGas
// or nonce lookup inside anvil), then evm_mine. Transfer k goes to recipients[k % n] with amount
// 1 USDC + k base units, so a sum over the payment rows catches a dropped or doubled transfer.

interface RpcResponse {
  id: number;
  result?: unknown;
  error?: { code: number; message: string };
}

export async function rpc(url: string, body: object | object[]): Promise<RpcResponse[]> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as RpcResponse | RpcResponse[];
  const answers = Array.isArray(json) ? json : [json];
  const failed = answers.find((a) => a.error);
  if (failed) throw new Error(`JSON-RPC error: ${failed.error!.message}`);
  return answers;
}

export interface ProducedTransfers {
  firstBlock: bigint;
  lastBlock: bigint;
  count: number;
  total: bigint;
  // Per recipient (as given): how many transfers and their sum.
  perRecipient: Map<Address, { count: number; total: bigint }>;
  seconds: number;
}

export async function produceTransfers(
  url: string,
  token: Address,
  options: { recipients: Address[]; blocks: number; perBlock: number; fromAccountIndex?: number },
): Promise<ProducedTransfers> {
  const { recipients, blocks, perBlock } = options;
  const count = blocks * perBlock;
  const payer = await devAccount(url, options.fromAccountIndex ?? 1);
  await fundAccount(url, token, payer, 1_000_000n * BigInt(count) + BigInt(count) ** 2n);
  const [{ result: nonceHex }, { result: numberHex }] = await rpc(url, [
    { jsonrpc: '2.0', id: 1, method: 'eth_getTransactionCount', params: [payer, 'latest'] },
    { jsonrpc: '2.0', id: 2, method: 'eth_blockNumber', params: [] },
  ]);
  let nonce = BigInt(nonceHex as Hex);
  const firstBlock = BigInt(numberHex as Hex) + 1n;
  const started = Date.now();
  const perRecipient = new Map<Address, { count: number; total: bigint }>(recipients.map((r) => [r, { count: 0, total: 0n }]));
  let total = 0n;
  let id = 0;
  await rpc(url, { jsonrpc: '2.0', id: ++id, method: 'evm_setAutomine', params: [false] });
  try {
    for (let b = 0; b < blocks; b++) {
      const batch: object[] = [];
      for (let k = 0; k < perBlock; k++) {
        const i = b * perBlock + k;
        const to = recipients[i % recipients.length];
        const amount = 1_000_000n + BigInt(i);
        total += amount;
        const tally = perRecipient.get(to)!;
        tally.count += 1;
        tally.total += amount;
        const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] });
        batch.push({ jsonrpc: '2.0', id: ++id, method: 'eth_sendTransaction', params: [{ from: payer, to: token, data, gas: '0x186a0', nonce: `0x${nonce.toString(16)}` }] });
        nonce += 1n;
      }
      await rpc(url, batch);
      await rpc(url, { jsonrpc: '2.0', id: ++id, method: 'evm_mine', params: [] });
    }
  } finally {
    await rpc(url, { jsonrpc: '2.0', id: id + 1, method: 'evm_setAutomine', params: [true] });
  }
  return { firstBlock, lastBlock: firstBlock + BigInt(blocks) - 1n, count, total, perRecipient, seconds: (Date.now() - started) / 1000 };
}

export async function mineEmpty(url: string, blocks: number): Promise<void> {
  await rpc(url, { jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] });
}
