import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'dist', 'worker.js');

// The worker as production runs it: `node dist/worker.js` in a process of its own (no TypeScript
// loader, nothing of the bench in its heap), so its boot time and RSS are its own.
export class BuiltWorker {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private output = '';

  // At least `info`: the ready line (and, at `debug`, the catch-up's chunk timings) is read from the log.
  private constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['-r', 'reflect-metadata', ENTRY], { cwd: ROOT, env: { ...env, LOG_LEVEL: env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? env.LOG_LEVEL : 'info', NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-200_000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  // Resolves once the worker logs that it is ready, with the boot time it measured itself (from
  // its own process start) and the moment the bench saw it.
  static async start(env: Record<string, string>, timeoutMs = 20_000): Promise<{ worker: BuiltWorker; bootMs: number; startedAt: number; readyAt: number }> {
    const startedAt = performance.now();
    const worker = new BuiltWorker(env);
    const deadline = startedAt + timeoutMs;
    for (;;) {
      const line = worker.output.split('\n').find((l) => l.includes('worker ready'));
      const match = line ? /"bootMs":(\d+)/.exec(line) : null;
      if (match) return { worker, bootMs: Number(match[1]), startedAt, readyAt: performance.now() };
      if (worker.child.exitCode !== null) throw new Error(`the worker exited (${worker.child.exitCode}):\n${worker.output.slice(-2_000)}`);
      if (performance.now() > deadline) {
        await worker.stop();
        throw new Error(`the worker was not ready within ${timeoutMs} ms:\n${worker.output.slice(-2_000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // The kernel's high-water mark of the process's RSS since it started.
  peakRssBytes(): number {
    return this.status('VmHWM');
  }

  rssBytes(): number {
    return this.status('VmRSS');
  }

  // The worker's JSON log lines whose message is `msg`.
  logLines(msg: string): Record<string, unknown>[] {
    return this.output
      .split('\n')
      .filter((l) => l.includes(`"msg":"${msg}"`) || l.includes(`"context":"${msg}"`))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  logTail(chars = 2_000): string {
    return this.output.slice(-chars);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  private status(field: 'VmHWM' | 'VmRSS'): number {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
    if (!match) throw new Error(`no ${field} for the worker process`);
    return Number(match[1]) * 1024;
  }
}

// Builds dist/ when any source file is newer than the built worker (or it is missing).
export function ensureBuilt(log: (message: string) => void): void {
  const built = existsSync(ENTRY) ? statSync(ENTRY).mtimeMs : 0;
  if (built && newest(path.join(ROOT, 'src')) <= built) return;
  log('building dist/ (npm run build) for the worker under measurement');
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
}

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}
