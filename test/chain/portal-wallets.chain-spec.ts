import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { parseSiweMessage } from 'viem/siwe';
import { DEVNET_TOKEN_ADDRESS } from '../../src/config/chains';
import { devAccount, fundAccount, payInvoice } from '../support/anvil';
import { chainTestbed, type ChainTestbed } from '../support/chain-app';
import { createPortalCustomer, createPortalMerchant, csrfFrom, openPortal, type PortalMerchant } from '../support/portal';
import { DEV_WALLETS } from '../support/wallets';
import type { TestApp } from '../app';

// Section C4 of the security requirements (E1–E8, E11, E12) against a real anvil: viem verifies
// through the chain's RPC (the ERC-6492 validator call; E9/E10 with a mocked client live in
// src/wallets/siwe.service.spec.ts), and linking records the chain's current block.

const { carol, dave, erin } = DEV_WALLETS;
const MIN = 60_000;

interface Signed {
  cookie: string;
  csrf: string;
}

interface Challenge {
  id: string;
  message: string;
}

describe('portal wallet linking with Sign-In with Ethereum (C4)', () => {
  let bed: ChainTestbed;
  let t: TestApp;
  let m: PortalMerchant;

  beforeAll(async () => {
    bed = await chainTestbed();
    t = bed.t;
    m = await createPortalMerchant(t, { name: 'Acme Cloud' });
    expect(await devAccount(bed.chain.url, 2)).toBe(carol.address);
    expect(await devAccount(bed.chain.url, 3)).toBe(dave.address);
  });

  afterAll(async () => {
    await bed.close();
  });

  // Each test starts with no active bindings (the dev accounts are shared across tests).
  afterEach(async () => {
    await bed.ds.query(`UPDATE payer_wallet SET unlinked_at = now() WHERE unlinked_at IS NULL`);
  });

  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => bed.ds.query(sql, params);

  async function signIn(merchant: PortalMerchant, customerId: string, body: Record<string, unknown> = {}): Promise<Signed> {
    const s = await openPortal(t, merchant, customerId, body);
    const page = await t.http().get('/portal/wallets').set('cookie', s.cookie);
    expect(page.status).toBe(200);
    return { cookie: s.cookie, csrf: csrfFrom(page.text) };
  }

  const post = (s: Signed, path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    t.http().post(path).set('cookie', s.cookie).set(headers).type('form').send({ _csrf: s.csrf, ...form });

  async function challenge(s: Signed, address: string, chainId = 31337): Promise<Challenge> {
    const res = await post(s, '/portal/wallets/challenge', { chainId: String(chainId), address });
    expect(res.status).toBe(303);
    const location = res.headers.location as string;
    expect(location).toMatch(/^\/portal\/wallets\?challenge=siwe_[0-9A-Za-z]{22}$/);
    const id = location.split('=')[1];
    const page = await t.http().get(location).set('cookie', s.cookie);
    expect(page.status).toBe(200);
    const shown = unescapeHtml(/<pre class="siwe-message" id="siwe-message"[^>]*>([\s\S]*?)<\/pre>/.exec(page.text)![1]);
    const [row] = await q<{ message: string }>(`SELECT message FROM siwe_challenge WHERE id = $1`, [id]);
    // The page shows exactly the stored message.
    expect(shown).toBe(row.message);
    return { id, message: shown };
  }

  const verify = (s: Signed, c: Challenge, signature: string, message = c.message, headers: Record<string, string> = {}) =>
    post(s, '/portal/wallets/verify', { challengeId: c.id, message, signature }, headers);

  async function link(s: Signed, account: PrivateKeyAccount, address: string = account.address) {
    const c = await challenge(s, address);
    return verify(s, c, await account.signMessage({ message: c.message }));
  }

  const activeWallets = (customerId: string) =>
    q<{ id: string; address: string; verified_block: string; unlinked_at: Date | null }>(`SELECT id, address, verified_block, unlinked_at FROM payer_wallet WHERE customer_id = $1 ORDER BY created_at`, [customerId]);
  const events = (customerId: string) =>
    q<{ type: string; data: { object: Record<string, unknown>; initiated_by: string } }>(
      `SELECT type, data FROM outbox_event WHERE type LIKE 'customer.wallet%' AND data->'object'->>'customerId' = $1 ORDER BY created_at`,
      [customerId],
    );
  const audits = (customerId: string) => q<{ action: string; actor_type: string }>(`SELECT action, actor_type FROM audit_event WHERE customer_id = $1 AND action LIKE 'wallet.%' ORDER BY created_at`, [customerId]);

  it('links a wallet: challenge → sign the exact message → verify (E1)', async () => {
    const c = await createPortalCustomer(m, { email: 'e1@example.com' });
    const s = await signIn(m, c.id);
    const empty = await t.http().get('/portal/wallets').set('cookie', s.cookie);
    expect(empty.text).toContain('No wallets linked yet.');
    expect(empty.text).toContain('action="/portal/wallets/challenge"');
    expect(empty.text).toMatch(/<script nonce="[^"]+" src="\/assets\/wallet-link.js"><\/script>/);

    const ch = await challenge(s, carol.address);
    const parsed = parseSiweMessage(ch.message);
    expect(parsed).toMatchObject({ domain: 'billing.test', scheme: 'https', uri: 'https://billing.test/portal/wallets', chainId: 31337, address: carol.address, version: '1' });
    expect(parsed.statement).toContain('Acme Cloud');
    expect(parsed.statement).toContain('billing profile');
    expect(parsed.expirationTime!.getTime() - parsed.issuedAt!.getTime()).toBe(10 * MIN);
    expect(parsed.issuedAt!.toISOString()).toBe(t.clock.now().toISOString());

    const head = await bed.chain.publicClient.getBlockNumber();
    const res = await verify(s, ch, await carol.signMessage({ message: ch.message }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/portal/wallets?done=linked');
    const wallets = await activeWallets(c.id);
    expect(wallets).toHaveLength(1);
    expect(wallets[0]).toMatchObject({ address: carol.address, unlinked_at: null });
    expect(BigInt(wallets[0].verified_block)).toBeGreaterThanOrEqual(head);
    expect(await audits(c.id)).toEqual([{ action: 'wallet.link', actor_type: 'portal_session' }]);
    const evts = await events(c.id);
    expect(evts).toHaveLength(1);
    expect(evts[0]).toMatchObject({ type: 'customer.wallet_linked', data: { initiated_by: 'customer_portal', object: { id: wallets[0].id, object: 'wallet', address: carol.address, chainId: 31337 } } });
    // The challenge is gone.
    expect(await q(`SELECT 1 FROM siwe_challenge WHERE id = $1`, [ch.id])).toHaveLength(0);

    const page = await t.http().get('/portal/wallets?done=linked').set('cookie', s.cookie);
    expect(page.text).toContain(carol.address);
    expect(page.text).toContain('Wallet linked.');
    expect(page.text).toContain(`action="/portal/wallets/${wallets[0].id}/unlink"`);
  });

  it('rejects a replay of the same message and signature (E2)', async () => {
    const c = await createPortalCustomer(m, { email: 'e2@example.com' });
    const s = await signIn(m, c.id);
    const ch = await challenge(s, carol.address);
    const signature = await carol.signMessage({ message: ch.message });
    // First attempt fails (wrong message), which still consumes the nonce.
    expect((await verify(s, ch, signature, ch.message + ' ')).status).toBe(422);
    expect((await verify(s, ch, signature)).status).toBe(422);
    expect(await activeWallets(c.id)).toHaveLength(0);

    const other = await createPortalCustomer(m, { email: 'e2b@example.com' });
    const s2 = await signIn(m, other.id);
    const ch2 = await challenge(s2, erin.address);
    const sig2 = await erin.signMessage({ message: ch2.message });
    expect((await verify(s2, ch2, sig2)).status).toBe(303);
    const replay = await verify(s2, ch2, sig2);
    expect(replay.status).toBe(422);
    expect(replay.text).toContain('expired or was already used');
    expect(await events(other.id)).toHaveLength(1);
  });

  it('rejects a challenge issued to another session, customer or merchant (E3)', async () => {
    const c = await createPortalCustomer(m, { email: 'e3@example.com' });
    const owner = await signIn(m, c.id);
    const sameCustomerOtherSession = await signIn(m, c.id);
    const otherCustomer = await signIn(m, (await createPortalCustomer(m, { email: 'e3b@example.com' })).id);
    const m2 = await createPortalMerchant(t, { name: 'Other Co' });
    const otherMerchant = await signIn(m2, (await createPortalCustomer(m2, { email: 'e3c@example.com' })).id);

    const ch = await challenge(owner, dave.address);
    const signature = await dave.signMessage({ message: ch.message });
    for (const s of [sameCustomerOtherSession, otherCustomer, otherMerchant]) {
      const res = await verify(s, ch, signature);
      expect(res.status).toBe(422);
      // Another session cannot even see it.
      const page = await t.http().get(`/portal/wallets?challenge=${ch.id}`).set('cookie', s.cookie);
      expect(page.text).not.toContain(ch.message.split('\n')[0] + '\n');
      expect(page.text).toContain('expired or was already used');
    }
    // Scoped to the two merchants here: other suites on this worker's database bind dev accounts too.
    expect(await q(`SELECT 1 FROM payer_wallet WHERE address = $1 AND merchant_id IN ($2, $3)`, [dave.address, m.id, m2.id])).toHaveLength(0);
    // Their attempts did not consume the owner's challenge.
    expect((await verify(owner, ch, signature)).status).toBe(303);
  });

  it('rejects a message with any field altered: the byte-exact check fails first (E4)', async () => {
    const c = await createPortalCustomer(m, { email: 'e4@example.com' });
    const alterations: Array<(text: string) => string> = [
      (x) => x.replace(/^https:\/\/billing\.test/, 'https://evil.com'),
      (x) => x.replace('URI: https://billing.test/portal/wallets', 'URI: https://billing.test/portal/other'),
      (x) => x.replace('https://billing.test', 'http://billing.test'),
      (x) => x.replace('Chain ID: 31337', 'Chain ID: 1'),
      (x) => x.replace(/Expiration Time: .*/, 'Expiration Time: 2000-01-01T00:00:00.000Z'),
      (x) => `${x}\nNot Before: 2999-01-01T00:00:00.000Z`,
      (x) => x.replace(/Issued At: .*/, 'Issued At: 2000-01-01T00:00:00.000Z'),
      (x) => x.replace(carol.address, dave.address),
    ];
    for (const alter of alterations) {
      const s = await signIn(m, c.id);
      const ch = await challenge(s, carol.address);
      const altered = alter(ch.message);
      expect(altered).not.toBe(ch.message);
      const res = await verify(s, ch, await carol.signMessage({ message: altered }), altered);
      expect(res.status).toBe(422);
    }
    expect(await activeWallets(c.id)).toHaveLength(0);
  });

  it('refuses a chain outside the allowlist when issuing', async () => {
    const c = await createPortalCustomer(m, { email: 'e4c@example.com' });
    const s = await signIn(m, c.id);
    for (const chainId of ['1', '8453', '0', 'abc']) {
      const res = await post(s, '/portal/wallets/challenge', { chainId, address: carol.address });
      expect(res.status).toBe(400);
    }
    expect(await q(`SELECT 1 FROM siwe_challenge WHERE customer_id = $1`, [c.id])).toHaveLength(0);
  });

  it('rejects an expired challenge (FakeClock)', async () => {
    const c = await createPortalCustomer(m, { email: 'e4e@example.com' });
    const s = await signIn(m, c.id);
    const ch = await challenge(s, carol.address);
    const signature = await carol.signMessage({ message: ch.message });
    t.clock.advance(10 * MIN + 1);
    try {
      const res = await verify(s, ch, signature);
      expect(res.status).toBe(422);
      expect(res.text).toContain('expired');
    } finally {
      t.clock.advance(-(10 * MIN + 1));
    }
    expect(await activeWallets(c.id)).toHaveLength(0);
  });

  it('rejects a trailing newline, CRLF, extra lines and a 100 kB message, fast (E5)', async () => {
    const c = await createPortalCustomer(m, { email: 'e5@example.com' });
    const s = await signIn(m, c.id);
    const variants: Array<(x: string) => string> = [
      (x) => `${x}\n`,
      (x) => x.replace(/\n/g, '\r\n'),
      (x) => `${x}\nResources:\n- https://evil.com/`,
      (x) => x.replace(/(\n\n)(.*)(\n\n)/, '$1$2\nInjected$3'),
    ];
    for (const variant of variants) {
      const s = await signIn(m, c.id);
      const ch = await challenge(s, carol.address);
      const text = variant(ch.message);
      const res = await verify(s, ch, await carol.signMessage({ message: text }), text);
      expect(res.status).toBe(422);
    }
    const ch = await challenge(s, carol.address);
    const signature = await carol.signMessage({ message: ch.message });
    // 100 kB: past the form body limit (413); 3 kB: past the message bound (400). Neither reaches the verifier.
    for (const [padding, status] of [[100 * 1024, 413], [3 * 1024, 400]] as const) {
      const started = Date.now();
      const res = await verify(s, ch, signature, ch.message + 'x'.repeat(padding));
      expect(res.status).toBe(status);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    expect(await activeWallets(c.id)).toHaveLength(0);
  });

  it('rejects a signature by another key on a message claiming the address (E6)', async () => {
    const c = await createPortalCustomer(m, { email: 'e6@example.com' });
    const s = await signIn(m, c.id);
    const ch = await challenge(s, carol.address);
    const res = await verify(s, ch, await dave.signMessage({ message: ch.message }));
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(await activeWallets(c.id)).toHaveLength(0);
  });

  it('answers malformed signatures with a 4xx page, never a 500 (E7)', async () => {
    const c = await createPortalCustomer(m, { email: 'e7@example.com' });
    const s = await signIn(m, c.id);
    const probe = await challenge(s, carol.address);
    const good = await carol.signMessage({ message: probe.message });
    const highS = (0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n - BigInt('0x' + good.slice(66, 130))).toString(16).padStart(64, '0');
    const v = parseInt(good.slice(130), 16);
    const malformed = [
      '',
      '0x',
      'not hex at all',
      '0x' + 'a'.repeat(131),
      '0x' + 'ab'.repeat(64),
      '0x' + '00'.repeat(65),
      '0x' + 'ff'.repeat(65),
      `${good.slice(0, 66)}${highS}${(v === 27 ? 28 : 27).toString(16)}`,
      `${good.slice(0, 130)}${(v === 27 ? 28 : 27).toString(16)}`,
      `${good.slice(0, 130)}05`,
      '0x' + 'ab'.repeat(10_001),
      good + '00',
    ];
    let first = true;
    for (const signature of malformed) {
      // A session per attempt: the per-session rate limit is not what this test is about.
      const session = first ? s : await signIn(m, c.id);
      const ch = first ? probe : await challenge(session, carol.address);
      first = false;
      const res = await verify(session, ch, signature);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(await activeWallets(c.id)).toHaveLength(0);
    // v as 0/1 instead of 27/28 is the same signature (viem normalises it).
    const fresh = await signIn(m, c.id);
    const ch = await challenge(fresh, carol.address);
    const sig = await carol.signMessage({ message: ch.message });
    const res = await verify(fresh, ch, `${sig.slice(0, 130)}${(parseInt(sig.slice(130), 16) - 27).toString(16).padStart(2, '0')}`);
    expect(res.status).toBe(303);
  });

  it('normalises lowercase and checksummed addresses to one wallet (E8)', async () => {
    const c = await createPortalCustomer(m, { email: 'e8@example.com' });
    const s = await signIn(m, c.id);
    const ch = await challenge(s, erin.address.toLowerCase());
    expect(parseSiweMessage(ch.message).address).toBe(erin.address);
    expect((await verify(s, ch, await erin.signMessage({ message: ch.message }))).status).toBe(303);
    const again = await link(s, erin, erin.address);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/portal/wallets?done=already-linked');
    const wallets = (await activeWallets(c.id)).filter((w) => w.unlinked_at === null);
    expect(wallets.map((w) => w.address)).toEqual([erin.address]);
    expect(await events(c.id)).toHaveLength(1);
    // A mixed-case address with a wrong checksum is a typo, not a wallet.
    const broken = erin.address.replace(/[a-f]/, (x) => x.toUpperCase());
    expect((await post(s, '/portal/wallets/challenge', { chainId: '31337', address: broken })).status).toBe(400);
  });

  it('answers 409 for a wallet linked to another customer of the merchant (E11)', async () => {
    const a = await createPortalCustomer(m, { email: 'e11a@example.com' });
    const b = await createPortalCustomer(m, { email: 'e11b@example.com' });
    const sa = await signIn(m, a.id);
    const sb = await signIn(m, b.id);
    expect((await link(sa, dave)).status).toBe(303);
    const res = await link(sb, dave, dave.address.toLowerCase());
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(await activeWallets(b.id)).toHaveLength(0);
    // Another merchant's customer may link the same wallet there.
    const m2 = await createPortalMerchant(t, { name: 'Second Shop' });
    const other = await signIn(m2, (await createPortalCustomer(m2, { email: 'e11c@example.com' })).id);
    expect((await link(other, dave)).status).toBe(303);
    // Once A unlinks, B can link it.
    const [wallet] = await activeWallets(a.id);
    expect((await post(sa, `/portal/wallets/${wallet.id}/unlink`, {})).status).toBe(303);
    expect((await link(sb, dave)).status).toBe(303);
    expect((await activeWallets(b.id)).map((w) => w.address)).toEqual([dave.address]);
  });

  it('refuses challenge and verify without CSRF or from another site (E12)', async () => {
    const c = await createPortalCustomer(m, { email: 'e12@example.com' });
    const s = await signIn(m, c.id);
    const ch = await challenge(s, carol.address);
    const signature = await carol.signMessage({ message: ch.message });
    const noCsrf = { ...s, csrf: '' };
    expect((await post(noCsrf, '/portal/wallets/challenge', { chainId: '31337', address: carol.address })).status).toBe(403);
    expect((await post(s, '/portal/wallets/challenge', { chainId: '31337', address: carol.address }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post(s, '/portal/wallets/challenge', { chainId: '31337', address: carol.address }, { origin: 'https://evil.com' })).status).toBe(403);
    expect((await verify(noCsrf, ch, signature)).status).toBe(403);
    expect((await verify(s, ch, signature, ch.message, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await verify(s, ch, signature, ch.message, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    // Without a session at all.
    const anon = await t.http().post('/portal/wallets/verify').type('form').send({ _csrf: s.csrf, challengeId: ch.id, message: ch.message, signature });
    expect(anon.status).toBe(401);
    expect(await activeWallets(c.id)).toHaveLength(0);
    // The refused requests did not consume the challenge.
    expect((await verify(s, ch, signature, ch.message, { 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  it('unlinks: unlinked_at set, audit row and customer.wallet_unlinked event; only the owner can', async () => {
    const c = await createPortalCustomer(m, { email: 'unlink@example.com' });
    const s = await signIn(m, c.id);
    expect((await link(s, carol)).status).toBe(303);
    const [wallet] = await activeWallets(c.id);
    const intruder = await signIn(m, (await createPortalCustomer(m, { email: 'intruder@example.com' })).id);
    expect((await post(intruder, `/portal/wallets/${wallet.id}/unlink`, {})).status).toBe(404);
    expect((await post(s, `/portal/wallets/${wallet.id}/unlink`, { _csrf: '' })).status).toBe(403);

    const res = await post(s, `/portal/wallets/${wallet.id}/unlink`, {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/portal/wallets?done=unlinked');
    const [after] = await activeWallets(c.id);
    expect(after.unlinked_at).not.toBeNull();
    expect((await events(c.id)).map((e) => e.type)).toEqual(['customer.wallet_linked', 'customer.wallet_unlinked']);
    expect((await audits(c.id)).map((a) => a.action)).toEqual(['wallet.link', 'wallet.unlink']);
    expect((await post(s, `/portal/wallets/${wallet.id}/unlink`, {})).status).toBe(404);
    expect((await post(s, `/portal/wallets/not-an-id/unlink`, {})).status).toBe(404);
    const page = await t.http().get('/portal/wallets?done=unlinked').set('cookie', s.cookie);
    expect(page.text).not.toContain(carol.address);
    expect(page.text).toContain('Wallet unlinked.');
  });

  it('offers nothing and answers 403 when the merchant turned wallet linking off, or the link lacks the wallets scope', async () => {
    const off = await createPortalMerchant(t, { name: 'No Wallets', patch: { portalSettings: { walletLink: false } } });
    const c = await createPortalCustomer(off, { email: 'off@example.com' });
    const s = await signIn(off, c.id);
    const page = await t.http().get('/portal/wallets').set('cookie', s.cookie);
    expect(page.text).not.toContain('/portal/wallets/challenge');
    expect((await post(s, '/portal/wallets/challenge', { chainId: '31337', address: carol.address })).status).toBe(403);
    expect((await post(s, '/portal/wallets/verify', { challengeId: 'siwe_' + 'a'.repeat(22), message: 'x', signature: '0x' })).status).toBe(403);

    const c2 = await createPortalCustomer(m, { email: 'scope@example.com' });
    const ro = await signIn(m, c2.id, { scopes: ['read'] });
    const roPage = await t.http().get('/portal/wallets').set('cookie', ro.cookie);
    expect(roPage.text).not.toContain('/portal/wallets/challenge');
    expect((await post(ro, '/portal/wallets/challenge', { chainId: '31337', address: carol.address })).status).toBe(403);
  });

  it('rate-limits challenges per session', async () => {
    const c = await createPortalCustomer(m, { email: 'rl@example.com' });
    const s = await signIn(m, c.id);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await post(s, '/portal/wallets/challenge', { chainId: '31337', address: carol.address })).status);
    expect(statuses.slice(0, 10).every((x) => x === 303)).toBe(true);
    expect(statuses[10]).toBe(429);
    // One outstanding challenge per session.
    expect(await q(`SELECT 1 FROM siwe_challenge WHERE customer_id = $1`, [c.id])).toHaveLength(1);
  });

  it('matches a transfer from the newly linked wallet to the customer (matching rule 2)', async () => {
    const c = await createPortalCustomer(m, { email: 'match@example.com', planId: undefined });
    const payer = await devAccount(bed.chain.url, 5);
    const payerKey = privateKeyToAccount('0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba');
    expect(payerKey.address).toBe(payer);
    await fundAccount(bed.chain.url, DEVNET_TOKEN_ADDRESS, payer, 1_000_000_000n);
    const s = await signIn(m, c.id);
    expect((await link(s, payerKey)).status).toBe(303);
    const invoice = (await m.client.get(`/api/v1/invoices/${c.invoiceId}`)).body;
    // Not the tagged amount: only the wallet binding can attribute it.
    await payInvoice(bed.chain.url, { ...invoice, amountRemaining: '4000000' }, 5);
    await bed.chain.mine(3);
    await bed.tick();
    const after = (await m.client.get(`/api/v1/invoices/${c.invoiceId}`)).body;
    expect(after).toMatchObject({ status: 'partially_paid', amountReceived: '4000000' });
    expect(await q(`SELECT matched_by FROM payment WHERE invoice_id = $1`, [c.invoiceId])).toEqual([{ matched_by: 'binding' }]);
  });
});

function unescapeHtml(html: string): string {
  return html
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
