// `npm run demo` (also `billfold demo`): from a fresh checkout to a local devnet (anvil with the
// test USDC and a funded customer wallet), a running API and worker, a seeded merchant, plans, a
// customer with an open invoice, a portal link and the command that pays the invoice. Each step is
// one function, so steps slot in between without reshaping the rest.
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { formatUnits, parseUnits, type Address } from 'viem';
import { describeError } from '../src/cli/cli-errors';
import { withCliContext } from '../src/cli/cli-context';
import { migrate } from '../src/cli/migrate.command';
import { DEFAULT_CHAINS, DEVNET_TOKEN_ADDRESS, type ChainConfig } from '../src/config/chains';
import { loadEnv, type Env } from '../src/config/env';
import { startAnvil, type AnvilInstance } from '../src/devnet/anvil-process';
import { balanceOf, deployTestToken, devAccount, fundAccount } from '../src/devnet/devnet';
import { ApiKeyService } from '../src/merchants/api-key.service';
import { MerchantService } from '../src/merchants/merchant.service';

const ROOT = path.resolve(__dirname, '..');
const DEMO_DIR = path.join(ROOT, '.demo');
const MASTER_KEY_FILE = path.join(DEMO_DIR, 'master.key');
const STATE_FILE = path.join(DEMO_DIR, 'state.json');
// The devnet's chain is kept across runs like the database, so the worker's chain cursor and the
// recorded payments keep pointing at blocks that exist.
const ANVIL_STATE_FILE = path.join(DEMO_DIR, 'anvil-state.json');
// The default chain config (src/config/chains.ts) expects the devnet here.
const DEVNET_PORT = 8545;
// Interval mining, so confirmations advance on their own; `billfold devnet mine` speeds them up.
const DEVNET_BLOCK_TIME_SECONDS = 2;
const CUSTOMER_WALLET_INDEX = 1;
const CUSTOMER_WALLET_USDC = '1000';

// Anvil's first dev account: the demo merchant's receiving wallet on the devnet.
export const DEMO_RECEIVING_ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
export const DEVNET_CHAIN_ID = 31337;
export const USDC_ASSET = 'asset_31337_0x5fbdb2315678afecb367f032d93f642f64180aa3';
export const ETH_ASSET = 'asset_31337_native';

const PLANS = [
  { name: 'Starter', description: 'For small teams', prices: { [USDC_ASSET]: '10000000', [ETH_ASSET]: '5000000000000000' } },
  { name: 'Pro', description: 'For growing teams', prices: { [USDC_ASSET]: '25000000', [ETH_ASSET]: '12500000000000000' } },
] as const;

const DEMO_CUSTOMER = {
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  externalId: 'demo-ada',
  billingProfile: { company: 'Analytical Engines Ltd', address: { city: 'London', country: 'GB' } },
};

interface DemoState {
  merchantId?: string;
  apiKey?: string;
}

interface Plan {
  id: string;
  name: string;
  active: boolean;
  prices: { id: string; assetId: string; amount: string }[];
}
interface Customer {
  id: string;
  email: string;
}
interface Invoice {
  id: string;
  status: string;
  amountDue: string;
  assetId?: string;
  payTo: string;
  chainId: number;
}
interface Subscription {
  id: string;
  status: string;
  planId: string;
  assetId: string;
  currentPeriodEnd: string | null;
  latestInvoice: Invoice | null;
}
interface Asset {
  id: string;
  symbol: string;
  decimals: number;
}
interface List<T> {
  data: T[];
  hasMore: boolean;
}

export interface Devnet {
  anvil: AnvilInstance;
  url: string;
  token: Address;
  customerWallet: Address;
}

export interface DemoContext {
  env: Env;
  apiBase: string;
  merchantId: string;
  apiKey: string;
  api: ApiClient;
}

export async function runDemo(): Promise<void> {
  applyDefaults();
  await checkServices();
  const devnet = await startDevnet();
  await fundCustomerWallet(devnet);
  await ensureDatabase(process.env.DATABASE_URL!);
  const env = loadEnv();
  await runMigrations(env);
  const { merchantId, apiKey } = await ensureMerchant(env);
  await startProcesses(env);
  const apiBase = localBaseUrl(env);
  const ctx: DemoContext = { env, apiBase, merchantId, apiKey, api: apiClient(apiBase, apiKey) };
  await setReceivingAddress(ctx);
  const plans = await ensurePlans(ctx);
  const customer = await ensureCustomer(ctx);
  const subscription = await ensureSubscription(ctx, customer, plans[0]);
  const assets = await listAssets(ctx);
  const portalLink = await mintPortalLink(ctx, customer);
  printSummary(ctx, { plans, customer, subscription, assets, portalLink, devnet });
  stopOnSignal(devnet);
}

// Step: configuration. Anything already in the environment wins; the master key is generated once
// and kept under .demo/ so API keys and encrypted columns stay valid across runs.
export function applyDefaults(): void {
  const env = process.env;
  env.NODE_ENV ??= 'development';
  // The password is ignored by a trust-auth server and matches the compose file's PostgreSQL.
  env.DATABASE_URL ??= 'postgres://postgres:billfold@127.0.0.1:5432/billfold';
  env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  env.PORT ??= '3000';
  // localhost, not 127.0.0.1: the portal's session cookie is `Secure`, which browsers accept over
  // plain http on localhost only.
  env.PUBLIC_BASE_URL ??= `http://localhost:${env.PORT}`;
  // Request logs would bury the summary; `LOG_LEVEL=info npm run demo` shows them.
  env.LOG_LEVEL ??= 'warn';
  // Lets a webhook endpoint on this machine (http://127.0.0.1:...) receive the demo's events.
  env.WEBHOOK_ALLOW_LOOPBACK ??= 'true';
  env.MASTER_KEY ??= demoMasterKey();
}

function demoMasterKey(): string {
  if (existsSync(MASTER_KEY_FILE)) return readFileSync(MASTER_KEY_FILE, 'utf8').trim();
  mkdirSync(DEMO_DIR, { recursive: true });
  const key = randomBytes(32).toString('hex');
  writeFileSync(MASTER_KEY_FILE, `${key}\n`, { mode: 0o600 });
  say(`Generated a demo MASTER_KEY in ${path.relative(ROOT, MASTER_KEY_FILE)} (development only)`);
  return key;
}

// Step: PostgreSQL and Redis must answer before anything else is attempted.
export async function checkServices(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL!;
  const redisUrl = process.env.REDIS_URL!;
  const [pg, redis] = await Promise.all([probePostgres(adminUrl(databaseUrl)), probeRedis(redisUrl)]);
  if (!pg && !redis) {
    say(`PostgreSQL answers at ${redact(databaseUrl)}; Redis answers at ${redact(redisUrl)}`);
    return;
  }
  if (pg) process.stderr.write(`PostgreSQL does not answer at ${redact(databaseUrl)}: ${pg}\n`);
  if (redis) process.stderr.write(`Redis does not answer at ${redact(redisUrl)}: ${redis}\n`);
  process.stderr.write(
    [
      '',
      'The demo needs PostgreSQL 15+ and Redis 7+. With Docker:',
      '  docker compose up -d postgres redis',
      'or start your own servers and point DATABASE_URL / REDIS_URL at them, then run `npm run demo` again.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

async function probePostgres(url: string): Promise<string | null> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeRedis(url: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The socket error says why (refused, unknown host); the rejected connect() only says "closed".
  let cause: string | undefined;
  redis.on('error', (err: Error) => (cause ??= err.message));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (err) {
    return cause ?? ((err as Error).message || String(err));
  } finally {
    redis.disconnect();
  }
}

// Step: the local chain. A fresh anvil on the port the chain config names (its state reloaded from
// the previous run), the test USDC at the address the config expects, and the chain config handed
// to the API and worker through CHAINS.
export async function startDevnet(): Promise<Devnet> {
  const busy = await portBusy(DEVNET_PORT);
  if (busy) {
    throw new Error(
      `port ${DEVNET_PORT} on 127.0.0.1 is already in use (${busy}): the demo runs its own anvil there. ` +
        'Stop whatever listens on it (an anvil or hardhat node, or an earlier demo still shutting down) and run the demo again.',
    );
  }
  mkdirSync(DEMO_DIR, { recursive: true });
  const anvil = await startAnvil({
    port: DEVNET_PORT,
    blockTime: DEVNET_BLOCK_TIME_SECONDS,
    slotsInAnEpoch: 4,
    // Also saved every 10 s, so a demo killed without a chance to stop anvil loses little chain
    // the database already knows about.
    extraArgs: ['--state', ANVIL_STATE_FILE, '--state-interval', '10'],
  });
  // Whatever ends the demo (Ctrl-C, an error below, process.exit) also ends anvil; stop() signals
  // synchronously, and anvil then writes its state file by itself.
  process.once('exit', () => void anvil.stop());
  const url = anvil.url;
  process.env.CHAINS ??= JSON.stringify(devnetChains(url));
  const token = await deployTestToken(url);
  const customerWallet = await devAccount(url, CUSTOMER_WALLET_INDEX);
  say(`Devnet: anvil at ${url} (chain 31337, a block every ${DEVNET_BLOCK_TIME_SECONDS} s); test USDC at ${token}`);
  return { anvil, url, token, customerWallet };
}

// The default chains with the devnet's RPC URL, so they stay right if the port ever moves.
function devnetChains(url: string): ChainConfig[] {
  return DEFAULT_CHAINS.map((chain) => (chain.chainId === 31337 ? { ...chain, rpcUrls: [url] } : chain));
}

function portBusy(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(null)));
  });
}

// Step: the customer's wallet (anvil dev account #1) holds at least 1,000 USDC, plus ETH for gas.
export async function fundCustomerWallet(devnet: Devnet): Promise<void> {
  const target = parseUnits(CUSTOMER_WALLET_USDC, 6);
  const held = await balanceOf(devnet.url, devnet.token, devnet.customerWallet);
  if (held < target) await fundAccount(devnet.url, DEVNET_TOKEN_ADDRESS, devnet.customerWallet, target - held);
  say(`Customer wallet: anvil account #${CUSTOMER_WALLET_INDEX} ${devnet.customerWallet} holds ${formatUnits(held < target ? target : held, 6)} USDC`);
}

// Step: the database named in DATABASE_URL is created through the server's `postgres` database.
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name)) throw new Error(`unexpected database name in DATABASE_URL: ${name}`);
  const client = new Client({ connectionString: adminUrl(databaseUrl), connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`);
      say(`Created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

// Step: schema.
export async function runMigrations(env: Env): Promise<void> {
  const ran = await migrate(env);
  say(ran.length ? `Applied migrations: ${ran.join(', ')}` : 'Schema is up to date');
}

// Step: the merchant and its key come from the operator path (as `billfold merchants create`
// would), reused across runs while the saved key still authenticates.
export async function ensureMerchant(env: Env): Promise<{ merchantId: string; apiKey: string }> {
  const state = readState();
  const result = await withCliContext(env, async (app) => {
    const merchants = app.get(MerchantService);
    if (state.merchantId && state.apiKey) {
      const principal = await app.get(ApiKeyService).authenticate(state.apiKey).catch(() => null);
      if (principal?.merchantId === state.merchantId) return { merchantId: state.merchantId, apiKey: state.apiKey, note: 'Reusing' };
      const exists = await merchants.get(state.merchantId).then(() => true, () => false);
      if (exists) {
        const key = await merchants.createApiKey(state.merchantId, { livemode: false, name: 'Demo key', createdBy: 'demo' });
        return { merchantId: state.merchantId, apiKey: key.secret, note: 'New API key for' };
      }
    }
    const created = await merchants.create({ name: 'Acme Cloud' });
    return { merchantId: created.merchant.id, apiKey: created.apiKey.secret, note: 'Created' };
  });
  writeState({ merchantId: result.merchantId, apiKey: result.apiKey });
  say(`${result.note} merchant Acme Cloud (${result.merchantId})`);
  return { merchantId: result.merchantId, apiKey: result.apiKey };
}

// Step: API and worker in this process, each with its own graceful shutdown hooks.
export async function startProcesses(env: Env): Promise<void> {
  const { startApi } = await import('../src/main');
  const { startWorker } = await import('../src/worker');
  try {
    await startApi();
  } catch (err) {
    if ((err as { code?: string }).code === 'EADDRINUSE') {
      throw new Error(`port ${env.PORT} is already in use: stop whatever listens there, or run with PORT=<another port>`, { cause: err });
    }
    throw err;
  }
  await startWorker();
  say(`API listening on ${localBaseUrl(env)}; worker started`);
}

// The remaining seed steps go through the merchant API itself, so the demo exercises it.
export async function setReceivingAddress(ctx: DemoContext): Promise<void> {
  await ctx.api.patch('/api/v1/merchant', { receivingAddresses: { [String(DEVNET_CHAIN_ID)]: DEMO_RECEIVING_ADDRESS } });
}

export async function ensurePlans(ctx: DemoContext): Promise<Plan[]> {
  const existing = await ctx.api.get<List<Plan>>('/api/v1/plans?limit=100&active=true');
  const plans: Plan[] = [];
  for (const spec of PLANS) {
    const found = existing.data.find((p) => p.name === spec.name);
    plans.push(
      found ??
        (await ctx.api.post<Plan>('/api/v1/plans', {
          name: spec.name,
          description: spec.description,
          interval: { unit: 'month', count: 1 },
          prices: Object.entries(spec.prices).map(([assetId, amount]) => ({ assetId, amount })),
        })),
    );
  }
  say(`Plans: ${plans.map((p) => `${p.name} (${p.id})`).join(', ')}`);
  return plans;
}

export async function ensureCustomer(ctx: DemoContext): Promise<Customer> {
  const existing = await ctx.api.get<List<Customer>>(`/api/v1/customers?externalId=${DEMO_CUSTOMER.externalId}`);
  const customer = existing.data[0] ?? (await ctx.api.post<Customer>('/api/v1/customers', DEMO_CUSTOMER));
  say(`Customer: ${customer.email} (${customer.id})`);
  return customer;
}

export async function ensureSubscription(ctx: DemoContext, customer: Customer, plan: Plan): Promise<Subscription> {
  const existing = await ctx.api.get<List<Subscription>>(`/api/v1/subscriptions?customerId=${customer.id}`);
  const live = existing.data.find((s) => s.status !== 'canceled' && s.status !== 'incomplete_expired');
  const subscription = live
    ? await ctx.api.get<Subscription>(`/api/v1/subscriptions/${live.id}`)
    : await ctx.api.post<Subscription>('/api/v1/subscriptions', { customerId: customer.id, planId: plan.id, assetId: USDC_ASSET });
  say(`Subscription: ${subscription.id} (${subscription.status})${subscription.latestInvoice ? `, invoice ${subscription.latestInvoice.id} (${subscription.latestInvoice.status})` : ''}`);
  return subscription;
}

// A fresh link on every run: links expire (at most 24 h) and the portal session cookie needs one.
export async function mintPortalLink(ctx: DemoContext, customer: Customer): Promise<string> {
  const link = await ctx.api.post<{ id: string; url: string }>('/api/v1/portal-links', { customerId: customer.id, expiresIn: 86_400 });
  // The Secure session cookie sticks on http://localhost only, whatever PUBLIC_BASE_URL says.
  return link.url.replace(/^http:\/\/(127\.0\.0\.1|\[::1\]):/, 'http://localhost:');
}

async function listAssets(ctx: DemoContext): Promise<Asset[]> {
  return (await ctx.api.get<List<Asset>>('/api/v1/assets')).data;
}

export function printSummary(
  ctx: DemoContext,
  seeded: { plans: Plan[]; customer: Customer; subscription: Subscription; assets: Asset[]; portalLink: string; devnet: Devnet },
): void {
  const { apiBase, apiKey } = ctx;
  const { devnet } = seeded;
  const sub = seeded.subscription;
  const invoice = sub.latestInvoice;
  const payable = invoice && (invoice.status === 'open' || invoice.status === 'partially_paid');
  const confirmations = ctx.env.CHAINS.find((c) => c.chainId === DEVNET_CHAIN_ID)?.confirmations ?? 0;
  const asset = seeded.assets.find((a) => a.id === (invoice?.assetId ?? sub.assetId));
  const due = invoice && asset ? `${formatUnits(BigInt(invoice.amountDue), asset.decimals)} ${asset.symbol}` : invoice?.amountDue;
  const auth = '-H "Authorization: Bearer $BILLFOLD_API_KEY"';
  const lines = [
    '',
    '────────────────────────────────────────────────────────────────────────',
    ' Billfold demo is running',
    '────────────────────────────────────────────────────────────────────────',
    `  API base URL   ${apiBase}/api/v1`,
    `  API docs       ${apiBase}/api/docs   (OpenAPI JSON: ${apiBase}/api/docs-json)`,
    `  API key        ${apiKey}   (test mode, merchant Acme Cloud ${ctx.merchantId})`,
    `  Customer       ${seeded.customer.email} ${seeded.customer.id}`,
    `  Subscription   ${sub.id} (${sub.status})`,
    invoice ? `  Latest invoice ${invoice.id} (${invoice.status}): ${due} to ${invoice.payTo} on chain ${invoice.chainId}` : '  Latest invoice none',
    `  Devnet         ${devnet.url} (anvil, chain ${DEVNET_CHAIN_ID}, a block every ${DEVNET_BLOCK_TIME_SECONDS} s), test USDC ${devnet.token}`,
    `  Wallet         anvil account #${CUSTOMER_WALLET_INDEX} ${devnet.customerWallet} (the customer's, funded with USDC)`,
    '',
    "The customer's billing portal (open it in a browser as http://localhost, which the portal's",
    'Secure session cookie needs; the link is valid for 24 hours and each run prints a new one):',
    '',
    `  ${seeded.portalLink}`,
    '',
    ...(payable
      ? [
          "Pay the open invoice from the customer's wallet, in another terminal:",
          '',
          `  npx billfold devnet pay --invoice ${invoice.id}${apiBase === 'http://127.0.0.1:3000' ? '' : ` --api-url ${apiBase}`}`,
          '',
          `The worker picks the transfer up from the next block and confirms it after ${confirmations} block${confirmations === 1 ? '' : 's'}`,
          `(\`npx billfold devnet mine --blocks ${Math.max(confirmations, 1)}\` hurries them); the portal then shows the payment`,
          'detected, confirming and confirmed, the invoice paid and the subscription active.',
          '',
        ]
      : [`Nothing to pay right now: the latest invoice is ${invoice?.status ?? 'missing'}.`, '']),
    'Try the merchant API:',
    '',
    `  export BILLFOLD_API_KEY=${apiKey}`,
    '',
    '  # list customers',
    `  curl -s ${apiBase}/api/v1/customers ${auth}`,
    '  # the subscription, with its latest invoice',
    `  curl -s ${apiBase}/api/v1/subscriptions/${sub.id} ${auth}`,
    '  # its invoices',
    `  curl -s "${apiBase}/api/v1/invoices?subscriptionId=${sub.id}" ${auth}`,
    '  # plans and their prices per asset',
    `  curl -s ${apiBase}/api/v1/plans ${auth}`,
    '  # create a customer; repeat with the same Idempotency-Key to get the same answer back',
    `  curl -s -X POST ${apiBase}/api/v1/customers ${auth} \\`,
    '       -H "Content-Type: application/json" -H "Idempotency-Key: demo-grace-1" \\',
    `       -d '{"email":"grace@example.com","name":"Grace Hopper"}'`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

// Nest's shutdown hooks close API and worker on SIGINT/SIGTERM, then end the process; anvil is
// told to stop at once so it saves its state while they close.
function stopOnSignal(devnet: Devnet): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: closing the API, the worker and the devnet…\n`);
      void devnet.anvil.stop();
    });
  }
}

export interface ApiClient {
  get<T>(route: string): Promise<T>;
  post<T>(route: string, body: object): Promise<T>;
  patch<T>(route: string, body: object): Promise<T>;
}

export function apiClient(base: string, key: string): ApiClient {
  const call = async <T>(method: string, route: string, body?: object): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = `demo-${randomUUID()}`;
    const response = await fetch(`${base}${route}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new Error(`${method} ${route} answered ${response.status} ${error?.code ?? ''}: ${error?.message ?? text}`);
    }
    return json as T;
  };
  return {
    get: (route) => call('GET', route),
    post: (route, body) => call('POST', route, body),
    patch: (route, body) => call('PATCH', route, body),
  };
}

function localBaseUrl(env: Env): string {
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST;
  return `http://${host}:${env.PORT}`;
}

function adminUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function readState(): DemoState {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as DemoState;
  } catch {
    return {};
  }
}

function writeState(state: DemoState): void {
  mkdirSync(DEMO_DIR, { recursive: true });
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(STATE_FILE, 0o600);
}

function say(line: string): void {
  process.stdout.write(`• ${line}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === __filename) {
  runDemo().catch((err) => {
    process.stderr.write(`${describeError(err)}\n`);
    process.exit(1);
  });
}
