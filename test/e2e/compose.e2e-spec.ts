import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadEnv } from '../../src/config/env';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

// The best validator on this machine: the Compose plugin, the standalone v1 binary, or none
// (then only the structural checks below run; no YAML parser is a dependency).
function composeValidator(): { label: string; command: string[] } | null {
  const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;
  if (works('docker', ['compose', 'version'])) return { label: 'docker compose config -q', command: ['docker', 'compose', 'config', '-q'] };
  if (works('docker-compose', ['version'])) return { label: 'docker-compose config -q', command: ['docker-compose', 'config', '-q'] };
  return null;
}

// Top-level `services:` block → service name → its raw lines.
function services(yaml: string): Map<string, string> {
  const result = new Map<string, string>();
  let inServices = false;
  let current: string | null = null;
  for (const line of yaml.split('\n')) {
    if (/^\S/.test(line)) {
      inServices = /^services:\s*$/.test(line);
      current = null;
      continue;
    }
    if (!inServices) continue;
    const name = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
    if (name) {
      current = name[1];
      result.set(current, '');
    } else if (current) {
      result.set(current, `${result.get(current)}${line}\n`);
    }
  }
  return result;
}

function foldedScalar(yaml: string, key: string): string {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s+${key}: >-\\s*$`).test(l));
  if (start < 0) throw new Error(`${key} not found as a folded scalar`);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^ {4}\S/.test(line)) break;
    body.push(line.trim());
  }
  return body.join(' ');
}

const validator = composeValidator();

describe('docker-compose.yml', () => {
  const yaml = readFileSync(COMPOSE_FILE, 'utf8');
  const byName = services(yaml);

  (validator ? it : it.skip)(`is valid according to ${validator?.label ?? 'docker compose (not installed here)'}`, () => {
    const [cmd, ...args] = validator!.command;
    const result = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    // stderr rides along so a failure shows the validator's reason.
    expect({ status: result.status, stderr: result.stderr }).toMatchObject({ status: 0 });
  });

  it('declares the full stack with healthchecks and a migrate step before api and worker', () => {
    for (const name of ['postgres', 'redis', 'anvil', 'migrate', 'api', 'worker']) expect(byName.has(name)).toBe(true);
    expect(byName.get('postgres')).toMatch(/image: postgres:15\b/);
    expect(byName.get('redis')).toMatch(/image: redis:7\b/);
    expect(byName.get('anvil')).toMatch(/ghcr\.io\/foundry-rs\/foundry/);
    expect(byName.get('anvil')).toMatch(/"--chain-id", "31337"/);
    for (const name of ['postgres', 'redis', 'anvil', 'api']) expect(byName.get(name)).toContain('healthcheck:');
    expect(byName.get('migrate')).toMatch(/"bin\/billfold\.js", "migrate"/);
    expect(byName.get('api')).toMatch(/"bin\/billfold\.js", "start", "api"/);
    expect(byName.get('worker')).toMatch(/"bin\/billfold\.js", "start", "worker"/);
    for (const name of ['api', 'worker']) {
      expect(byName.get(name)).toMatch(/migrate:\s+condition: service_completed_successfully/);
      expect(byName.get(name)).toMatch(/redis:\s+condition: service_healthy/);
    }
  });

  it('gives the app a configuration that passes the boot-time validation', () => {
    const masterKey = /MASTER_KEY: \$\{MASTER_KEY:-([^}]+)\}/.exec(yaml)?.[1];
    expect(masterKey).toBeDefined();
    const env = loadEnv({
      DATABASE_URL: 'postgres://postgres:billfold@postgres:5432/billfold',
      REDIS_URL: 'redis://redis:6379',
      PUBLIC_BASE_URL: 'http://localhost:3000',
      MASTER_KEY: masterKey,
      CHAINS: foldedScalar(yaml, 'CHAINS'),
    });
    expect(env.CHAINS).toHaveLength(1);
    expect(env.CHAINS[0]).toMatchObject({ chainId: 31337, testnet: true, rpcUrls: ['http://anvil:8545'] });
    expect(env.CHAINS[0].assets.map((a) => a.symbol)).toEqual(['ETH', 'USDC']);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

  it('builds on node:24-slim in two stages and ships production dependencies only', () => {
    expect(dockerfile.match(/^FROM node:24-slim\b/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/npm install --omit=dev/);
    expect(dockerfile).not.toMatch(/^RUN .*npm ci\b/m);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
  });
});
