import { randomBytes } from 'node:crypto';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintPortalLinkOffline } from '../../src/portal-links/offline-minter';
import { createTestApp, type TestApp } from '../app';
import {
  createPortalCustomer,
  createPortalMerchant,
  db,
  decodePayload,
  exchange,
  freshIp,
  fromAddress,
  HEADLESS_UA,
  mintLink,
  parseLinkSecretString,
  sessionCount,
  signRaw,
  stripNonces,
  suiteEnv,
  tokenOf,
  type PlainResponse,
  type PortalMerchant,
} from '../support/portal';

// Section C1 of the security requirements, over HTTP. Every rejection must be the same 404 page
// (byte-identical apart from CSP nonces), set no cookie and create no session. Each token request
// comes from its own client address (see fromAddress) so the per-IP failure limit only trips where
// a test wants it to.

const HOUR = 3600 * 1000;

describe('portal link attacks (C1)', () => {
  let t: TestApp;
  let invalidPage: string;

  const getLink = (token: string, ip = freshIp(), headers: Record<string, string> = {}) => fromAddress(t, ip, { method: 'GET', url: `/p/${token}`, headers });
  const postLink = (token: string, ip = freshIp(), headers: Record<string, string> = {}) => fromAddress(t, ip, { method: 'POST', url: '/p/exchange', headers, form: { token } });
  const cookieOf = (res: PlainResponse) => String(([] as unknown[]).concat(res.headers['set-cookie'])[0]).split(';')[0];

  // One GET over a socket with the request line exactly as given.
  async function rawGet(path: string): Promise<PlainResponse> {
    const server: Server = t.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      return await new Promise<PlainResponse>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        });
        req.on('error', reject);
        req.end();
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  function expectInvalid(res: PlainResponse): void {
    expect(res.status).toBe(404);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(withoutFreshLinkForm(stripNonces(res.text))).toBe(withoutFreshLinkForm(invalidPage));
  }

  // A genuinely signed but expired, spent or revoked link also offers "email me a fresh link" for
  // its merchant (issue: access by email); everything else on the page, and the status, are uniform.
  function withoutFreshLinkForm(html: string): string {
    return html.replace(/\s*<div class="fresh-link">[\s\S]*?<\/div>/, '');
  }

  async function expectRejectedEverywhere(token: string): Promise<void> {
    const sessions = await sessionCount(t);
    expectInvalid(await getLink(token));
    expectInvalid(await postLink(token));
    expect(await sessionCount(t)).toBe(sessions);
  }

  async function setup(options: Parameters<typeof createPortalMerchant>[1] = {}) {
    const m = await createPortalMerchant(t, options);
    const c = await createPortalCustomer(m);
    return { m, c };
  }

  async function revealSecret(m: PortalMerchant): Promise<{ linkSecret: string; kid: string; secret: Buffer }> {
    const res = await m.client.get('/api/v1/merchant/link-secret');
    expect(res.status).toBe(200);
    return { linkSecret: res.body.secret, ...parseLinkSecretString(res.body.secret) };
  }

  beforeAll(async () => {
    t = await createTestApp({ env: suiteEnv('link-attacks') });
    const reference = await getLink('pl1.lk_aaaaaaaaaaaaaaaa.eyJ2IjoxfQ.AAAA');
    expect(reference.status).toBe(404);
    invalidPage = stripNonces(reference.text);
    expect(invalidPage).toContain('This link can');
  });

  afterAll(async () => {
    await t.close();
  });

  it('L1/L2 (control): a valid link shows the interstitial without a cookie, then exchanges', async () => {
    const { m, c } = await setup();
    const link = await mintLink(m, c.id);
    const page = await getLink(link.token);
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.text).not.toMatch(/(src|href|action)="(https?:)?\/\//);
    const session = await postLink(link.token);
    expect(session.status).toBe(303);
    expect(session.headers.location).toBe('/portal');
    expect(String(([] as unknown[]).concat(session.headers['set-cookie'])[0])).toMatch(/^__Host-portal_sid=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
  });

  it('the GET and POST failure pages are the same page', async () => {
    const get = await getLink('garbage');
    const post = await postLink('garbage');
    expect(get.status).toBe(404);
    expect(stripNonces(post.text)).toBe(stripNonces(get.text));
  });

  it('L3: flipping one bit in any of the 32 MAC bytes is rejected', async () => {
    const { m, c } = await setup();
    const { token } = await mintLink(m, c.id);
    const [v, kid, body, macText] = token.split('.');
    const mac = Buffer.from(macText, 'base64url');
    expect(mac).toHaveLength(32);
    const before = await sessionCount(t);
    for (let i = 0; i < 32; i++) {
      const flipped = Buffer.from(mac);
      flipped[i] ^= 1 << i % 8;
      const tampered = `${v}.${kid}.${body}.${flipped.toString('base64url')}`;
      expectInvalid(await getLink(tampered));
      expectInvalid(await postLink(tampered));
    }
    expect(await sessionCount(t)).toBe(before);
    expect((await getLink(token)).status).toBe(200);
  });

  it('L4: changing cid, mid, exp or epoch in the payload (MAC kept) is rejected', async () => {
    const { m, c } = await setup();
    const other = await createPortalCustomer(m, { email: 'bob@example.com', name: 'Bob' });
    const otherMerchant = await createPortalMerchant(t);
    const { token } = await mintLink(m, c.id);
    const [v, kid, , mac] = token.split('.');
    const payload = decodePayload(token);
    const variants: Array<Record<string, unknown>> = [
      { ...payload, cid: other.id },
      { ...payload, mid: otherMerchant.id },
      { ...payload, exp: (payload.exp as number) + 60 },
      { ...payload, exp: (payload.exp as number) - 60 },
      { ...payload, epoch: (payload.epoch as number) + 1 },
      { ...payload, su: !payload.su },
      { ...payload, scp: ['read'] },
    ];
    const before = await sessionCount(t);
    for (const variant of variants) {
      const tampered = `${v}.${kid}.${Buffer.from(JSON.stringify(variant)).toString('base64url')}.${mac}`;
      await expectRejectedEverywhere(tampered);
    }
    expect(await sessionCount(t)).toBe(before);
  });

  it('L5: case changes, appended or replaced characters and missing separators are rejected, never 500', async () => {
    const { m, c } = await setup();
    const { token } = await mintLink(m, c.id);
    const mutations = [
      token.toUpperCase(),
      token.toLowerCase(),
      `${token}a`,
      `a${token}`,
      `q${token.slice(1)}`,
      token.replace(/\./g, ''),
      token.replace('.', ''),
      token.slice(0, token.lastIndexOf('.')) + token.slice(token.lastIndexOf('.') + 1),
      token.replace(/\./g, '..'),
      `${token}.`,
      token.slice(0, -1),
    ];
    for (const mutated of mutations) {
      expect(mutated).not.toBe(token);
      await expectRejectedEverywhere(mutated);
    }
  });

  it('L5/L7 over HTTP: percent-encoded junk, homoglyphs and whitespace never give a 500', async () => {
    const { m, c } = await setup();
    const { token } = await mintLink(m, c.id);
    const [v, kid, body, mac] = token.split('.');
    for (const variant of [`${v}.${kid}.${body}.${mac}%3D`, `${v}.${kid}.${body}.${mac}%20`, `${v}.${kid}.${body}.%D0%B0${mac.slice(1)}`, `${v}.${kid}.${body}.${mac}%0A`]) {
      expectInvalid(await getLink(variant));
    }
    const broken = await getLink(`${token}%E0%A4%A`);
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
    const padded = Buffer.from(mac, 'base64url').toString('base64');
    expectInvalid(await postLink(`${v}.${kid}.${body}.${padded}`));
    expectInvalid(await postLink(`${token}\n`));
    expectInvalid(await postLink(` ${token}`));
  });

  it('L13: an unknown kid, and a 10 kB kid (fast, 4xx, never 500)', async () => {
    const { m, c } = await setup();
    const { token } = await mintLink(m, c.id);
    const [, , body] = token.split('.');
    const forged = signRaw(randomBytes(32), 'lk_ZZZZZZZZZZZZZZZZ', Buffer.from(body, 'base64url').toString());
    await expectRejectedEverywhere(forged);

    const hugeKid = `pl1.${'k'.repeat(10_240)}.${body}.${'A'.repeat(43)}`;
    for (const send of [() => getLink(hugeKid), () => postLink(hugeKid)]) {
      const started = Date.now();
      const res = await send();
      expect(Date.now() - started).toBeLessThan(1000);
      expect([400, 404, 414]).toContain(res.status);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('L13: a rotated-out key verifies for 24 h after rotation, then never again; the new key works', async () => {
    const { m, c } = await setup();
    const old = await revealSecret(m);
    const apiLink = await mintLink(m, c.id);
    expect(apiLink.token.split('.')[1]).toBe(old.kid);

    t.clock.advance(HOUR);
    const rotated = await m.client.post('/api/v1/merchant/link-secret/rotate');
    expect(rotated.status).toBe(200);
    const fresh = parseLinkSecretString(rotated.body.secret);
    expect(fresh.kid).not.toBe(old.kid);
    const rotatedAt = t.clock.now().getTime();

    // Within the overlap the old key still verifies: a link minted before the rotation works end to end.
    expect((await getLink(apiLink.token)).status).toBe(200);
    await exchange(t, apiLink.token);
    // New links are signed with the new key.
    const newLink = await mintLink(m, c.id);
    expect(newLink.token.split('.')[1]).toBe(fresh.kid);
    expect((await getLink(newLink.token)).status).toBe(200);

    // A link signed with the old key late in the overlap, still inside its own lifetime later on.
    t.clock.set(new Date(rotatedAt + 23 * HOUR));
    const late = mintPortalLinkOffline({ linkSecret: old.linkSecret, baseUrl: 'https://billing.test', merchantId: m.id, customerId: c.id, now: t.clock.now() });
    expect((await getLink(late.token)).status).toBe(200);
    t.clock.set(new Date(rotatedAt + 24 * HOUR - 1000));
    expect((await getLink(late.token)).status).toBe(200);
    t.clock.set(new Date(rotatedAt + 24 * HOUR + 1000));
    const before = await sessionCount(t);
    await expectRejectedEverywhere(late.token);
    expect(await sessionCount(t)).toBe(before);
    // The current key is unaffected.
    const current = mintPortalLinkOffline({ linkSecret: rotated.body.secret, baseUrl: 'https://billing.test', merchantId: m.id, customerId: c.id, now: t.clock.now() });
    expect((await getLink(current.token)).status).toBe(200);
  });

  it('L14 over HTTP: a MAC under another purpose string with the real link secret is rejected', async () => {
    const { m, c } = await setup();
    const { kid, secret } = await revealSecret(m);
    const good = await mintLink(m, c.id);
    const text = Buffer.from(good.token.split('.')[2], 'base64url').toString();
    expect(signRaw(secret, kid, text)).toBe(good.token);
    for (const purpose of ['portal_session.v1', 'csrf.v1', 'portal_link.v2']) await expectRejectedEverywhere(signRaw(secret, kid, text, purpose));
  });

  it("L15: a token naming merchant A for merchant B's customer is rejected", async () => {
    const a = await setup();
    const b = await setup();
    const { linkSecret } = await revealSecret(a.m);
    const before = await sessionCount(t);
    // Signed with A's key and naming A, for B's customer.
    const crossCustomer = mintPortalLinkOffline({ linkSecret, baseUrl: 'https://billing.test', merchantId: a.m.id, customerId: b.c.id, now: t.clock.now() });
    await expectRejectedEverywhere(crossCustomer.token);
    // Signed with A's key but naming B.
    const crossMerchant = mintPortalLinkOffline({ linkSecret, baseUrl: 'https://billing.test', merchantId: b.m.id, customerId: b.c.id, now: t.clock.now() });
    await expectRejectedEverywhere(crossMerchant.token);
    expect(await sessionCount(t)).toBe(before);
    // Control: A's key, A's merchant, A's customer.
    const own = mintPortalLinkOffline({ linkSecret, baseUrl: 'https://billing.test', merchantId: a.m.id, customerId: a.c.id, now: t.clock.now() });
    expect((await getLink(own.token)).status).toBe(200);
  });

  it('L16: revoking all links rejects old links and ends their sessions; a new link works', async () => {
    const { m, c } = await setup();
    const old = await mintLink(m, c.id);
    const session = await exchange(t, old.token);
    expect((await t.http().get('/portal').set('cookie', session.cookie)).status).toBe(200);

    const revoked = await m.client.post(`/api/v1/customers/${c.id}/portal-links/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ customerId: c.id, portalTokenEpoch: 1, sessionsEnded: 1 });
    await expectRejectedEverywhere(old.token);
    expect((await t.http().get('/portal').set('cookie', session.cookie)).status).toBe(401);

    const renewed = await mintLink(m, c.id);
    expect(decodePayload(renewed.token).epoch).toBe(1);
    expect((await getLink(renewed.token)).status).toBe(200);
    const again = await exchange(t, renewed.token);
    expect((await t.http().get('/portal').set('cookie', again.cookie)).status).toBe(200);
  });

  it('L17: a link deleted through the API is rejected and its sessions end; other links of the customer work', async () => {
    const { m, c } = await setup();
    const link = await mintLink(m, c.id);
    const sibling = await mintLink(m, c.id);
    const session = await exchange(t, link.token);
    const deleted = await m.client.delete(`/api/v1/portal-links/${link.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: link.id, sessionsEnded: 1 });
    expect(deleted.body.revokedAt).toEqual(expect.any(String));
    await expectRejectedEverywhere(link.token);
    expect((await t.http().get('/portal').set('cookie', session.cookie)).status).toBe(401);
    expect((await getLink(sibling.token)).status).toBe(200);
  });

  it('L18: a soft-deleted customer and a disabled merchant reject their links', async () => {
    const one = await setup();
    const deletedLink = await mintLink(one.m, one.c.id);
    await db(t).query(`UPDATE customer SET deleted_at = now() WHERE id = $1`, [one.c.id]);
    await expectRejectedEverywhere(deletedLink.token);

    const two = await setup();
    const disabledLink = await mintLink(two.m, two.c.id);
    expect((await getLink(disabledLink.token)).status).toBe(200);
    await db(t).query(`UPDATE merchant SET status = 'disabled' WHERE id = $1`, [two.m.id]);
    await expectRejectedEverywhere(disabledLink.token);
  });

  it('L19: a multi-use link exchanged twice gives two independent sessions', async () => {
    const { m, c } = await setup();
    const link = await mintLink(m, c.id);
    const first = await exchange(t, link.token);
    const second = await exchange(t, link.token);
    expect(second.sid).not.toBe(first.sid);
    expect(await sessionCount(t, { customerId: c.id })).toBe(2);
    const page = await t.http().get('/portal').set('cookie', first.cookie);
    expect(page.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const logout = await t.http().post('/portal/logout').set('cookie', first.cookie).type('form').send({ _csrf: csrf });
    expect(logout.status).toBe(303);
    expect((await t.http().get('/portal').set('cookie', first.cookie)).status).toBe(401);
    expect((await t.http().get('/portal').set('cookie', second.cookie)).status).toBe(200);
  });

  it('L19/L20: a single-use link survives scanner HEAD and GET, is spent by the user POST, and a second POST is rejected', async () => {
    const { m, c } = await setup();
    const link = await mintLink(m, c.id, { singleUse: true });
    const scanner = freshIp();
    const head = await fromAddress(t, scanner, { method: 'HEAD', url: `/p/${link.token}`, headers: { 'user-agent': HEADLESS_UA } });
    expect(head.status).toBe(200);
    expect(head.headers['set-cookie']).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      const scan = await getLink(link.token, scanner, { 'user-agent': HEADLESS_UA });
      expect(scan.status).toBe(200);
      expect(scan.headers['set-cookie']).toBeUndefined();
    }
    expect(await sessionCount(t, { customerId: c.id })).toBe(0);

    expect((await getLink(link.token)).status).toBe(200);
    const session = await exchange(t, link.token);
    expect((await t.http().get('/portal').set('cookie', session.cookie)).status).toBe(200);

    const before = await sessionCount(t);
    await expectRejectedEverywhere(link.token);
    expect(await sessionCount(t)).toBe(before);
    // The spent link does not end the session it opened.
    expect((await t.http().get('/portal').set('cookie', session.cookie)).status).toBe(200);
  });

  it('L19: two racing exchanges of a single-use link open exactly one session', async () => {
    const { m, c } = await setup();
    const link = await mintLink(m, c.id, { singleUse: true });
    const results = await Promise.all([postLink(link.token), postLink(link.token), postLink(link.token)]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 404, 404]);
    expect(await sessionCount(t, { customerId: c.id })).toBe(1);
  });

  it('L21: a session id planted before the exchange is replaced and dies', async () => {
    const { m, c } = await setup();
    const link = await mintLink(m, c.id);

    const planted = await postLink(link.token, freshIp(), { cookie: '__Host-portal_sid=attacker' });
    expect(planted.status).toBe(303);
    const issued = cookieOf(planted);
    expect(issued).not.toBe('__Host-portal_sid=attacker');
    expect(issued).toMatch(/^__Host-portal_sid=[A-Za-z0-9_-]{43}$/);
    const dead = await t.http().get('/portal').set('cookie', '__Host-portal_sid=attacker');
    expect(dead.status).toBe(401);
    expect(dead.text).toContain('Your session has ended');

    // A real session id the attacker holds, planted in the victim's browser, is destroyed by the exchange.
    const attacker = await exchange(t, link.token);
    const victim = await postLink(link.token, freshIp(), { cookie: attacker.cookie });
    expect(victim.status).toBe(303);
    expect(cookieOf(victim)).not.toBe(attacker.cookie);
    expect((await t.http().get('/portal').set('cookie', attacker.cookie)).status).toBe(401);
    expect((await t.http().get('/portal').set('cookie', cookieOf(victim))).status).toBe(200);
  });

  it('L22: any query string on the token route is rejected', async () => {
    const { m, c } = await setup();
    const { token } = await mintLink(m, c.id);
    for (const query of ['?t=a&t=b', `?t=${token}`, `?cid=${c.id}`, '?utm_source=mail', '?t=']) expectInvalid(await getLink(`${token}${query}`));
    // A bare "?" is sent as-is by browsers; supertest and inject both normalise it away.
    expectInvalid(await rawGet(`/p/${token}?`));
    expect((await getLink(token)).status).toBe(200);
  });

  it('L23: a 100 kB token is refused fast with a 4xx, never a 500', async () => {
    const huge = `pl1.lk_aaaaaaaaaaaaaaaa.${'A'.repeat(100_000)}.${'A'.repeat(43)}`;
    // Over a real socket: Node's own URL and header limits take part here.
    const overHttp = [() => t.http().get(`/p/${huge}`), () => t.http().post('/p/exchange').type('form').send({ token: huge }), () => t.http().get(`/p/x?t=${huge}`)];
    for (const send of [...overHttp, () => getLink(huge), () => postLink(huge)]) {
      const started = Date.now();
      const res = await send();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const eightKb = await getLink(`pl1.${'A'.repeat(8 * 1024)}`);
    expect([400, 404, 414]).toContain(eightKb.status);
  });

  it('L24: after 20 failures an IP gets 429 with Retry-After, even for a valid link; another IP is unaffected', async () => {
    const { m, c } = await setup();
    const link = await mintLink(m, c.id);
    const attacker = freshIp();
    const statuses: number[] = [];
    let limited: PlainResponse | undefined;
    for (let i = 0; i < 50; i++) {
      const res = await getLink(`pl1.lk_aaaaaaaaaaaaaaaa.eyJ2IjoxfQ.${randomBytes(32).toString('base64url')}`, attacker);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited!.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited!.headers['set-cookie']).toBeUndefined();
    // The limit covers the exchange and valid links from that address too.
    expect((await getLink(link.token, attacker)).status).toBe(429);
    expect((await postLink(link.token, attacker)).status).toBe(429);
    // A valid link from another address still works end to end.
    const other = freshIp();
    expect((await getLink(link.token, other)).status).toBe(200);
    expect((await postLink(link.token, other)).status).toBe(303);
  });

  it('L25: link URLs come from PUBLIC_BASE_URL, never from Host or X-Forwarded-Host', async () => {
    const { m, c } = await setup();
    const viaHost = await t.http().post('/api/v1/portal-links').set('authorization', `Bearer ${m.key}`).set('idempotency-key', `host-${Date.now()}`).set('host', 'evil.example').send({ customerId: c.id });
    expect(viaHost.status).toBe(201);
    expect(viaHost.body.url).toMatch(/^https:\/\/billing\.test\/p\/pl1\./);
    const viaForwarded = await t
      .http()
      .post('/api/v1/portal-links')
      .set('authorization', `Bearer ${m.key}`)
      .set('idempotency-key', `xfh-${Date.now()}`)
      .set('x-forwarded-host', 'evil.example')
      .set('x-forwarded-proto', 'http')
      .send({ customerId: c.id });
    expect(viaForwarded.status).toBe(201);
    expect(viaForwarded.body.url).toMatch(/^https:\/\/billing\.test\/p\/pl1\./);
  });

  it('L28: expiresIn sets exp − iat; above 86,400 is a 400; omitted is 86,400', async () => {
    const { m, c } = await setup();
    const lifetime = (token: string) => {
      const p = decodePayload(token);
      return (p.exp as number) - (p.iat as number);
    };
    expect(lifetime((await mintLink(m, c.id, { expiresIn: 3600 })).token)).toBe(3600);
    expect(lifetime((await mintLink(m, c.id, { expiresIn: 86_400 })).token)).toBe(86_400);
    const tooLong = await m.client.post('/api/v1/portal-links', { customerId: c.id, expiresIn: 86_401 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.url).toBeUndefined();
    const omitted = await mintLink(m, c.id);
    expect(lifetime(omitted.token)).toBe(86_400);
    expect(new Date(omitted.body.expiresAt as string).getTime()).toBe((decodePayload(omitted.token).exp as number) * 1000);
  });

  it('L28: the merchant default lifetime applies when expiresIn is omitted', async () => {
    const { m, c } = await setup({ patch: { defaultLinkTtlSeconds: 900 } });
    const p = decodePayload((await mintLink(m, c.id)).token);
    expect((p.exp as number) - (p.iat as number)).toBe(900);
  });

  describe('return URLs (R10, S11)', () => {
    let m: PortalMerchant;
    let customerId: string;

    beforeAll(async () => {
      m = await createPortalMerchant(t, { name: 'Acme Widgets', patch: { returnUrlPrefixes: ['https://merchant.example/app'] } });
      customerId = (await createPortalCustomer(m)).id;
    });

    it.each([
      ['another origin', 'https://evil.example'],
      ['javascript:', 'javascript:alert(1)'],
      ['scheme-relative', '//evil.example'],
      ['the merchant host under another domain', 'https://merchant.example.evil.example'],
      ['the merchant host under another domain, with the path', 'https://merchant.example.evil.example/app'],
      ['a sibling path', 'https://merchant.example/apple'],
      ['http', 'http://merchant.example/app'],
      ['credentials', 'https://user:pw@merchant.example/app'],
    ])('rejects %s with a 400 and mints nothing', async (_label, returnUrl) => {
      const res = await m.client.post('/api/v1/portal-links', { customerId, returnUrl });
      expect(res.status).toBe(400);
      expect(res.body.url).toBeUndefined();
    });

    it('an allowed return URL renders "Back to <merchant>" on /portal', async () => {
      const link = await mintLink(m, customerId, { returnUrl: 'https://merchant.example/app/billing?from=portal' });
      const session = await exchange(t, link.token);
      const page = await t.http().get('/portal').set('cookie', session.cookie);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Back to Acme Widgets');
      expect(page.text).toMatch(/<a href="https:\/\/merchant\.example\/app\/billing\?from(=|&#x3D;)portal">/);
    });

    it('a session without a return URL shows no back link', async () => {
      const session = await exchange(t, (await mintLink(m, customerId)).token);
      const page = await t.http().get('/portal').set('cookie', session.cookie);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('Back to Acme Widgets');
    });

    it('a link whose return URL the merchant has since disallowed is rejected', async () => {
      const other = await createPortalMerchant(t, { patch: { returnUrlPrefixes: ['https://shop.example/account'] } });
      const c = await createPortalCustomer(other);
      const link = await mintLink(other, c.id, { returnUrl: 'https://shop.example/account' });
      expect((await getLink(link.token)).status).toBe(200);
      expect((await other.client.patch('/api/v1/merchant', { returnUrlPrefixes: [] })).status).toBe(200);
      await expectRejectedEverywhere(link.token);
    });

    it('a return URL too long for a token is refused at mint time, not minted into a dead link', async () => {
      const returnUrl = `https://merchant.example/app/${'x'.repeat(400)}`;
      const res = await m.client.post('/api/v1/portal-links', { customerId, returnUrl });
      if (res.status === 201) {
        // If the service accepts it, the link must actually open.
        expect((await getLink(tokenOf(res.body.url))).status).toBe(200);
      } else {
        expect(res.status).toBe(400);
      }
    });
  });
});
