import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './cli-errors';

// The demo lives in scripts/ (it seeds through the HTTP API and will drive a devnet), so it runs
// from a source checkout only; in a checkout the CLI already compiles TypeScript on the fly.
export async function demoCommand(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const script = path.join(root, 'scripts', 'demo.ts');
  if (!existsSync(script)) throw new UsageError('the demo runs from a source checkout: npm install && npm run demo');
  if (!require.extensions['.ts']) {
    const runTs = require(path.join(root, 'scripts', 'run-ts.js')) as { registerTs: () => void };
    runTs.registerTs();
  }
  const demo = require(script) as { runDemo: () => Promise<void> };
  await demo.runDemo();
}
