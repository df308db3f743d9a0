import { ConfigError } from '../config/env';
import { DomainError } from '../common/errors';

// A mistake in the command line itself (as opposed to the configuration or the data).
export class UsageError extends Error {}

const PG_HINTS: Record<string, string> = {
  '3D000': 'the database does not exist: create it (createdb billfold) or fix DATABASE_URL',
  '42P01': 'the schema is missing: run `billfold migrate` first',
};

// One line (or, for configuration, one line per bad variable) an operator can act on; never a stack.
export function describeError(err: unknown): string {
  if (err instanceof ConfigError) {
    const hint = err.issues.some((i) => i.startsWith('MASTER_KEY')) ? '\nhint: generate a MASTER_KEY once with `openssl rand -hex 32` and keep it secret' : '';
    return `error: ${err.message}${hint}`;
  }
  if (err instanceof UsageError || err instanceof DomainError) return `error: ${err.message}`;
  const e = err as { code?: string; message?: string; driverError?: { code?: string } };
  const pgCode = e?.driverError?.code ?? e?.code;
  if (pgCode && PG_HINTS[pgCode]) return `error: ${e.message}\nhint: ${PG_HINTS[pgCode]}`;
  if (pgCode === 'ECONNREFUSED') return `error: ${e.message}\nhint: is the server at that address running? (check DATABASE_URL and REDIS_URL)`;
  return `error: ${e?.message ?? String(err)}`;
}
