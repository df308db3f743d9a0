import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

// A local anvil (Foundry's devnet node) for the demo and the tests. The binary comes from the
// exact-pinned optional dependency @foundry-rs/anvil-<platform>-<arch> and is spawned directly:
// the package's own `bin` wrapper costs ~270 ms more per start.
export interface AnvilOptions {
  // Loopback port; a free one is picked when omitted.
  port?: number;
  // Seconds between blocks (interval mining); automine (one block per transaction) when omitted.
  blockTime?: number;
  // `finalized` trails `latest` by 2 epochs: 4 slots gives latest − 8 instead of anvil's latest − 64.
  slotsInAnEpoch?: number;
  extraArgs?: string[];
  // Waiting for "Listening on" (anvil is up in ~70 ms; a slow CI runner may take longer).
  startTimeoutMs?: number;
}

export interface AnvilInstance {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export const ANVIL_CHAIN_ID = 31337;
const HOST = '127.0.0.1';

export class AnvilNotFoundError extends Error {}
export class AnvilStartError extends Error {}

// npm names the architectures differently from Node for x64 only.
function platformPackage(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return `@foundry-rs/anvil-${process.platform}-${arch}`;
}

// The platform package's binary, or plain `anvil` for spawn to look up on PATH (a missing one
// surfaces as ENOENT, reported by startAnvil as AnvilNotFoundError).
export function resolveAnvilBinary(): string {
  try {
    const dir = path.dirname(require.resolve(`${platformPackage()}/package.json`));
    const bin = path.join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
    if (existsSync(bin)) return bin;
  } catch {
    // Not installed for this platform (only linux-amd64 is pinned): fall back to PATH.
  }
  return 'anvil';
}

function notFound(): AnvilNotFoundError {
  return new AnvilNotFoundError(
    `anvil not found: neither the npm package ${platformPackage()} (run npm install; it is pinned for linux x64 only) ` +
      'nor an `anvil` on PATH (install Foundry: https://getfoundry.sh)',
  );
}

// anvil rejects `--port 0`, so borrow a free port from the kernel and hand it over. Another
// process could grab it in between; the start then fails loudly instead of binding elsewhere.
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilInstance> {
  const bin = resolveAnvilBinary();
  const port = options.port ?? (await freePort());
  const args = ['--host', HOST, '--port', String(port), '--chain-id', String(ANVIL_CHAIN_ID)];
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.slotsInAnEpoch !== undefined) args.push('--slots-in-an-epoch', String(options.slotsInAnEpoch));
  args.push(...(options.extraArgs ?? []));

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Kept for the error message: anvil explains a busy port or a bad flag on stderr/stdout.
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  await new Promise<void>((resolve, reject) => {
    const timeout = options.startTimeoutMs ?? 10_000;
    const timer = setTimeout(() => fail(new AnvilStartError(`anvil did not start within ${timeout} ms`)), timeout);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
      if (output.includes('Listening on')) done();
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(new AnvilStartError(`anvil exited (${signal ?? `code ${code}`}) before listening`));
    const onError = (err: NodeJS.ErrnoException) =>
      fail(err.code === 'ENOENT' && bin === 'anvil' ? notFound() : new AnvilStartError(`cannot run ${bin}: ${err.message}`));
    function cleanup() {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    function done() {
      cleanup();
      resolve();
    }
    function fail(err: Error) {
      cleanup();
      child.kill('SIGKILL');
      if (err instanceof AnvilStartError) {
        const tail = output.trim().split('\n').slice(-5).join('\n');
        err.message = `${err.message} (${HOST}:${port})${tail ? `:\n${tail}` : ''}`;
      }
      reject(err);
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  // Keep draining the pipes (anvil logs every RPC call) so a full pipe never blocks it.
  child.stdout.resume();
  child.stderr.resume();

  let stopping: Promise<void> | null = null;
  return {
    url: `http://${HOST}:${port}`,
    port,
    pid: child.pid!,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killTimer);
      })();
      return stopping;
    },
  };
}
