import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliver, httpTransport, type EgressPolicy, type Resolver } from '../../src/webhooks/egress';

// The webhook transport over a real socket on loopback (the vetting rules themselves are unit
// tested in src/webhooks/egress.spec.ts).

const DEV: EgressPolicy = { allowLoopback: true, allowedPorts: [443] };

const resolverFor =
  (table: Record<string, string[]>): Resolver =>
  async (host: string) => (table[host] ?? []).map((address) => ({ address, family: 4 as const }));

describe('webhook egress over a real socket', () => {
  describe('the real transport, against a loopback server', () => {
    let server: Server;
    let port: number;
    const seen: { host?: string; url?: string; body: string }[] = [];
    let respond: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end();

    beforeAll(async () => {
      server = createServer((req, res) => {
        let text = '';
        req.on('data', (c: Buffer) => (text += c.toString()));
        req.on('end', () => {
          seen.push({ host: req.headers.host, url: req.url, body: text });
          respond(req, res);
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    beforeEach(() => {
      seen.length = 0;
    });

    const send = (url: string, timeoutMs = 2_000) =>
      deliver(url, { headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}'), timeoutMs }, DEV, resolverFor({ 'receiver.test': ['127.0.0.1'] }), httpTransport);

    it('reaches the vetted address under the original name (a name system DNS does not know)', async () => {
      respond = (_q, r) => r.writeHead(200).end('ok');
      const result = await send(`http://receiver.test:${port}/in?x=1`);
      expect(result).toMatchObject({ status: 200, excerpt: 'ok', errorClass: null, host: `receiver.test:${port}` });
      expect(seen).toEqual([{ host: `receiver.test:${port}`, url: '/in?x=1', body: '{"a":1}' }]);
    });

    it('does not follow redirects', async () => {
      respond = (req, r) => (req.url === '/moved' ? r.writeHead(301, { location: `http://127.0.0.1:${port}/elsewhere` }).end() : r.writeHead(200).end());
      const result = await send(`http://receiver.test:${port}/moved`);
      expect(result.status).toBe(301);
      expect(seen.map((s) => s.url)).toEqual(['/moved']);
    });

    it('keeps at most 4 kB of the response', async () => {
      respond = (_q, r) => r.writeHead(500).end('x'.repeat(100_000));
      const result = await send(`http://receiver.test:${port}/big`);
      expect(result.status).toBe(500);
      expect(Buffer.byteLength(result.excerpt!)).toBe(4096);
    });

    it('gives up after the timeout', async () => {
      respond = () => undefined;
      const result = await send(`http://receiver.test:${port}/slow`, 200);
      expect(result).toMatchObject({ status: null, errorClass: 'timeout' });
      expect(result.latencyMs).toBeGreaterThanOrEqual(190);
    });
  });

});
