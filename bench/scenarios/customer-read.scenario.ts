import { MerchantService } from '../../src/merchants/merchant.service';
import { compareLoad } from '../harness/compare';
import { MB } from '../harness/rss-sampler';
import { row, type Scenario } from '../harness/scenario';

// DESIGN §8 memory ceiling for the API process (stated there for the portal load; it bounds the API under any load).
const API_RSS_CEILING_MB = 250;

// The cheapest authenticated read (API-key lookup, tenant-scoped query, presenter) against the cheapest route
// the same server has: what the merchant API costs on top of the framework.
export const scenario: Scenario = {
  name: 'customer-read',
  description: 'GET /api/v1/customers/:id vs /healthz on the same server',
  async run(ctx) {
    const api = await ctx.api();
    const { apiKey } = await api.app.get(MerchantService).create({ name: 'Bench Merchant', livemode: false });
    const auth = { authorization: `Bearer ${apiKey.secret}` };

    const created = await fetch(`${api.baseUrl}/api/v1/customers`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'bench-customer-1' },
      body: JSON.stringify({ email: 'bench@example.com', name: 'Bench Customer' }),
    });
    const customer = (await created.json()) as { id?: string };
    if (created.status !== 201 || !customer.id) throw new Error(`creating the customer answered ${created.status}: ${JSON.stringify(customer)}`);
    const path = `/api/v1/customers/${customer.id}`;
    const check = await fetch(`${api.baseUrl}${path}`, { headers: auth });
    if (check.status !== 200) throw new Error(`GET ${path} answered ${check.status}`);

    const result = await compareLoad(ctx.load(), {
      target: { url: `${api.baseUrl}${path}`, headers: auth },
      baseline: { url: `${api.baseUrl}/healthz` },
      connections: 20,
      rounds: 2,
      roundSeconds: 4,
      warmupSeconds: 3,
      log: ctx.log,
    });
    // Both sides count: RSS only ratchets up, and /healthz at full speed makes the most garbage per second.
    // In-process, so it includes the harness and the swc compiler (~30 MB more than the compiled API alone).
    const peakRss = Math.max(result.target.peakRssBytes, result.baseline.peakRssBytes);

    return {
      rows: [
        row({
          figure: 'GET /api/v1/customers/:id throughput',
          value: result.target.requestsPerSecond,
          unit: 'req/s',
          baseline: '/healthz throughput',
          baselineValue: result.baseline.requestsPerSecond,
        }),
        row({
          figure: 'GET /api/v1/customers/:id p99',
          value: result.target.p99Ms,
          unit: 'ms',
          baseline: '/healthz p99',
          baselineValue: result.baseline.p99Ms,
        }),
        row({
          figure: 'API peak RSS during the load above',
          value: peakRss / MB,
          unit: 'MB',
          baseline: 'API idle RSS after boot',
          baselineValue: api.idleRssBytes / MB,
          goal: `<= ${API_RSS_CEILING_MB} MB`,
          meets: (r) => r.value <= API_RSS_CEILING_MB,
        }),
      ],
      details: { path, ...result },
    };
  },
};
