import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ColumnCipher, type CipherContext } from '../common/crypto/column-cipher';
import { deriveKey, hmacSha256 } from '../common/crypto/keys';
import { DomainError, ValidationError } from '../common/errors';
import type { Tenant } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { IdempotencyRepository } from './idempotency.repository';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

export interface IdempotentRequest {
  key: string | undefined;
  method: string;
  path: string;
  body: unknown;
}

export type IdempotentOutcome = { replayed: false; body: unknown } | { replayed: true; body: unknown; status: number };

// Claim, business write and stored response commit in one transaction: a failed request
// stores nothing and can be retried with the same key; a finished one is replayed for 24 h.
//
// Stored responses hold whatever the route returned (customer PII, a freshly rotated link secret),
// so they are sealed with the column cipher; fingerprints are keyed so a low-entropy body (an
// email) cannot be confirmed by hashing guesses.
@Injectable()
export class IdempotencyService {
  private readonly fingerprintKey: Buffer;
  private readonly cipher: ColumnCipher;

  constructor(
    private readonly db: Db,
    private readonly repo: IdempotencyRepository,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.fingerprintKey = deriveKey(config.env.MASTER_KEY, 'idempotency-fingerprint');
    this.cipher = new ColumnCipher(config.env.MASTER_KEY);
  }

  async run(tenant: Tenant, request: IdempotentRequest, status: number, execute: () => Promise<unknown>): Promise<IdempotentOutcome> {
    const key = validateKey(request.key);
    const fingerprint = fingerprintOf(request, this.fingerprintKey);
    return this.db.transaction(async () => {
      if (!(await this.repo.tryLock(tenant, key))) {
        throw new DomainError('idempotency_in_flight', 'A request with this Idempotency-Key is still being processed; retry later');
      }
      const now = this.clock.now();
      const existing = await this.repo.find(tenant, key);
      if (existing && now.getTime() - existing.createdAt.getTime() < IDEMPOTENCY_TTL_MS) {
        if (existing.fingerprint !== fingerprint) {
          throw new DomainError('idempotency_mismatch', 'This Idempotency-Key was already used with a different request');
        }
        return { replayed: true as const, body: this.open(tenant, key, existing.responseBody), status: existing.responseStatus };
      }
      if (existing) await this.repo.remove(tenant, key);
      const body = await execute();
      await this.repo.insert(
        Object.assign(new IdempotencyKeyEntity(), {
          merchantId: tenant.merchantId,
          livemode: tenant.livemode,
          key,
          fingerprint,
          responseStatus: status,
          responseBody: { sealed: this.cipher.encrypt(JSON.stringify(body ?? null), sealContext(tenant, key)) },
          createdAt: now,
        }),
      );
      return { replayed: false as const, body };
    });
  }

  private open(tenant: Tenant, key: string, stored: unknown): unknown {
    const sealed = (stored as { sealed?: unknown } | null)?.sealed;
    // Rows written before responses were sealed are replayed as stored until they expire.
    if (typeof sealed !== 'string') return stored;
    return JSON.parse(this.cipher.decrypt(sealed, sealContext(tenant, key))) as unknown;
  }
}

// The key is client-chosen text and may contain the cipher's field separator, so the row is named by its hash.
function sealContext(tenant: Tenant, key: string): CipherContext {
  const rowId = createHash('sha256').update(`${tenant.livemode ? 'live' : 'test'}\n${key}`).digest('hex');
  return { merchantId: tenant.merchantId, table: 'idempotency_key', column: 'response_body', rowId };
}

function validateKey(key: string | undefined): string {
  if (key === undefined || key === '') {
    throw new DomainError('idempotency_key_required', 'Send an Idempotency-Key header with every POST');
  }
  if (!KEY_PATTERN.test(key)) {
    throw new DomainError('idempotency_key_invalid', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
  return key;
}

export function fingerprintOf(request: Pick<IdempotentRequest, 'method' | 'path' | 'body'>, key: Buffer): string {
  return hmacSha256(key, `${request.method}\n${request.path}\n${canonicalJson(request.body ?? null)}`).toString('hex');
}

// Far deeper than any API body; a 64 kB body of '[' would otherwise overflow the stack (a 500).
const MAX_DEPTH = 64;

// Key order must not change the fingerprint: the same request, serialised differently, is the same request.
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw new ValidationError(`Request body is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], depth + 1)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
