import { spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_MASTER_KEY } from './env';
import { ensureWorkerDatabase, runId } from './test-db';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ROOT = path.join(__dirname, '..', '..');

// The real binary, as an operator runs it: a child process compiling the CLI from source.
export function billfold(args: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'billfold.js'), ...args], {
      cwd: ROOT,
      env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// The environment an operator's shell would give the binary: this worker's database and a Redis
// prefix of the suite's own. Costs stay at their defaults, as in production (a suite checks it).
export async function cliEnv(name: string, extra: Record<string, string> = {}): Promise<Record<string, string | undefined>> {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    DATABASE_URL: await ensureWorkerDatabase(),
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `{${runId()}-${name}}`,
    MASTER_KEY: TEST_MASTER_KEY,
    ...extra,
  };
}
