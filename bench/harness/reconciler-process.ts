import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FromChild, ToChild } from './reconciler-protocol';

const ROOT = path.resolve(__dirname, '..', '..');

type Answer<T extends FromChild['type']> = Extract<FromChild, { type: T }>;

// A worker-shaped child process (reconciler-child.ts) driven one request at a time: boot, catch up, close.
export class ReconcilerProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private waiter: { expect: FromChild['type']; resolve: (m: FromChild) => void; reject: (e: Error) => void } | null = null;

  constructor() {
    // Same on-the-fly TypeScript loader as `npm run bench` itself.
    this.child = fork(path.join(ROOT, 'scripts', 'run-ts.js'), [path.join(__dirname, 'reconciler-child.ts')], {
      cwd: ROOT,
      // e.g. BENCH_RECONCILER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the reconciler alone.
      execArgv: [...process.execArgv, ...(process.env.BENCH_RECONCILER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (message: FromChild) => {
      const waiter = this.waiter;
      if (!waiter) return;
      this.waiter = null;
      if (message.type === 'error') waiter.reject(new Error(`reconciler child: ${message.message}`));
      else if (message.type !== waiter.expect) waiter.reject(new Error(`reconciler child answered ${message.type}, expected ${waiter.expect}`));
      else waiter.resolve(message);
    });
    this.child.once('exit', (code, signal) => this.waiter?.reject(new Error(`reconciler child exited (${signal ?? code})`)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T extends FromChild['type']>(message: ToChild, expect: T): Promise<Answer<T>> {
    if (this.waiter) return Promise.reject(new Error('reconciler child is busy'));
    return new Promise<Answer<T>>((resolve, reject) => {
      this.waiter = { expect, resolve: resolve as (m: FromChild) => void, reject };
      this.child.send(message);
    });
  }

  // Closes the Nest context (pools, Redis) if it still answers, then makes sure the process is gone.
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected && !this.waiter) {
      await Promise.race([this.request({ type: 'close' }, 'closed').catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(timer);
  }
}
