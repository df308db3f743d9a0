import { randomBytes } from 'node:crypto';
import { getAddress, type Address } from 'viem';
import { DEVNET_TOKEN_ADDRESS, type ChainConfig } from '../../src/config/chains';
import type { Env } from '../../src/config/env';
import { Db } from '../../src/database/db.service';
import { ANVIL_CHAIN_ID, startAnvil, type AnvilInstance, type AnvilOptions } from '../../src/devnet/anvil-process';
import { deployTestToken } from '../../src/devnet/devnet';
import { produceTransfers as produce, type ProducedTransfers } from '../../src/devnet/transfer-producer';
import { MerchantService } from '../../src/merchants/merchant.service';
import type { BenchApi } from './api-fixture';

// Chain scenarios: an anvil of their own, a chain config pointing at it, a merchant receiving on it, and a fast way
// to fill it with ERC-20 transfers. They share the API fixture's database and Redis prefix (so Ctrl-C still drops
// them) and undo their own chain rows, since chain state is global per chain id and every anvil is chain 31337.

export interface BenchAnvil extends AnvilInstance {
  token: Address;
}

// A fresh anvil with the test token deployed. `finalized` trails `latest` by 2 epochs, so 1-slot epochs put it 2
// blocks behind: the catch-up covers (nearly) the whole range instead of stopping 64 blocks short.
export async function startBenchAnvil(options: AnvilOptions = {}): Promise<BenchAnvil> {
  const anvil = await startAnvil({ slotsInAnEpoch: 1, ...options });
  // A bench that dies without running its clean-up (a thrown error outside a finally, process.exit) must not leave
  // the node behind. Synchronous, as 'exit' listeners must be.
  const onExit = () => {
    try {
      process.kill(anvil.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', onExit);
  const stop = async () => {
    await anvil.stop();
    process.removeListener('exit', onExit);
  };
  try {
    const token = await deployTestToken(anvil.url);
    return { ...anvil, token, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export function benchChain(url: string, overrides: Partial<ChainConfig> = {}): ChainConfig {
  return {
    chainId: ANVIL_CHAIN_ID,
    name: 'Anvil devnet (bench)',
    testnet: true,
    rpcUrls: [url],
    explorerUrl: null,
    confirmations: 2,
    finality: 'finalized',
    tickMs: 1_000,
    startBlock: 'latest',
    assets: [
      { symbol: 'ETH', token: 'native', decimals: 18 },
      { symbol: 'USDC', token: DEVNET_TOKEN_ADDRESS, decimals: 6 },
    ],
    ...overrides,
  };
}

// The fixture's parsed Env turned back into the variables loadEnv reads, with CHAINS replaced: what a worker
// process started with the bench database, Redis prefix and key, but pointed at the bench's anvil, would see.
export function envSource(env: Env, chains: ChainConfig[]): Record<string, string> {
  const source: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key === 'CHAINS') continue;
    source[key] = Buffer.isBuffer(value) ? value.toString('hex') : String(value);
  }
  source.CHAINS = JSON.stringify(chains);
  return source;
}

export interface ReceivingMerchant {
  merchantId: string;
  address: Address;
  // Removes the address (so later scenarios do not scan for it), this merchant's payments and outbox events, and
  // the chain's cursor and blocks.
  release(): Promise<void>;
}

// A merchant whose receiving address on the devnet is a fresh random one: no other scenario's merchant shares it,
// so every transfer to it is this merchant's payment exactly once. Set through the merchant API, as a merchant would.
export async function receivingMerchant(api: BenchApi, name: string): Promise<ReceivingMerchant> {
  const { merchant, apiKey } = await api.app.get(MerchantService).create({ name, livemode: false });
  const address = getAddress(`0x${randomBytes(20).toString('hex')}`);
  const patch = (value: string | null) =>
    fetch(`${api.baseUrl}/api/v1/merchant`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${apiKey.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ receivingAddresses: { [String(ANVIL_CHAIN_ID)]: value } }),
    });
  const res = await patch(address);
  if (res.status !== 200) throw new Error(`setting the receiving address answered ${res.status}: ${await res.text()}`);
  await resetChainRows(api);
  return {
    merchantId: merchant.id,
    address,
    async release() {
      await patch(null);
      const ds = api.app.get(Db).dataSource;
      await ds.query(`DELETE FROM payment WHERE merchant_id = $1`, [merchant.id]);
      // Undispatched events would be a backlog for any webhook dispatcher a later scenario starts; audit rows are
      // append-only and go with the database.
      await ds.query(`DELETE FROM outbox_event WHERE merchant_id = $1`, [merchant.id]);
      await resetChainRows(api);
    },
  };
}

// Chain rows are per chain id, not per node: another scenario's anvil left its cursor and blocks under the same id.
async function resetChainRows(api: BenchApi): Promise<void> {
  const ds = api.app.get(Db).dataSource;
  await ds.query(`DELETE FROM chain_block WHERE chain_id = $1`, [ANVIL_CHAIN_ID]);
  await ds.query(`DELETE FROM chain_cursor WHERE chain_id = $1`, [ANVIL_CHAIN_ID]);
}

// Production of transfers lives beside the devnet tooling, shared with the chain tests.
export { mineEmpty, rpc, type ProducedTransfers } from '../../src/devnet/transfer-producer';

// `blocks` consecutive blocks holding `perBlock` ERC-20 transfers each, from one unlocked dev account to `to`.
export function produceTransfers(anvil: BenchAnvil, options: { to: Address; blocks: number; perBlock: number; fromAccountIndex?: number }): Promise<ProducedTransfers> {
  return produce(anvil.url, anvil.token, { recipients: [options.to], blocks: options.blocks, perBlock: options.perBlock, fromAccountIndex: options.fromAccountIndex });
}
