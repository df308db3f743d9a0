import type { DataSource } from 'typeorm';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { Db } from '../../src/database/db.service';
import { ReconciliationService } from '../../src/reconciliation/reconciliation.service';
import type { PlanView } from '../../src/catalog/catalog.presenter';
import type { CustomerView } from '../../src/customers/customer.presenter';
import { api, createMerchant, createTestApp, type TestApp, type TestMerchant } from '../app';
import { asJson, createCustomer, createPlan, createSubscription, updateMerchant, USDC, type SubscriptionFixture } from '../factories';
import type { FakeClock } from '../fakes/clock';
import { deployTestToken, startTestChain, type TestChain } from './anvil';

export { ETH, USDC } from '../factories';
// A receiving address belongs to one merchant: each billed merchant gets its own, made up here
// (nobody needs its key: the tests only send to it). Dev account #1 pays by default.
const receivingAddresses = new Map<string, string>();
export function receivingAddressOf(merchantId: string): string {
  let address = receivingAddresses.get(merchantId);
  if (!address) {
    address = privateKeyToAccount(generatePrivateKey()).address;
    receivingAddresses.set(merchantId, address);
  }
  return address;
}

export interface ChainTestbed {
  chain: TestChain;
  t: TestApp;
  ds: DataSource;
  tick: () => ReturnType<ReconciliationService['tick']>;
  close: () => Promise<void>;
}

export function chainsEnv(url: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify([
    {
      chainId: 31337,
      name: 'Anvil devnet',
      testnet: true,
      rpcUrls: [url],
      explorerUrl: null,
      confirmations: 3,
      finality: 'finalized',
      tickMs: 1000,
      startBlock: 0,
      assets: [
        { symbol: 'ETH', token: 'native', decimals: 18 },
        { symbol: 'USDC', token: DEVNET_TOKEN_ADDRESS, decimals: 6 },
      ],
      ...overrides,
    },
  ]);
}

// A fresh anvil with the test token deployed, and an app whose only chain is that anvil.
// `rpc` puts something (a proxy) between the app and anvil: it gets anvil's URL and returns the app's.
export async function chainTestbed(options: { clock?: FakeClock; chain?: Record<string, unknown>; anvil?: Parameters<typeof startTestChain>[0]; rpc?: (anvilUrl: string) => Promise<string> } = {}): Promise<ChainTestbed> {
  const chain = await startTestChain(options.anvil);
  await deployTestToken(chain.url);
  const rpcUrl = options.rpc ? await options.rpc(chain.url) : chain.url;
  const t = await createTestApp({ clock: options.clock, env: { CHAINS: chainsEnv(rpcUrl, options.chain) } });
  const reconciliation = t.app.get(ReconciliationService);
  await resetChainState(t);
  return {
    chain,
    t,
    ds: t.app.get(Db).dataSource,
    tick: () => reconciliation.tick(31337),
    close: async () => {
      await t.close();
      await chain.stop();
    },
  };
}

// A merchant paid at its own receiving address on the devnet, a customer and a subscription whose first invoice is open.
export async function billedCustomer(t: TestApp, m?: TestMerchant, options: { amount?: string; assetId?: string } = {}) {
  const merchant = m ?? (await createMerchant(t));
  await updateMerchant(t, merchant, { receivingAddresses: { '31337': receivingAddressOf(merchant.merchant.id) } });
  const plan = await createPlan(t, merchant, { name: 'Pro', prices: [{ assetId: options.assetId ?? USDC, amount: options.amount ?? '10000000' }] });
  const customer = await createCustomer(t, merchant, { email: `c${Date.now()}@example.com` });
  const subscription = asJson<SubscriptionFixture>(await createSubscription(t, merchant, { customerId: customer.id, planId: plan.id }));
  return { merchant, client: api(t, merchant.key), plan: asJson<PlanView>(plan), customer: asJson<CustomerView>(customer), subscription, invoice: subscription.latestInvoice };
}

// Chain rows are global per chain id, and every anvil is chain 31337: a test file starts from a
// clean chain so an earlier file's cursor (another anvil's blocks) cannot leak into it.
export async function resetChainState(t: TestApp): Promise<void> {
  const ds = t.app.get(Db).dataSource;
  await ds.query(`DELETE FROM payment_claim WHERE chain_id = 31337`);
  await ds.query(`DELETE FROM payment WHERE chain_id = 31337`);
  await ds.query(`DELETE FROM chain_block WHERE chain_id = 31337`);
  await ds.query(`DELETE FROM chain_cursor WHERE chain_id = 31337`);
}
