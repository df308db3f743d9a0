import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { encodeFunctionData, erc20Abi } from 'viem';
import { createTestApp, type TestApp } from '../app';
import { CLAIM_QUEUE, claimJobId } from '../../src/reconciliation/reconciliation.jobs';
import { MAX_PENDING_CLAIMS } from '../../src/portal-pay/portal-pay.service';
import {
  createPortalCustomer,
  createPortalMerchant,
  csrfFrom,
  db,
  ETH,
  openPortal,
  RECEIVING_ADDRESS,
  suiteEnv,
  type PortalCustomer,
  type PortalMerchant,
} from '../support/portal';

// Items 7 and 8 of issue 4: the "Pay with wallet" data on the invoice page, "I paid from an
// exchange" claims, and the invoice PDF.

const USDC_TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

function txHash(): string {
  return `0x${randomBytes(32).toString('hex')}`;
}

// Text drawn by pdfkit with the standard fonts: hex strings inside TJ arrays (WinAnsi, so ASCII
// reads back as is); kerning splits a line into several strings.
function pdfText(body: Buffer): string {
  const raw = body.toString('latin1');
  return [...raw.matchAll(/\[((?:<[0-9a-fA-F]*>|[-\d.\s])*)\]\s*TJ/g)]
    .map((m) => [...m[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join(''))
    .join('\n');
}

function attr(html: string, name: string): string | null {
  const match = new RegExp(`${name}="([^"]*)"`).exec(html);
  return match ? match[1] : null;
}

describe('paying from the portal (issue 4, items 7 and 8)', () => {
  let t: TestApp;
  let m: PortalMerchant;
  let c: PortalCustomer;

  const get = (cookie: string, path: string) => t.http().get(path).set('cookie', cookie);
  const post = (cookie: string, path: string, form: Record<string, string>) => t.http().post(path).set('cookie', cookie).type('form').send(form);

  async function invoicePage(cookie: string, invoiceId: string) {
    const res = await get(cookie, `/portal/invoices/${invoiceId}`);
    expect(res.status).toBe(200);
    return res;
  }

  async function claimRows(invoiceId: string) {
    return db(t).query(`SELECT status, tx_hash, customer_id, created_by FROM payment_claim WHERE invoice_id = $1 ORDER BY created_at`, [invoiceId]);
  }

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('portal-pay') });
    m = await createPortalMerchant(t, { name: 'Pay Shop' });
    c = await createPortalCustomer(m, {
      email: 'grace@example.com',
      name: 'Grace',
      billingProfile: { legalName: 'Grace Hopper', company: 'Navy Labs', taxId: 'US-123', address: { line1: '1 Harbor Road', city: 'Arlington', postalCode: '22201', country: 'US' } },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  describe('pay with wallet (7a)', () => {
    it('renders the exact remaining amount, address, token and chain for the wallet script', async () => {
      const s = await openPortal(t, m, c.id);
      const res = await invoicePage(s.cookie, c.invoiceId);
      expect(res.text).toContain('id="wallet-pay-button"');
      expect(attr(res.text, 'data-amount')).toBe(c.amountDue);
      expect(attr(res.text, 'data-pay-to')).toBe(m.receivingAddress);
      expect(attr(res.text, 'data-token')).toBe(USDC_TOKEN);
      expect(attr(res.text, 'data-chain-id')).toBe('31337');
      expect(attr(res.text, 'data-chain-id-hex')).toBe('0x7a69');
      expect(res.text).toMatch(/<script nonce="[^"]+" src="\/assets\/pay-wallet.js"><\/script>/);
      expect(res.text).not.toMatch(/<script(?![^>]*src=)[^>]*>/);
    });

    it('offers the remainder after a partial payment, and nothing once paid', async () => {
      const partial = await createPortalCustomer(m, { email: 'part@example.com' });
      const due = BigInt(partial.amountDue);
      await db(t).query(`UPDATE invoice SET status = 'partially_paid', amount_received = $2 WHERE id = $1`, [partial.invoiceId, (due - 1_234_567n).toString()]);
      const s = await openPortal(t, m, partial.id);
      expect(attr((await invoicePage(s.cookie, partial.invoiceId)).text, 'data-amount')).toBe('1234567');

      await db(t).query(`UPDATE invoice SET status = 'paid', amount_received = amount_due, amount_confirmed = amount_due WHERE id = $1`, [partial.invoiceId]);
      const paid = await invoicePage(s.cookie, partial.invoiceId);
      expect(paid.text).not.toContain('wallet-pay');
      expect(paid.text).not.toContain('name="txHash"');
    });

    it('for a native-asset invoice the script gets token "native" and the amount in wei', async () => {
      const plan = await m.client.post('/api/v1/plans', { name: 'ETH monthly', interval: { unit: 'month', count: 1 }, prices: [{ assetId: ETH, amount: '1500000000000000000' }] });
      expect(plan.status).toBe(201);
      const eth = await createPortalCustomer(m, { email: 'eth@example.com', planId: plan.body.id });
      const s = await openPortal(t, m, eth.id);
      const res = await invoicePage(s.cookie, eth.invoiceId);
      expect(attr(res.text, 'data-token')).toBe('native');
      expect(attr(res.text, 'data-amount')).toBe(eth.amountDue);
      expect(BigInt(eth.amountDue)).toBeGreaterThan(1_500_000_000_000_000_000n);
    });

    it('the calldata the script builds equals viem’s encoding of transfer(payTo, amount)', async () => {
      // The script's construction, checked against an independent encoder for edge values.
      const build = (to: string, amount: bigint) => `0xa9059cbb${to.slice(2).toLowerCase().padStart(64, '0')}${amount.toString(16).padStart(64, '0')}`;
      for (const amount of [1n, 10_000_123n, 2n ** 255n + 7n, 2n ** 256n - 1n]) {
        expect(build(RECEIVING_ADDRESS, amount)).toBe(encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [RECEIVING_ADDRESS, amount] }));
      }
    });
  });

  describe('I paid from an exchange (7b)', () => {
    it('queues a pending claim for verification, audited as the customer portal, and lists it on the invoice', async () => {
      const s = await openPortal(t, m, c.id);
      const csrf = csrfFrom((await invoicePage(s.cookie, c.invoiceId)).text);
      const hash = txHash();
      const res = await post(s.cookie, `/portal/invoices/${c.invoiceId}/claims`, { _csrf: csrf, txHash: `  ${hash.toUpperCase().replace('0X', '0x')}\n` });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/portal/invoices/${c.invoiceId}?done=claim-submitted#claims`);

      expect(await claimRows(c.invoiceId)).toEqual([{ status: 'pending', tx_hash: hash, customer_id: c.id, created_by: 'customer_portal' }]);
      const queue = t.app.get<Queue>(getQueueToken(CLAIM_QUEUE));
      const [{ id: claimId }] = await db(t).query(`SELECT id FROM payment_claim WHERE invoice_id = $1`, [c.invoiceId]);
      const job = await queue.getJob(claimJobId(claimId));
      expect(job?.data).toEqual({ claimId: expect.stringMatching(/^clm_/) });
      expect(job?.data.claimId).toBe(claimId);
      const audits = await db(t).query(`SELECT actor_type, actor_id, action FROM audit_event WHERE merchant_id = $1 AND action = 'payment_claim.create'`, [m.id]);
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({ actor_type: 'portal_session', action: 'payment_claim.create' });
      expect(audits[0].actor_id).toHaveLength(16);

      const page = await get(s.cookie, res.headers.location.replace('#claims', ''));
      expect(page.text).toContain('your transaction hash was received');
      expect(page.text).toContain(`title="${hash}"`);
      expect(page.text).toContain('Pending verification');
    });

    it('shows verified and rejected claims with the reason', async () => {
      const other = await createPortalCustomer(m, { email: 'status@example.com' });
      const s = await openPortal(t, m, other.id);
      const csrf = csrfFrom((await invoicePage(s.cookie, other.invoiceId)).text);
      const rejected = txHash();
      expect((await post(s.cookie, `/portal/invoices/${other.invoiceId}/claims`, { _csrf: csrf, txHash: rejected })).status).toBe(303);
      await db(t).query(`UPDATE payment_claim SET status = 'rejected', reason = 'no transfer to this invoice''s address in that transaction', resolved_at = now() WHERE tx_hash = $1`, [rejected]);
      const verified = txHash();
      expect((await post(s.cookie, `/portal/invoices/${other.invoiceId}/claims`, { _csrf: csrf, txHash: verified })).status).toBe(303);
      await db(t).query(`UPDATE payment_claim SET status = 'verified', resolved_at = now() WHERE tx_hash = $1`, [verified]);
      const page = (await invoicePage(s.cookie, other.invoiceId)).text;
      expect(page).toContain('Rejected');
      expect(page).toContain('no transfer to this invoice&#x27;s address in that transaction');
      expect(page).toContain('Verified');
      // Another customer's claims never show up here.
      expect((await invoicePage(s.cookie, other.invoiceId)).text).not.toContain('Pending verification');
    });

    it('refuses a malformed hash with a 400 page that says what a hash looks like', async () => {
      const s = await openPortal(t, m, c.id);
      const csrf = csrfFrom((await invoicePage(s.cookie, c.invoiceId)).text);
      const before = (await claimRows(c.invoiceId)).length;
      for (const bad of ['0x1234', `${txHash()}00`, `0x${'g'.repeat(64)}`, '', 'hello']) {
        const res = await post(s.cookie, `/portal/invoices/${c.invoiceId}/claims`, { _csrf: csrf, txHash: bad });
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expect(res.text).toContain('0x followed by 64 hexadecimal characters');
      }
      const extra = await post(s.cookie, `/portal/invoices/${c.invoiceId}/claims`, { _csrf: csrf, txHash: txHash(), invoiceId: 'inv_other' });
      expect(extra.status).toBe(400);
      expect((await claimRows(c.invoiceId)).length).toBe(before);
    });

    it('another customer’s invoice is not found, and nothing is claimed', async () => {
      const stranger = await createPortalCustomer(m, { email: 'stranger@example.com' });
      const s = await openPortal(t, m, c.id);
      const csrf = csrfFrom((await invoicePage(s.cookie, c.invoiceId)).text);
      const res = await post(s.cookie, `/portal/invoices/${stranger.invoiceId}/claims`, { _csrf: csrf, txHash: txHash() });
      expect(res.status).toBe(404);
      expect(await claimRows(stranger.invoiceId)).toEqual([]);
      // Another merchant's invoice too.
      const otherMerchant = await createPortalMerchant(t, { name: 'Elsewhere' });
      const foreign = await createPortalCustomer(otherMerchant);
      expect((await post(s.cookie, `/portal/invoices/${foreign.invoiceId}/claims`, { _csrf: csrf, txHash: txHash() })).status).toBe(404);
      expect(await claimRows(foreign.invoiceId)).toEqual([]);
    });

    it('refuses a missing or wrong CSRF token and a cross-site post (403)', async () => {
      const s = await openPortal(t, m, c.id);
      const csrf = csrfFrom((await invoicePage(s.cookie, c.invoiceId)).text);
      const before = (await claimRows(c.invoiceId)).length;
      expect((await post(s.cookie, `/portal/invoices/${c.invoiceId}/claims`, { txHash: txHash() })).status).toBe(403);
      expect((await post(s.cookie, `/portal/invoices/${c.invoiceId}/claims`, { _csrf: 'wrong', txHash: txHash() })).status).toBe(403);
      const crossSite = await t.http().post(`/portal/invoices/${c.invoiceId}/claims`).set('cookie', s.cookie).set('sec-fetch-site', 'cross-site').type('form').send({ _csrf: csrf, txHash: txHash() });
      expect(crossSite.status).toBe(403);
      expect((await claimRows(c.invoiceId)).length).toBe(before);
    });

    it('a read-only link shows no pay button or claim form, and the POST is refused (403)', async () => {
      const s = await openPortal(t, m, c.id, { scopes: ['read'] });
      const page = (await invoicePage(s.cookie, c.invoiceId)).text;
      expect(page).not.toContain('wallet-pay');
      expect(page).not.toContain('name="txHash"');
      expect(page).not.toContain('pay-wallet.js');
      const before = (await claimRows(c.invoiceId)).length;
      const res = await post(s.cookie, `/portal/invoices/${c.invoiceId}/claims`, { _csrf: csrfFrom(page), txHash: txHash() });
      expect(res.status).toBe(403);
      expect(res.text).toContain('does not allow payments');
      expect((await claimRows(c.invoiceId)).length).toBe(before);
    });

    it('a hash already claimed answers a 409 page; two concurrent submits create one claim', async () => {
      const dup = await createPortalCustomer(m, { email: 'dup@example.com' });
      const s = await openPortal(t, m, dup.id);
      const csrf = csrfFrom((await invoicePage(s.cookie, dup.invoiceId)).text);
      const hash = txHash();
      const results = await Promise.all([0, 1].map(() => post(s.cookie, `/portal/invoices/${dup.invoiceId}/claims`, { _csrf: csrf, txHash: hash })));
      expect(results.map((r) => r.status).sort()).toEqual([303, 409]);
      const again = await post(s.cookie, `/portal/invoices/${dup.invoiceId}/claims`, { _csrf: csrf, txHash: hash });
      expect(again.status).toBe(409);
      expect(again.headers['content-type']).toMatch(/^text\/html/);
      expect(again.text).toContain('already claimed');
      expect(await claimRows(dup.invoiceId)).toHaveLength(1);
    });

    it(`caps unverified claims per invoice at ${MAX_PENDING_CLAIMS}`, async () => {
      const spam = await createPortalCustomer(m, { email: 'spam@example.com' });
      const s = await openPortal(t, m, spam.id);
      const csrf = csrfFrom((await invoicePage(s.cookie, spam.invoiceId)).text);
      for (let i = 0; i < MAX_PENDING_CLAIMS; i++) expect((await post(s.cookie, `/portal/invoices/${spam.invoiceId}/claims`, { _csrf: csrf, txHash: txHash() })).status).toBe(303);
      const over = await post(s.cookie, `/portal/invoices/${spam.invoiceId}/claims`, { _csrf: csrf, txHash: txHash() });
      expect(over.status).toBe(422);
      expect(await claimRows(spam.invoiceId)).toHaveLength(MAX_PENDING_CLAIMS);
    });

    it('a paid invoice takes no claims (422), and GET on the action route is 405', async () => {
      const done = await createPortalCustomer(m, { email: 'done@example.com' });
      await db(t).query(`UPDATE invoice SET status = 'paid', amount_received = amount_due, amount_confirmed = amount_due WHERE id = $1`, [done.invoiceId]);
      const s = await openPortal(t, m, done.id);
      const csrf = csrfFrom((await invoicePage(s.cookie, done.invoiceId)).text);
      expect((await post(s.cookie, `/portal/invoices/${done.invoiceId}/claims`, { _csrf: csrf, txHash: txHash() })).status).toBe(422);
      expect((await get(s.cookie, `/portal/invoices/${done.invoiceId}/claims`)).status).toBe(405);
      expect(await claimRows(done.invoiceId)).toEqual([]);
    });
  });

  describe('invoice PDF (8)', () => {
    it('downloads a PDF with merchant, customer, billing profile, items, amounts, chain and transactions', async () => {
      await db(t).query(`UPDATE merchant SET branding = branding || '{"supportEmail":"billing@payshop.example"}'::jsonb WHERE id = $1`, [m.id]);
      const paymentTx = txHash();
      await db(t).query(
        `INSERT INTO payment (id, merchant_id, livemode, chain_id, tx_hash, log_index, block_hash, block_number, block_timestamp, asset_id, token, from_address, to_address, amount, kind, state, invoice_id, customer_id, matched_by)
         SELECT 'pay_pdf' || substr(md5(random()::text), 1, 12), merchant_id, livemode, chain_id, $2, 0, $3, 10, now(), asset_id, token, '0x000000000000000000000000000000000000dEaD', pay_to, 2500000, 'erc20', 'confirmed', id, customer_id, 'claim' FROM invoice WHERE id = $1`,
        [c.invoiceId, paymentTx, txHash()],
      );
      const s = await openPortal(t, m, c.id);
      const page = (await invoicePage(s.cookie, c.invoiceId)).text;
      expect(page).toContain(`href="/portal/invoices/${c.invoiceId}/pdf"`);

      const res = await get(s.cookie, `/portal/invoices/${c.invoiceId}/pdf`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (chunk: Buffer) => chunks.push(chunk));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${c.invoiceNumber}.pdf"`);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.body as Buffer;
      expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const text = pdfText(body);
      for (const expected of [
        'Pay Shop',
        'billing@payshop.example',
        `Invoice ${c.invoiceNumber}`,
        'Status: Open',
        'Grace Hopper',
        'Navy Labs',
        '1 Harbor Road',
        '22201 Arlington',
        'Tax ID: US-123',
        'grace@example.com',
        'Starter',
        'Amount due',
        'Anvil devnet (chain id 31337)',
        `Receiving address: ${m.receivingAddress}`,
        `Token contract: ${USDC_TOKEN}`,
        paymentTx,
        '2.5 USDC',
        'Confirmed',
      ]) {
        expect(text).toContain(expected);
      }
      const due = BigInt(c.amountDue);
      const whole = (due / 1_000_000n).toString();
      const fraction = (due % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
      expect(text).toContain(`${whole}${fraction ? `.${fraction}` : ''} USDC`);
    });

    it('another customer’s invoice PDF is not found', async () => {
      const stranger = await createPortalCustomer(m, { email: 'pdf-stranger@example.com' });
      const s = await openPortal(t, m, c.id);
      const res = await get(s.cookie, `/portal/invoices/${stranger.invoiceId}/pdf`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    });

    it('is refused, and not linked, when the merchant turns invoice downloads off', async () => {
      const off = await createPortalMerchant(t, { name: 'No PDFs', patch: { portalSettings: { invoiceDownload: false } } });
      const cust = await createPortalCustomer(off);
      const s = await openPortal(t, off, cust.id);
      const page = (await invoicePage(s.cookie, cust.invoiceId)).text;
      expect(page).not.toContain('/pdf"');
      const res = await get(s.cookie, `/portal/invoices/${cust.invoiceId}/pdf`);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toContain('does not offer invoice downloads');
    });

    it('needs a session', async () => {
      expect((await t.http().get(`/portal/invoices/${c.invoiceId}/pdf`)).status).toBe(401);
    });
  });
});
