import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { DashboardUserService } from '../../src/dashboard/dashboard-user.service';
import type { PaymentState } from '../../src/payments/payment.entity';
import type { TestApp } from '../app';
import { createPayment, markInvoicePaid, randomHex } from '../factories';
import { createPlan, createPortalCustomer, createPortalMerchant, freshIp, fromAddress, type PlainResponse, type PortalCustomer, type PortalMerchant } from './portal';

// Shared set-up for the dashboard suites: staff users, the sign-in form (nonce cookie + token),
// and requests carrying the session cookie and the page's CSRF token.

export const PASSWORD = 'correct horse battery staple';
const SIGN_IN_COOKIE = '__Host-dashboard_signin';
export const DASHBOARD_COOKIE = '__Host-dashboard_sid';

let users = 0;

export async function createStaff(t: TestApp, merchantId: string, options: { email?: string; role?: 'owner' | 'staff'; password?: string | null } = {}) {
  users += 1;
  const email = options.email ?? `staff-${users}-${merchantId.slice(-8).toLowerCase()}@example.com`;
  return t.app.get(DashboardUserService).create(
    merchantId,
    { email, role: options.role ?? 'owner', ...(options.password === null ? {} : { password: options.password ?? PASSWORD }) },
    { type: 'cli', id: 'test', initiator: 'system' },
  );
}

export function cookieValue(res: Response | PlainResponse, name: string): string | null {
  const all = ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
  const line = all.find((c) => c.startsWith(`${name}=`));
  return line ? line.split(';')[0].slice(name.length + 1) : null;
}

export function setCookies(res: Response | PlainResponse): string[] {
  return ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
}

export function hiddenCsrf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field on the page');
  return match[1];
}

export interface SignInForm {
  nonce: string;
  token: string;
}

export async function signInForm(t: TestApp): Promise<SignInForm> {
  const page = await t.http().get('/dashboard/sign-in');
  if (page.status !== 200) throw new Error(`sign-in page: ${page.status}`);
  const nonce = cookieValue(page, SIGN_IN_COOKIE);
  if (!nonce) throw new Error('sign-in page set no nonce cookie');
  return { nonce, token: hiddenCsrf(page.text) };
}

// Sign-in POSTs come from their own client address (fresh by default), so the per-address
// attempt limit only counts what a test means it to.
export function postSignIn(t: TestApp, form: SignInForm, fields: Record<string, string>, options: { ip?: string; headers?: Record<string, string> } = {}): Promise<PlainResponse> {
  return fromAddress(t, options.ip ?? freshIp(), {
    method: 'POST',
    url: '/dashboard/sign-in',
    headers: { cookie: `${SIGN_IN_COOKIE}=${form.nonce}`, ...options.headers },
    form: { _csrf: form.token, ...fields },
  });
}

export interface StaffSession {
  cookie: string; // "__Host-dashboard_sid=<sid>"
  csrf: string;
}

export async function signIn(t: TestApp, email: string, password = PASSWORD): Promise<StaffSession> {
  const res = await postSignIn(t, await signInForm(t), { email, password });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  const sid = cookieValue(res, DASHBOARD_COOKIE);
  if (!sid) throw new Error('sign-in set no session cookie');
  const cookie = `${DASHBOARD_COOKIE}=${sid}`;
  const home = await t.http().get('/dashboard/customers').set('cookie', cookie);
  return { cookie, csrf: res.headers.location === '/dashboard/password' ? '' : hiddenCsrf(home.text) };
}

export function get(t: TestApp, s: StaffSession, path: string) {
  return t.http().get(path).set('cookie', s.cookie);
}

export function post(t: TestApp, s: StaffSession, path: string, form: Record<string, string | string[]> = {}, headers: Record<string, string> = {}) {
  return t
    .http()
    .post(path)
    .set('cookie', s.cookie)
    .set(headers)
    .type('form')
    .send({ _csrf: s.csrf, ...form });
}

// A merchant with something on every dashboard page: plans, customers in several states, paid
// invoices over the last days (the revenue chart), matched, unmatched and reversed payments, a
// chain cursor, and an owner who can sign in.
export const PAY_TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
export const HEAD = 1_000;

export interface Shop {
  merchant: PortalMerchant;
  owner: { id: string; email: string };
  ada: PortalCustomer;
  grace: PortalCustomer;
  linus: PortalCustomer;
  unmatchedPaymentId: string;
  reversedPaymentId: string;
  matchedPaymentId: string;
  wallet: string;
}

export async function insertPayment(
  t: TestApp,
  p: { merchantId: string; amount: string; state: PaymentState; invoiceId?: string | null; customerId?: string | null; from?: string; block?: number; at?: Date; token?: string; to?: string; livemode?: boolean },
): Promise<string> {
  return (await createPayment(t, { ...p, block: p.block ?? HEAD - 5 })).id;
}

export function markPaid(t: TestApp, invoiceId: string, daysAgo: number): Promise<void> {
  return markInvoicePaid(t, invoiceId, new Date(t.clock.now().getTime() - daysAgo * 86_400_000));
}

export async function setCursor(t: TestApp, options: { head?: number; latest?: number; secondsAgo?: number; halted?: string | null } = {}): Promise<void> {
  const head = options.head ?? HEAD;
  await t.app.get(DataSource).query(
    `INSERT INTO chain_cursor (chain_id, head_number, head_hash, head_timestamp, latest_head_number, halted_at, halt_reason) VALUES (31337, $1, $2, $3, $4, $5, $6)
     ON CONFLICT (chain_id) DO UPDATE SET head_number = EXCLUDED.head_number, head_hash = EXCLUDED.head_hash, head_timestamp = EXCLUDED.head_timestamp,
       latest_head_number = EXCLUDED.latest_head_number, halted_at = EXCLUDED.halted_at, halt_reason = EXCLUDED.halt_reason`,
    [head, randomHex(32), new Date(t.clock.now().getTime() - (options.secondsAgo ?? 14) * 1000), options.latest ?? head + 2, options.halted ? t.clock.now() : null, options.halted ?? null],
  );
}

export async function seedShop(t: TestApp, options: { name?: string; ownerEmail?: string } = {}): Promise<Shop> {
  const merchant = await createPortalMerchant(t, {
    name: options.name ?? 'Acme Cloud',
    planName: 'Pro',
    amount: '25000000',
    patch: { returnUrlPrefixes: ['https://app.acme.example/'], branding: { supportEmail: 'billing@acme.example' } },
  });
  const team = await createPlan(merchant, 'Team', '99000000');
  const ada = await createPortalCustomer(merchant, { email: `ada-${merchant.id.slice(-6)}@example.com`, name: 'Ada Lovelace' });
  const grace = await createPortalCustomer(merchant, { email: `grace-${merchant.id.slice(-6)}@example.com`, name: 'Grace Hopper', planId: team });
  const linus = await createPortalCustomer(merchant, { email: `linus-${merchant.id.slice(-6)}@example.com`, name: 'Linus' });
  const extra = [];
  for (const name of ['Barbara', 'Edsger', 'Margaret']) extra.push(await createPortalCustomer(merchant, { email: `${name.toLowerCase()}-${merchant.id.slice(-6)}@example.com`, name }));
  const ds = t.app.get(DataSource);
  await markPaid(t, grace.invoiceId, 3);
  await markPaid(t, linus.invoiceId, 10);
  await markPaid(t, extra[0].invoiceId, 3);
  await markPaid(t, extra[1].invoiceId, 21);
  await ds.query(`UPDATE subscription SET status = 'active' WHERE id = ANY($1)`, [[grace.subscriptionId, linus.subscriptionId, extra[0].subscriptionId]]);
  await ds.query(`UPDATE subscription SET status = 'past_due' WHERE id = $1`, [extra[1].subscriptionId]);
  await ds.query(`UPDATE subscription SET status = 'canceled', ended_at = now() WHERE id = $1`, [extra[2].subscriptionId]);
  const [{ token }] = (await ds.query(`SELECT token FROM invoice WHERE id = $1`, [ada.invoiceId])) as { token: string }[];
  const wallet = '0x1111111111111111111111111111111111111111';
  const matchedPaymentId = await insertPayment(t, { merchantId: merchant.id, amount: grace.amountDue, state: 'final', invoiceId: grace.invoiceId, customerId: grace.id, from: wallet, token, block: HEAD - 40 });
  const unmatchedPaymentId = await insertPayment(t, { merchantId: merchant.id, amount: ada.amountDue, state: 'confirmed', token, block: HEAD - 1 });
  const reversedPaymentId = await insertPayment(t, { merchantId: merchant.id, amount: '5000000', state: 'orphaned', token, block: HEAD - 3 });
  await setCursor(t);
  const owner = await createStaff(t, merchant.id, { email: options.ownerEmail, role: 'owner' });
  return { merchant, owner, ada, grace, linus, unmatchedPaymentId, reversedPaymentId, matchedPaymentId, wallet };
}
