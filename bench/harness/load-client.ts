import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FromWorker, LoadJob, LoadSummary, ToWorker } from './load-protocol';
import { RssSampler } from './rss-sampler';

const ROOT = path.resolve(__dirname, '..', '..');

// Drives autocannon in one long-lived child process, one job at a time, and samples this process's RSS
// for the duration of each job.
export class LoadClient {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 0;
  private pending = new Map<number, { resolve: (s: LoadSummary) => void; reject: (e: Error) => void }>();

  async run(job: LoadJob): Promise<LoadSummary> {
    await this.start();
    const id = (this.nextId += 1);
    const sampler = new RssSampler();
    sampler.start();
    try {
      const summary = await new Promise<LoadSummary>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.child!.send({ type: 'run', id, job } satisfies ToWorker);
      });
      return { ...summary, peakRssBytes: sampler.stop() };
    } finally {
      sampler.stop();
    }
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.ready = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    // Same on-the-fly TypeScript loader as `npm run bench` itself.
    const child = fork(path.join(ROOT, 'scripts', 'run-ts.js'), [path.join(__dirname, 'load-worker.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: FromWorker) => {
        if (message.type === 'ready') return resolve();
        const waiter = this.pending.get(message.id);
        if (!waiter) return;
        this.pending.delete(message.id);
        if (message.type === 'result') waiter.resolve(message.summary);
        else waiter.reject(new Error(`load generator: ${message.message}`));
      });
      child.once('exit', (code, signal) => {
        const error = new Error(`load generator exited (${signal ?? code})`);
        reject(error);
        for (const waiter of this.pending.values()) waiter.reject(error);
        this.pending.clear();
      });
      child.once('error', reject);
    });
    return this.ready;
  }
}
