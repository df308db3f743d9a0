// Regenerates the committed devnet contract artifacts (contracts/artifacts/*.json) from
// contracts/*.sol with the pinned npm `solc` (wasm) and `@openzeppelin/contracts`, so tests and the
// demo need neither a compiler nor the network.
//
//   node scripts/run-ts.js scripts/build-contracts.ts           # rewrite the artifacts
//   node scripts/run-ts.js scripts/build-contracts.ts --check   # exit 1 if they are stale
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import solc from 'solc';

const ROOT = path.resolve(__dirname, '..');
const CONTRACTS_DIR = path.join(ROOT, 'contracts');
const ARTIFACTS_DIR = path.join(CONTRACTS_DIR, 'artifacts');
const CONTRACTS = ['TestToken', 'Forwarder', 'OwnedWallet'] as const;

// `paris` predates PUSH0, so the bytecode also deploys on chains and tools that lag behind Shanghai.
const SETTINGS = {
  evmVersion: 'paris',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
};

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

export interface Artifact {
  contractName: string;
  compiler: string;
  evmVersion: string;
  abi: unknown[];
  bytecode: `0x${string}`;
}

export function compileContracts(): Artifact[] {
  const sources = Object.fromEntries(
    CONTRACTS.map((name) => [`contracts/${name}.sol`, { content: readFileSync(path.join(CONTRACTS_DIR, `${name}.sol`), 'utf8') }]),
  );
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: readImport })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  return CONTRACTS.map((name) => {
    const compiled = output.contracts?.[`contracts/${name}.sol`]?.[name];
    if (!compiled) throw new Error(`solc produced no output for ${name}`);
    return {
      contractName: name,
      compiler: `solc ${solc.version() as string}`,
      evmVersion: SETTINGS.evmVersion,
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
    };
  });
}

// Only OpenZeppelin imports are resolved, from the pinned package in node_modules.
function readImport(importPath: string): { contents: string } | { error: string } {
  if (!importPath.startsWith('@openzeppelin/contracts/')) return { error: `import not allowed: ${importPath}` };
  try {
    return { contents: readFileSync(require.resolve(importPath), 'utf8') };
  } catch {
    return { error: `not found: ${importPath}` };
  }
}

function main(): void {
  const check = process.argv.includes('--check');
  const started = Date.now();
  let stale = 0;
  for (const artifact of compileContracts()) {
    const file = path.join(ARTIFACTS_DIR, `${artifact.contractName}.json`);
    const text = `${JSON.stringify(artifact, null, 2)}\n`;
    const current = (() => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return null;
      }
    })();
    const size = (artifact.bytecode.length - 2) / 2;
    if (current === text) {
      process.stdout.write(`${path.relative(ROOT, file)} is up to date (${size} bytes of bytecode)\n`);
    } else if (check) {
      stale += 1;
      process.stderr.write(`${path.relative(ROOT, file)} is stale: run node scripts/run-ts.js scripts/build-contracts.ts\n`);
    } else {
      writeFileSync(file, text);
      process.stdout.write(`wrote ${path.relative(ROOT, file)} (${size} bytes of bytecode)\n`);
    }
  }
  process.stdout.write(`compiled in ${Date.now() - started} ms\n`);
  if (stale > 0) process.exit(1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === __filename) main();
