import { createHmac } from 'node:crypto';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import type { Address } from 'viem';
import type { BillingProfileInput } from '../../src/customers/customer.dto';
import { api, createMerchant, freshAddress, type TestApp, type TestMerchant } from '../app';
import { asJson, createCustomer, createPlan as createPlanFixture, createSubscription, mintPortalLink, USDC, type MerchantChanges, type MintedLink, type Nest } from '../factories';
import { runId } from './test-db';

// Shared set-up for the portal suites: a merchant that can bill, customers with a subscription
// (and so an open invoice), all made through the services (test/factories), portal links, and the
// cookie of an exchanged link.

export { ETH, USDC } from '../factories';
// An address for rows and pure checks; each merchant receives at its own (createPortalMerchant).
export const RECEIVING_ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
export const HEADLESS_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36';

export type Client = ReturnType<typeof api>;

export interface PortalMerchant extends TestMerchant {
  id: string;
  // The merchant API, for suites that go on to call it.
  client: Client;
  planId: string;
  receivingAddress: Address;
  // The app the merchant lives in, for the factories.
  nest: Nest;
}

export interface PortalCustomer {
  id: string;
  subscriptionId: string;
  invoiceId: string;
  invoiceNumber: string;
  amountDue: string;
}

// A Redis prefix of its own per suite, so rate-limit counters of one file never leak into another
// (the global teardown still removes it: it starts with the run id).
export function suiteEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { REDIS_PREFIX: `{${runId()}-${name}-w${process.env.JEST_WORKER_ID ?? '1'}}`, ...extra };
}

export async function createPortalMerchant(
  t: TestApp,
  options: { name?: string; planName?: string; amount?: string; patch?: MerchantChanges; receivingAddress?: Address } = {},
): Promise<PortalMerchant> {
  // Each merchant receives at an address of its own unless a test names one.
  const receivingAddress = options.receivingAddress ?? freshAddress();
  const m = await createMerchant(t, { name: options.name, changes: { receivingAddresses: { '31337': receivingAddress }, ...options.patch } });
  const plan = await createPlanFixture(t, m, { name: options.planName ?? 'Starter', prices: [{ assetId: USDC, amount: options.amount ?? '10000000' }] });
  return { ...m, id: m.merchant.id, client: api(t, m.key), planId: plan.id, receivingAddress, nest: t.app };
}

export async function createPlan(m: PortalMerchant, name: string, amount: string): Promise<string> {
  return (await createPlanFixture(m.nest, m, { name, prices: [{ assetId: USDC, amount }] })).id;
}

export async function createPortalCustomer(
  m: PortalMerchant,
  options: { email?: string; name?: string; billingProfile?: BillingProfileInput; planId?: string } = {},
): Promise<PortalCustomer> {
  const customer = await createCustomer(m.nest, m, {
    email: options.email ?? 'ada@example.com',
    name: options.name ?? 'Ada',
    ...(options.billingProfile ? { billingProfile: options.billingProfile } : {}),
  });
  const sub = await createSubscription(m.nest, m, { customerId: customer.id, planId: options.planId ?? m.planId });
  const invoice = asJson<{ id: string; number: string; amountDue: string }>(sub.latestInvoice);
  return { id: customer.id, subscriptionId: sub.id, invoiceId: invoice.id, invoiceNumber: invoice.number, amountDue: invoice.amountDue };
}

export type { MintedLink };

export function mintLink(m: PortalMerchant, customerId: string, body: Parameters<typeof mintPortalLink>[3] = {}): Promise<MintedLink> {
  return mintPortalLink(m.nest, m, customerId, body);
}

export function tokenOf(url: string): string {
  return url.split('/p/')[1];
}

export interface Session {
  cookie: string; // "__Host-portal_sid=<sid>", ready for a Cookie header
  sid: string;
  response: Response;
}

// POSTs the interstitial's form, as a browser would after "Continue".
export async function exchange(t: TestApp, token: string, headers: Record<string, string> = {}): Promise<Session> {
  const response = await t.http().post('/p/exchange').set(headers).type('form').send({ token });
  if (response.status !== 303) throw new Error(`exchange failed: ${response.status}`);
  const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0];
  if (!setCookie) throw new Error('exchange set no cookie');
  const cookie = setCookie.split(';')[0];
  return { cookie, sid: cookie.split('=')[1], response };
}

export async function openPortal(t: TestApp, m: PortalMerchant, customerId: string, body: Record<string, unknown> = {}): Promise<Session & { link: MintedLink }> {
  const link = await mintLink(m, customerId, body);
  return { ...(await exchange(t, link.token)), link };
}

// The hidden _csrf field every signed-in page carries (in the sign-out form).
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field on the page');
  return match[1];
}

// Pages differ per response only in their CSP nonces.
export function stripNonces(html: string): string {
  return html.replace(/nonce="[^"]*"/g, 'nonce=""');
}

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[2], 'base64url').toString('utf8')) as Record<string, unknown>;
}

// Re-signs a hand-made payload text with a known secret, exactly as the signer would.
export function signRaw(secret: Buffer, kid: string, payloadText: string, purpose = 'portal_link.v1'): string {
  const payloadB64 = Buffer.from(payloadText, 'utf8').toString('base64url');
  const mac = createHmac('sha256', secret).update(`${purpose}.${kid}.${payloadB64}`).digest('base64url');
  return `pl1.${kid}.${payloadB64}.${mac}`;
}

export function parseLinkSecretString(linkSecret: string): { kid: string; secret: Buffer } {
  const [, kid, secret] = linkSecret.split('.');
  return { kid, secret: Buffer.from(secret, 'base64url') };
}

export function db(t: TestApp): DataSource {
  return t.app.get(DataSource);
}

export async function sessionCount(t: TestApp, filter: { merchantId?: string; customerId?: string } = {}): Promise<number> {
  const rows: Array<{ n: string }> = await db(t).query(
    `SELECT count(*)::text AS n FROM portal_session WHERE ($1::text IS NULL OR merchant_id = $1) AND ($2::text IS NULL OR customer_id = $2)`,
    [filter.merchantId ?? null, filter.customerId ?? null],
  );
  return Number(rows[0].n);
}

let ipCounter = 0;

// A client address nobody else in the run uses (the suites that send it set TRUST_PROXY_HOPS=1).
export function freshIp(): string {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export interface PlainResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

// Requests from a chosen client address. Fastify 5 ignores a numeric trustProxy (hop counts fail
// closed), so X-Forwarded-For cannot stand in for distinct clients; inject() sets the socket address.
export async function fromAddress(
  t: TestApp,
  remoteAddress: string,
  request: { method: 'GET' | 'HEAD' | 'POST'; url: string; headers?: Record<string, string>; form?: Record<string, string> },
): Promise<PlainResponse> {
  const res = await t.app.getHttpAdapter().getInstance().inject({
    method: request.method,
    url: request.url,
    remoteAddress,
    headers: { ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...request.headers },
    ...(request.form ? { payload: new URLSearchParams(request.form).toString() } : {}),
  });
  return { status: res.statusCode, headers: res.headers, text: res.payload };
}
