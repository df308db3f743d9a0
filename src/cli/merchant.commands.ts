import type { Env } from '../config/env';
import { MerchantService, type CreatedMerchant } from '../merchants/merchant.service';
import type { Scope } from '../merchants/scopes';
import { withCliContext } from './cli-context';

export interface Output {
  out: (line: string) => void;
}

export async function createMerchantCommand(
  env: Env,
  options: { name: string; slug?: string; live?: boolean; json?: boolean },
  io: Output,
): Promise<CreatedMerchant> {
  const created = await withCliContext(env, (ctx) =>
    ctx.get(MerchantService).create({ name: options.name, slug: options.slug, livemode: options.live ?? false }),
  );
  if (options.json) {
    io.out(JSON.stringify({ merchant: created.merchant, apiKey: created.apiKey }));
  } else {
    io.out(`Created merchant ${created.merchant.name} (${created.merchant.id}, slug ${created.merchant.slug})`);
    printKey(created.apiKey, io);
  }
  return created;
}

export async function createApiKeyCommand(
  env: Env,
  options: { merchant: string; live?: boolean; name?: string; scopes?: Scope[]; json?: boolean },
  io: Output,
): Promise<CreatedMerchant['apiKey']> {
  const key = await withCliContext(env, (ctx) =>
    ctx.get(MerchantService).createApiKey(options.merchant, {
      livemode: options.live ?? false,
      name: options.name ?? 'CLI key',
      scopes: options.scopes,
      createdBy: 'cli',
    }),
  );
  if (options.json) io.out(JSON.stringify({ apiKey: key }));
  else printKey(key, io);
  return key;
}

function printKey(key: CreatedMerchant['apiKey'], io: Output): void {
  io.out(`API key ${key.id} (${key.livemode ? 'live' : 'test'} mode), scopes: ${key.scopes.join(' ')}`);
  io.out('');
  io.out(`  ${key.secret}`);
  io.out('');
  io.out('This secret is shown once and is not stored: keep it somewhere safe now.');
}
