import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { getAddress } from 'viem';
import { newId } from '../../src/common/ids';
import { CLAIM_REASONS } from '../../src/reconciliation/claim-rules';
import { createTestApp, type TestApp } from '../app';
import { createStaff, get, post, signIn, type StaffSession } from '../support/dashboard';
import { createPortalCustomer, createPortalMerchant, suiteEnv, type PortalCustomer, type PortalMerchant } from '../support/portal';

// The dashboard's claims page against real PostgreSQL and Redis: claims waiting for review are
// listed with their transfer, approved or rejected through ClaimService as the dashboard user, and
// refused decisions come back as messages on the page, never as a 500 or a half-written change.

const hex = (bytes: number) => `0x${randomBytes(bytes).toString('hex')}`;

interface Shop {
  merchant: PortalMerchant;
  owner: { id: string; email: string };
  session: StaffSession;
}

interface ReviewClaim {
  claimId: string;
  paymentId: string;
  invoiceId: string;
  invoiceNumber: string;
  customer: PortalCustomer;
  txHash: string;
  from: string;
}

describe('dashboard claims page', () => {
  let t: TestApp;
  let ds: DataSource;
  let a: Shop;
  let b: Shop;

  const q = <T>(sql: string, params: unknown[] = []): Promise<T[]> => ds.query(sql, params) as Promise<T[]>;
  const claimRow = async (id: string) =>
    (await q<{ status: string; reason: string | null; review_note: string | null; resolved_by: string | null; payment_id: string | null }>(
      `SELECT status, reason, review_note, resolved_by, payment_id FROM payment_claim WHERE id = $1`,
      [id],
    ))[0];
  const paymentRow = async (id: string) =>
    (await q<{ invoice_id: string | null; customer_id: string | null; matched_by: string | null }>(`SELECT invoice_id, customer_id, matched_by FROM payment WHERE id = $1`, [id]))[0];
  const invoiceRow = async (id: string) => (await q<{ status: string; amount_received: string }>(`SELECT status, amount_received::text FROM invoice WHERE id = $1`, [id]))[0];
  const lastAudit = async (action: string, targetId: string) =>
    (await q<{ actor_type: string; actor_id: string }>(`SELECT actor_type, actor_id FROM audit_event WHERE action = $1 AND target_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`, [action, targetId]))[0];
  const awaiting = async (m: PortalMerchant) =>
    Number((await q<{ n: string }>(`SELECT count(*)::text AS n FROM payment_claim WHERE merchant_id = $1 AND NOT livemode AND status = 'needs_review'`, [m.id]))[0].n);

  // A merchant receiving at an address of its own (receiving addresses belong to one merchant).
  async function shop(name: string): Promise<Shop> {
    const merchant = await createPortalMerchant(t, { name, patch: { receivingAddresses: { '31337': getAddress(hex(20)) } } });
    const owner = await createStaff(t, merchant.id, { role: 'owner' });
    return { merchant, owner, session: await signIn(t, owner.email) };
  }

  // What the claim job leaves behind when a claim passes every guard in review mode: the scanner
  // recorded an unmatched, confirmed transfer to the invoice's address, and the claim carries its
  // fields. Written directly, so no chain is needed.
  async function reviewClaim(m: PortalMerchant, options: { customer?: PortalCustomer; amount?: bigint; createdAt?: Date } = {}): Promise<ReviewClaim> {
    const customer = options.customer ?? (await createPortalCustomer(m, { email: `payer-${randomBytes(4).toString('hex')}@example.com`, name: 'Payer' }));
    const [invoice] = await q<{ id: string; number: string; chain_id: number; token: string; asset_id: string; pay_to: string; created_at: Date }>(
      `SELECT id, number, chain_id, token, asset_id, pay_to, created_at FROM invoice WHERE id = $1`,
      [customer.invoiceId],
    );
    const [{ address }] = await q<{ address: string }>(`SELECT receiving_addresses->>'31337' AS address FROM merchant WHERE id = $1`, [m.id]);
    expect(invoice.pay_to.toLowerCase()).toBe(address.toLowerCase());
    const paymentId = newId('pay');
    const claimId = newId('clm');
    const txHash = hex(32);
    const blockHash = hex(32);
    const from = getAddress(hex(20));
    const amount = (options.amount ?? 7_000_000n).toString();
    const blockTime = new Date(invoice.created_at.getTime() + 60_000);
    await q(
      `INSERT INTO payment (id, merchant_id, livemode, chain_id, tx_hash, log_index, block_hash, block_number, block_timestamp, asset_id, token, from_address, to_address, amount, kind, state)
       VALUES ($1, $2, false, $3, $4, 0, $5, 990, $6, $7, $8, $9, $10, $11, 'erc20', 'confirmed')`,
      [paymentId, m.id, invoice.chain_id, txHash, blockHash, blockTime, invoice.asset_id, invoice.token, from, invoice.pay_to, amount],
    );
    await q(
      `INSERT INTO payment_claim (id, merchant_id, livemode, invoice_id, customer_id, chain_id, tx_hash, status, reason, from_address, amount, block_number, block_timestamp, log_index, block_hash, created_by, created_at)
       VALUES ($1, $2, false, $3, $4, $5, $6, 'needs_review', $7, $8, $9, 990, $10, 0, $11, 'customer_portal', $12)`,
      [claimId, m.id, invoice.id, customer.id, invoice.chain_id, txHash, CLAIM_REASONS.review, from, amount, blockTime, blockHash, options.createdAt ?? new Date()],
    );
    return { claimId, paymentId, invoiceId: invoice.id, invoiceNumber: invoice.number, customer, txHash, from };
  }

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('dashboard-claims') });
    ds = t.app.get(DataSource);
    [a, b] = [await shop('Claims Shop A'), await shop('Claims Shop B')];
  }, 60_000);

  afterAll(async () => {
    await t.close();
  });

  it('lists a claim waiting for review with its transfer, invoice, customer and reason, and counts it in the navigation', async () => {
    const claim = await reviewClaim(a.merchant);
    const res = await get(t, a.session, '/dashboard/claims');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const text of [
      `id="${claim.claimId}"`,
      '7 USDC',
      `title="${claim.from}"`,
      `title="${claim.txHash}"`,
      `<a href="/dashboard/customers/${claim.customer.id}">${claim.invoiceNumber}</a>`,
      claim.customer.id,
      CLAIM_REASONS.review,
      `action="/dashboard/claims/${claim.claimId}/approve"`,
      `action="/dashboard/claims/${claim.claimId}/reject"`,
    ]) {
      expect(res.text).toContain(text);
    }
    const count = await awaiting(a.merchant);
    expect(res.text).toContain(`Needs review (${count})`);
    // The badge is on every signed-in page, not only this one.
    const badge = `<span class="badge badge-warning nav-count">${count}<span class="visually-hidden"> waiting for review</span></span>`;
    expect(res.text).toContain(badge);
    for (const path of ['/dashboard/customers', '/dashboard/password']) expect((await get(t, a.session, path)).text).toContain(badge);
    // Claims is its own section: current in the navigation, and the mode switch comes back to it.
    expect(res.text).toContain('<a href="/dashboard/claims" aria-current="page">Claims');
    expect(res.text).not.toContain('<a href="/dashboard/payments" aria-current="page">');
    expect(res.text).toContain('<input type="hidden" name="back" value="/dashboard/claims">');
    const switched = await post(t, a.session, '/dashboard/mode', { mode: 'test', back: '/dashboard/claims' });
    expect(switched.status).toBe(303);
    expect(switched.headers.location).toBe('/dashboard/claims');
    expect((await get(t, a.session, '/dashboard/claims?status=verified')).text).not.toContain(claim.claimId);
    expect((await get(t, a.session, '/dashboard/claims?status=all')).text).toContain(claim.claimId);
  });

  it('approves a claim: the transfer pays the invoice, and the audit rows name the dashboard user', async () => {
    const claim = await reviewClaim(a.merchant);
    const res = await post(t, a.session, `/dashboard/claims/${claim.claimId}/approve`, { status: 'needs_review', page: '1', note: 'Matches the exchange receipt' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard/claims?status=needs_review&notice=claim-approved');
    expect(await claimRow(claim.claimId)).toEqual({ status: 'verified', reason: null, review_note: 'Matches the exchange receipt', resolved_by: 'dashboard', payment_id: claim.paymentId });
    expect(await paymentRow(claim.paymentId)).toEqual({ invoice_id: claim.invoiceId, customer_id: claim.customer.id, matched_by: 'claim' });
    expect(await invoiceRow(claim.invoiceId)).toEqual({ status: 'partially_paid', amount_received: '7000000' });
    expect(await lastAudit('payment_claim.verified', claim.claimId)).toEqual({ actor_type: 'dashboard', actor_id: a.owner.id });
    expect(await lastAudit('payment.claim', claim.paymentId)).toEqual({ actor_type: 'dashboard', actor_id: a.owner.id });

    const after = await get(t, a.session, res.headers.location);
    expect(after.text).toContain('The claim was approved');
    expect(after.text).not.toContain(`id="${claim.claimId}"`);
    const verified = await get(t, a.session, '/dashboard/claims?status=verified');
    expect(verified.text).toContain(`id="${claim.claimId}"`);
    expect(verified.text).toContain('Note: Matches the exchange receipt');
    const activity = await get(t, a.session, `/dashboard/customers/${claim.customer.id}`);
    expect(activity.text).toContain('Payment claim verified');
    expect(activity.text).toContain(`Dashboard: ${a.owner.email}`);
  });

  it('rejects a claim with the reason the customer will read', async () => {
    const claim = await reviewClaim(a.merchant);
    const res = await post(t, a.session, `/dashboard/claims/${claim.claimId}/reject`, { status: 'all', page: '1', reason: '  No such transfer in our exchange records <b>  ' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard/claims?status=all&notice=claim-rejected');
    expect(await claimRow(claim.claimId)).toMatchObject({ status: 'rejected', reason: 'No such transfer in our exchange records <b>', resolved_by: 'dashboard', payment_id: null });
    expect(await paymentRow(claim.paymentId)).toEqual({ invoice_id: null, customer_id: null, matched_by: null });
    expect(await lastAudit('payment_claim.rejected', claim.claimId)).toEqual({ actor_type: 'dashboard', actor_id: a.owner.id });
    const page = await get(t, a.session, '/dashboard/claims?status=rejected');
    expect(page.text).toContain('No such transfer in our exchange records &lt;b&gt;');
  });

  it.each([
    ['no reason', undefined],
    ['an empty reason', ''],
    ['a blank reason', '   '],
    ['a reason over 500 characters', 'x'.repeat(501)],
  ])('refuses a rejection with %s on the page, changing nothing', async (_name, reason) => {
    const claim = await reviewClaim(a.merchant);
    const res = await post(t, a.session, `/dashboard/claims/${claim.claimId}/reject`, { status: 'needs_review', page: '1', ...(reason === undefined ? {} : { reason }) });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('The claim was not rejected: a reason is required.');
    expect(res.text).toContain(`<p class="field-error" id="reason-${claim.claimId}-error">`);
    expect(await claimRow(claim.claimId)).toEqual({ status: 'needs_review', reason: CLAIM_REASONS.review, review_note: null, resolved_by: null, payment_id: null });
    expect(await lastAudit('payment_claim.rejected', claim.claimId)).toBeUndefined();
  });

  it('shows why an already decided claim cannot be approved or rejected, without a 500', async () => {
    const claim = await reviewClaim(a.merchant);
    expect((await post(t, a.session, `/dashboard/claims/${claim.claimId}/reject`, { reason: 'Duplicate' })).status).toBe(303);
    for (const [action, done, form] of [['approve', 'approved', {}], ['reject', 'rejected', { reason: 'Again' }]] as const) {
      const res = await post(t, a.session, `/dashboard/claims/${claim.claimId}/${action}`, form);
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain(`Payment claim ${claim.claimId} is rejected; only a claim waiting for review can be ${done}`);
      expect(res.text).toContain('<h1 class="page-title">Claims</h1>');
    }
    expect(await claimRow(claim.claimId)).toMatchObject({ status: 'rejected', reason: 'Duplicate' });
  });

  it('refuses to approve a claim whose transfer paid another invoice meanwhile, and leaves it waiting', async () => {
    const claim = await reviewClaim(a.merchant);
    const other = await createPortalCustomer(a.merchant, { email: `other-${randomBytes(4).toString('hex')}@example.com` });
    await q(`UPDATE payment SET invoice_id = $2, customer_id = $3, matched_by = 'manual' WHERE id = $1`, [claim.paymentId, other.invoiceId, other.id]);
    const res = await post(t, a.session, `/dashboard/claims/${claim.claimId}/approve`, { note: 'Looks right' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`can no longer be approved: ${CLAIM_REASONS.alreadyMatched}`);
    // The refused form keeps what was typed.
    expect(res.text).toContain('value="Looks right"');
    expect(await claimRow(claim.claimId)).toMatchObject({ status: 'needs_review', review_note: null });
    expect(await paymentRow(claim.paymentId)).toMatchObject({ invoice_id: other.invoiceId, matched_by: 'manual' });
    expect(await invoiceRow(claim.invoiceId)).toMatchObject({ amount_received: '0' });
  });

  describe("another merchant's claim", () => {
    let claim: ReviewClaim;

    beforeAll(async () => {
      claim = await reviewClaim(a.merchant);
    });

    it.each([
      ['approve', 'approve', { note: 'mine now' }],
      ['reject', 'reject', { reason: 'mine now' }],
      ['reject without a reason', 'reject', {}],
    ] as const)('%s answers 404 and changes nothing', async (_name, action, form) => {
      const res = await post(t, b.session, `/dashboard/claims/${claim.claimId}/${action}`, form);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).not.toContain('Claims Shop A');
      expect(await claimRow(claim.claimId)).toMatchObject({ status: 'needs_review', resolved_by: null });
      expect(await paymentRow(claim.paymentId)).toMatchObject({ invoice_id: null });
    });

    it("is not listed on the other merchant's page", async () => {
      for (const status of ['needs_review', 'all']) {
        const res = await get(t, b.session, `/dashboard/claims?status=${status}`);
        expect(res.status).toBe(200);
        expect(res.text).not.toContain(claim.claimId);
        expect(res.text).not.toContain(claim.txHash);
        expect(res.text).not.toContain('Claims Shop A');
      }
    });

    it('is not in live mode either: listed nowhere, and refused there', async () => {
      const live = await signIn(t, a.owner.email);
      expect((await post(t, live, '/dashboard/mode', { mode: 'live' })).status).toBe(303);
      const res = await get(t, live, '/dashboard/claims?status=all');
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(claim.claimId);
      expect((await post(t, live, `/dashboard/claims/${claim.claimId}/approve`, {})).status).toBe(403);
      expect(await claimRow(claim.claimId)).toMatchObject({ status: 'needs_review' });
    });
  });

  it.each([
    ['a missing CSRF token', { _csrf: '' }],
    ['a wrong CSRF token', { _csrf: 'A'.repeat(43) }],
  ])('refuses a decision with %s with 403 and changes nothing', async (_name, token) => {
    const claim = await reviewClaim(a.merchant);
    for (const [action, form] of [['approve', {}], ['reject', { reason: 'Not ours' }]] as const) {
      const res = await t
        .http()
        .post(`/dashboard/claims/${claim.claimId}/${action}`)
        .set('cookie', a.session.cookie)
        .type('form')
        .send({ ...form, ...(token._csrf ? token : {}) });
      expect(res.status).toBe(403);
      expect(res.text).toContain('That action was refused');
    }
    expect(await claimRow(claim.claimId)).toMatchObject({ status: 'needs_review', resolved_by: null });
  });

  it('pages through claims newest first, 25 at a time', async () => {
    const c = await shop('Claims Shop C');
    const customer = await createPortalCustomer(c.merchant, { email: 'many@example.com' });
    const base = Date.now() - 3_600_000;
    const ids: string[] = [];
    for (let n = 0; n < 27; n += 1) ids.push((await reviewClaim(c.merchant, { customer, amount: BigInt(1_000_000 + n), createdAt: new Date(base + n * 1000) })).claimId);
    const first = await get(t, c.session, '/dashboard/claims');
    expect(first.text).toContain('Needs review (27)');
    expect(first.text).toContain('Page 1 of 2');
    expect(first.text).toContain('rel="next"');
    const newestFirst = [...ids].reverse();
    const shown = (html: string) => newestFirst.filter((id) => html.includes(`id="${id}"`));
    expect(shown(first.text)).toEqual(newestFirst.slice(0, 25));
    expect(first.text.indexOf(newestFirst[0])).toBeLessThan(first.text.indexOf(newestFirst[1]));
    const second = await get(t, c.session, '/dashboard/claims?status=needs_review&page=2');
    expect(shown(second.text)).toEqual(newestFirst.slice(25));
  });

  it('refuses an unknown tab with a 400 page', async () => {
    const res = await get(t, a.session, '/dashboard/claims?status=everything');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });
});
