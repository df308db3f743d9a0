import { createHash } from 'node:crypto';
import { mintPortalLinkOffline } from '../../src/portal-links/offline-minter';
import { createTestApp, type TestApp } from '../app';
import { createPortalCustomer, createPortalMerchant, csrfFrom, db, exchange, mintLink, suiteEnv, type PortalCustomer, type PortalMerchant } from '../support/portal';

// L26 / R09: credentials never reach the logs. Every line the app writes at info level is captured
// while the merchant API, link minting, the interstitial, the exchange, the portal pages and a
// rejected token run; then the raw token, the API key, the link secret and the session id are
// searched for.

type Write = typeof process.stdout.write;


describe('portal logs (L26)', () => {
  let t: TestApp;
  let m: PortalMerchant;
  let c: PortalCustomer;
  const lines: string[] = [];
  let spy: jest.SpyInstance<ReturnType<Write>, Parameters<Write>>;

  const secrets: Record<string, string> = {};
  let rejectedToken = '';

  beforeAll(async () => {
    // pino writes to process.stdout when its write has been replaced, so install the spy first.
    spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as Write);
    t = await createTestApp({ env: suiteEnv('portal-logs', { LOG_LEVEL: 'info' }) });

    m = await createPortalMerchant(t, { name: 'Logged Shop' });
    c = await createPortalCustomer(m, { billingProfile: { company: 'Quiet Ltd' } });
    secrets.apiKey = m.key;

    const revealed = await m.client.get('/api/v1/merchant/link-secret');
    expect(revealed.status).toBe(200);
    secrets.linkSecret = revealed.body.secret;
    const rotated = await m.client.post('/api/v1/merchant/link-secret/rotate');
    expect(rotated.status).toBe(200);
    secrets.rotatedLinkSecret = rotated.body.secret;

    const link = await mintLink(m, c.id, { singleUse: true });
    secrets.token = link.token;
    const offline = mintPortalLinkOffline({ linkSecret: secrets.rotatedLinkSecret, baseUrl: 'https://billing.test', merchantId: m.id, customerId: c.id, now: t.clock.now() });
    secrets.offlineToken = offline.token;

    expect((await t.http().get(`/p/${link.token}`).set('referer', `https://billing.test/p/${link.token}`)).status).toBe(200);
    expect((await t.http().get(`/p/${offline.token}`)).status).toBe(200);
    // A query string on the token route is logged without its value either.
    expect((await t.http().get(`/p/${link.token}?t=${link.token}`)).status).toBe(404);

    const session = await exchange(t, link.token);
    secrets.sid = session.sid;
    const overview = await t.http().get('/portal').set('cookie', session.cookie);
    expect(overview.status).toBe(200);
    secrets.csrf = csrfFrom(overview.text);
    for (const path of ['/portal/invoices', `/portal/invoices/${c.invoiceId}`, '/portal/payments', '/portal/profile']) {
      expect((await t.http().get(path).set('cookie', session.cookie)).status).toBe(200);
    }
    // A spent single-use link, and a tampered one: both rejected, both logged with a reason.
    expect((await t.http().post('/p/exchange').type('form').send({ token: link.token })).status).toBe(404);
    const [v, kid, body, mac] = offline.token.split('.');
    rejectedToken = `${v}.${kid}.${body}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    expect((await t.http().get(`/p/${rejectedToken}`)).status).toBe(404);
    expect((await t.http().post('/portal/logout').set('cookie', session.cookie).type('form').send({ _csrf: secrets.csrf })).status).toBe(303);
    // Requests are logged when their response finishes; give the last one a tick.
    await new Promise((resolve) => setImmediate(resolve));
  });

  afterAll(async () => {
    await t.close();
    spy.mockRestore();
  });

  const logText = () => lines.join('');
  const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);

  it('captured the request logs of every step (the search below is not vacuous)', () => {
    const text = logText();
    expect(lines.length).toBeGreaterThan(10);
    expect(text).toContain('request completed');
    expect(text).toContain('"url":"/p/[redacted]"');
    expect(text).toContain('"url":"/p/[redacted]?t=[redacted]"');
    // POST /p/exchange is logged as /p/[redacted] too (the scrubber does not special-case it).
    expect(text).toMatch(/"method":"POST","url":"\/p\/\[redacted\]"[^\n]*"statusCode":303/);
    expect(text).toContain('/portal/profile');
    expect(text).toContain('/api/v1/portal-links');
    expect(text).toContain('/api/v1/merchant/link-secret');
  });

  it.each(['token', 'offlineToken', 'apiKey', 'linkSecret', 'rotatedLinkSecret', 'sid', 'csrf'])('never logs the %s', (name) => {
    const value = secrets[name];
    expect(value.length).toBeGreaterThan(20);
    const text = logText();
    expect(text).not.toContain(value);
    // Nor the part that carries the secret on its own.
    const tail = name.toLowerCase().includes('token') ? value.split('.')[3] : name.toLowerCase().includes('linksecret') ? value.split('.')[2] : value.slice(-24);
    expect(text).not.toContain(tail);
  });

  it('never logs the rejected token', () => {
    expect(logText()).not.toContain(rejectedToken);
  });

  it('logs each rejection with its reason and a 12-hex token fingerprint', () => {
    const rejections = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('portal link rejected')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const byToken = new Map(rejections.map((r) => [r.token, r]));
    expect(byToken.get(fingerprint(rejectedToken))).toMatchObject({ reason: 'bad_mac' });
    expect(byToken.get(fingerprint(secrets.token))).toMatchObject({ reason: 'spent' });
    for (const r of rejections) expect(r.token).toMatch(/^[0-9a-f]{12}$/);
  });

  it('keeps credentials out of the audit trail and the event outbox as well', async () => {
    const rows: Array<{ row: string }> = await db(t).query(
      `SELECT row_to_json(a)::text AS row FROM audit_event a WHERE merchant_id = $1
       UNION ALL SELECT row_to_json(o)::text FROM outbox_event o WHERE merchant_id = $1`,
      [m.id],
    );
    expect(rows.length).toBeGreaterThan(0);
    const dump = rows.map((r) => r.row).join('\n');
    expect(dump).toContain('portal_link');
    for (const name of ['token', 'offlineToken', 'apiKey', 'linkSecret', 'rotatedLinkSecret', 'sid']) expect(dump).not.toContain(secrets[name]);
  });
});
