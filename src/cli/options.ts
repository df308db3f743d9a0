import { isScope, SCOPES, type Scope } from '../merchants/scopes';
import { UsageError } from './cli-errors';

export const START_TARGETS = ['api', 'worker', 'all'] as const;
export type StartTarget = (typeof START_TARGETS)[number];

// Checked before any connection is opened, so a typo fails fast and names the valid scopes.
export function parseScopes(raw: string): Scope[] {
  const requested = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (requested.length === 0) throw new UsageError(`--scopes needs at least one scope; valid scopes: ${SCOPES.join(', ')}`);
  const unknown = requested.filter((s) => !isScope(s));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid scopes: ${SCOPES.join(', ')}`);
  }
  return [...new Set(requested)] as Scope[];
}

export function parseStartTarget(raw: string): StartTarget {
  if ((START_TARGETS as readonly string[]).includes(raw)) return raw as StartTarget;
  throw new UsageError(`unknown start target ${raw}; use one of: ${START_TARGETS.join(', ')}`);
}
