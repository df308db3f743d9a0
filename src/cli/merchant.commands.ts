import { ChangeRecorder } from '../audit/change-recorder.service';
import { AppConfig } from '../config/app-config';
import type { Env } from '../config/env';
import { DashboardUserRepository } from '../dashboard/dashboard-user.repository';
import { DashboardUserService, type CreatedDashboardUser } from '../dashboard/dashboard-user.service';
import { PasswordHasher } from '../dashboard/password-hasher';
import { Db } from '../database/db.service';
import { MerchantRepository } from '../merchants/merchant.repository';
import { MerchantService, type CreatedMerchant } from '../merchants/merchant.service';
import type { Scope } from '../merchants/scopes';
import { withCliContext } from './cli-context';

export interface Output {
  out: (line: string) => void;
}

export type CreatedOwner = CreatedDashboardUser & { signInUrl: string };

export async function createMerchantCommand(
  env: Env,
  options: { name: string; slug?: string; live?: boolean; ownerEmail?: string; json?: boolean },
  io: Output,
): Promise<CreatedMerchant & { owner?: CreatedOwner }> {
  const created = await withCliContext(env, (ctx) => {
    const db = ctx.get(Db);
    // One transaction: a refused owner email leaves no merchant behind.
    return db.transaction(async () => {
      const merchant = await ctx.get(MerchantService).create({ name: options.name, slug: options.slug, livemode: options.live ?? false });
      if (!options.ownerEmail) return merchant;
      // The CLI context carries no HTTP modules; the user service needs only the database and the audit trail.
      const users = new DashboardUserService(db, new DashboardUserRepository(db), ctx.get(MerchantRepository), ctx.get(ChangeRecorder), new PasswordHasher(ctx.get(AppConfig)));
      const owner = await users.create(merchant.merchant.id, { email: options.ownerEmail, role: 'owner' }, { type: 'cli', id: 'cli', initiator: 'system' });
      return { ...merchant, owner: { ...owner, signInUrl: `${env.PUBLIC_BASE_URL.replace(/\/$/, '')}/dashboard/sign-in` } };
    });
  });
  const owner = 'owner' in created ? created.owner : undefined;
  if (options.json) {
    io.out(JSON.stringify({ merchant: created.merchant, apiKey: created.apiKey, ...(owner ? { owner } : {}) }));
  } else {
    io.out(`Created merchant ${created.merchant.name} (${created.merchant.id}, slug ${created.merchant.slug})`);
    printKey(created.apiKey, io);
    if (owner) printOwner(owner, io);
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

function printOwner(owner: CreatedOwner, io: Output): void {
  io.out('');
  io.out(`Dashboard owner ${owner.email} (${owner.id}): sign in at ${owner.signInUrl} with this one-time password:`);
  io.out('');
  io.out(`  ${owner.oneTimePassword}`);
  io.out('');
  io.out('It is shown once and is not stored; the owner chooses a new password at the first sign-in.');
}
