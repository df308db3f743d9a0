import autocannon from 'autocannon';
import type { FromWorker, LoadJob, LoadSummary, ToWorker } from './load-protocol';
import { runPaced } from './paced-load';

// Runs in a child process (forked by load-client.ts) so the load generator neither shares the server's event loop
// nor counts towards the server's RSS.

function send(message: FromWorker): void {
  process.send?.(message);
}

async function runJob(job: LoadJob): Promise<LoadSummary> {
  if (job.paced && job.overallRate) return runPaced(job, job.overallRate);
  const result = await autocannon({
    url: job.url,
    method: job.method ?? 'GET',
    headers: job.headers,
    body: job.body,
    connections: job.connections,
    duration: job.durationSeconds,
    pipelining: job.pipelining ?? 1,
    overallRate: job.overallRate,
  });
  return {
    url: job.url,
    durationSeconds: result.duration,
    requestsPerSecond: result.requests.average,
    requestsTotal: result.requests.total,
    latencyMs: {
      average: result.latency.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

process.on('message', (message: ToWorker) => {
  if (message.type !== 'run') return;
  runJob(message.job).then(
    (summary) => send({ type: 'result', id: message.id, summary }),
    (err: unknown) => send({ type: 'error', id: message.id, message: err instanceof Error ? err.message : String(err) }),
  );
});
// The parent going away (or closing the channel) ends this process.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
