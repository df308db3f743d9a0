// Anvil for tests: one instance per test file on a random loopback port.
//
//   const chain = await startTestChain();            // automine on, finalized = latest − 8
//   await chain.setAutomine(false); await chain.mine(3);
//   const id = await chain.snapshot(); ...; await chain.revert(id);
//   await chain.reorg(2, []);                        // replace the last 2 blocks with empty ones
//   afterAll(() => chain.stop());
import type { Address, Hex } from 'viem';
import { startAnvil, type AnvilInstance, type AnvilOptions } from '../../src/devnet/anvil-process';
import { devnetClients, type DevnetClients } from '../../src/devnet/devnet';

export { freePort, resolveAnvilBinary, startAnvil, ANVIL_CHAIN_ID } from '../../src/devnet/anvil-process';
export type { AnvilInstance, AnvilOptions } from '../../src/devnet/anvil-process';
export {
  balanceOf,
  deployForwarder,
  deployTestToken,
  devAccount,
  devnetClients,
  forwarderAbi,
  fundAccount,
  payInvoice,
  waitForReceipt,
} from '../../src/devnet/devnet';

// A transaction to re-include during a reorg, and the offset (in blocks, from the reorg base) of the
// block it goes into: anvil_reorg's [[tx, blockOffset], ...].
export type ReorgTx = [{ from: Address; to: Address; value?: Hex | bigint; data?: Hex; gas?: Hex | bigint }, number];

export interface TestChain extends AnvilInstance, DevnetClients {
  mine(blocks?: number): Promise<void>;
  // anvil_reorg: drop the last `depth` blocks and mine `depth` new ones holding `txs`.
  reorg(depth: number, txs?: ReorgTx[]): Promise<void>;
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  setAutomine(enabled: boolean): Promise<void>;
}

// Anvil's finalized tag trails latest by 2 epochs; 4-slot epochs keep that at 8 blocks.
export async function startTestChain(options: AnvilOptions = {}): Promise<TestChain> {
  const anvil = await startAnvil({ slotsInAnEpoch: 4, ...options });
  return withHelpers(anvil);
}

export function withHelpers(anvil: AnvilInstance): TestChain {
  const clients = devnetClients(anvil.url);
  const { testClient } = clients;
  return {
    ...anvil,
    ...clients,
    mine: (blocks = 1) => testClient.mine({ blocks }),
    reorg: async (depth, txs = []) => {
      const params = txs.map(([tx, offset]) => [hexify(tx), offset]);
      await testClient.request({ method: 'anvil_reorg', params: [depth, params] } as never);
    },
    snapshot: () => testClient.snapshot(),
    revert: (id) => testClient.revert({ id }),
    setAutomine: (enabled) => testClient.setAutomine(enabled),
  };
}

function hexify(tx: ReorgTx[0]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...tx };
  for (const key of ['value', 'gas'] as const) {
    const v = tx[key];
    if (typeof v === 'bigint') out[key] = `0x${v.toString(16)}`;
  }
  return out;
}
