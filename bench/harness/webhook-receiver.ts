import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSample {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

// The header a bench's bare POST loop adds so the receiver can tell its requests from real deliveries.
export const BASELINE_HEADER = 'x-bench-baseline';

// A webhook receiver as cheap as one can be: reads the whole body, answers 204, counts. Deliveries are counted per
// `webhook-id` (so a duplicate or a missing one shows), the bare loop's requests (BASELINE_HEADER) in one sum; the
// first few deliveries are kept whole so the caller can check their signatures after the timed part.
export class WebhookReceiver {
  readonly ids = new Map<string, number>();
  readonly samples: ReceivedSample[] = [];
  deliveries = 0;
  baseline = 0;
  bytes = 0;
  private readonly server: http.Server;

  private constructor(
    readonly url: string,
    server: http.Server,
  ) {
    this.server = server;
  }

  static async start(keepSamples = 20): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | null = null;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const r = receiver!;
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        r.bytes += body.length;
        const id = req.headers['webhook-id'];
        if (req.headers[BASELINE_HEADER] !== undefined) r.baseline += 1;
        else {
          r.deliveries += 1;
          const key = typeof id === 'string' ? id : '(none)';
          r.ids.set(key, (r.ids.get(key) ?? 0) + 1);
          if (r.samples.length < keepSamples) r.samples.push({ headers: req.headers, body });
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    receiver = new WebhookReceiver(`http://127.0.0.1:${port}/hooks/billfold`, server);
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  // Idle keep-alive sockets (the baseline's) would otherwise hold close() open until they time out.
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
    this.server.closeAllConnections();
    await closed;
  }
}
