import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Argument, Command } from 'commander';
import { loadEnv } from '../config/env';
import { describeError } from './cli-errors';
import { registerChainsCommand } from './chains.command';
import { registerDevnetCommand } from './devnet.command';
import { parseScopes, START_TARGETS, type StartTarget } from './options';

// `billfold`, the operator's CLI. Commands load their modules lazily so that argument mistakes and
// `--help` answer without booting Nest or opening connections.
const io = { out: (line: string) => void process.stdout.write(`${line}\n`) };

export function buildProgram(): Command {
  const program = new Command('billfold')
    .description('Billfold operator commands: migrations, merchants, API keys, processes, demo')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL)')
    .action(() =>
      run(async () => {
        const env = loadEnv();
        const { migrate } = await import('./migrate.command');
        const ran = await migrate(env);
        if (ran.length === 0) io.out('Schema is up to date: no migration to run.');
        else io.out(`Applied ${ran.length} migration${ran.length > 1 ? 's' : ''}:\n${ran.map((n) => `  ${n}`).join('\n')}`);
      }),
    );

  const merchants = program.command('merchants').description('manage merchants');
  merchants
    .command('create')
    .description('create a merchant and its first API key (the secret is printed once), optionally its dashboard owner')
    .requiredOption('--name <name>', 'display name')
    .option('--slug <slug>', 'URL slug (default: derived from the name)')
    .option('--live', 'make the first key a live-mode key (sk_live_) instead of test mode (sk_test_)')
    .option('--owner-email <email>', 'also create the first dashboard user (role owner) and print a one-time password')
    .option('--json', 'print {"merchant": {...}, "apiKey": {...}} (and "owner" with --owner-email) on stdout and nothing else')
    .action((options: { name: string; slug?: string; live?: boolean; ownerEmail?: string; json?: boolean }) =>
      run(async () => {
        const env = loadEnv();
        const { createMerchantCommand } = await import('./merchant.commands');
        await createMerchantCommand(env, options, io);
      }),
    );

  const apiKeys = program.command('api-keys').description('manage merchant API keys');
  apiKeys
    .command('create')
    .description('create an API key for a merchant (the secret is printed once)')
    .requiredOption('--merchant <id>', 'merchant id (mer_...)')
    .option('--live', 'live-mode key (sk_live_) instead of test mode (sk_test_)')
    .option('--name <name>', 'a label for the key', 'CLI key')
    .option('--scopes <list>', 'comma-separated scopes (default: all), e.g. customers:read,invoices:read')
    .option('--json', 'print {"apiKey": {...}} on stdout and nothing else')
    .action((options: { merchant: string; live?: boolean; name: string; scopes?: string; json?: boolean }) =>
      run(async () => {
        const scopes = options.scopes === undefined ? undefined : parseScopes(options.scopes);
        const env = loadEnv();
        const { createApiKeyCommand } = await import('./merchant.commands');
        await createApiKeyCommand(env, { ...options, scopes }, io);
      }),
    );

  program
    .command('start')
    .description('run the HTTP API, the background worker, or both in one process')
    .addArgument(new Argument('<target>', 'what to run').choices(START_TARGETS))
    .action((target: StartTarget) =>
      run(async () => {
        const { startCommand } = await import('./start.command');
        await startCommand(target);
      }, { exitOnError: true }),
    );

  program
    .command('demo')
    .description('seed a demo merchant and run API and worker locally (same as npm run demo)')
    .action(() =>
      run(async () => {
        const { demoCommand } = await import('./demo.command');
        await demoCommand();
      }, { exitOnError: true }),
    );

  registerDevnetCommand(program);
  registerChainsCommand(program, io, run);
  return program;
}

async function run(action: () => Promise<void>, options: { exitOnError?: boolean } = {}): Promise<void> {
  try {
    await action();
  } catch (err) {
    process.stderr.write(`${describeError(err)}\n`);
    // A half-started process (API up, worker failed) must not linger.
    if (options.exitOnError) process.exit(1);
    process.exitCode = 1;
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

void buildProgram().parseAsync(process.argv);
