import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { chainsSchema, DEFAULT_CHAINS, type ChainConfig } from './chains';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/billfold'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    // Hash-tagged so every BullMQ key of one queue lands on one Redis Cluster slot.
    REDIS_PREFIX: z.string().min(1).default('{billfold}'),
    PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000'),
    // 32 random bytes, hex or base64; every purpose key (API-key pepper, link keys, column cipher) derives from it.
    // Checked on the field itself (not in a superRefine) so it is reported alongside other bad variables.
    MASTER_KEY: z
      .string()
      .min(1, 'MASTER_KEY is required (32 random bytes, hex or base64)')
      .refine((v) => decodeKey(v) !== null, 'must be 32 bytes as 64 hex chars or base64'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    API_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(65_536),
    CHAINS: z.string().optional(),
    CHAINS_FILE: z.string().optional(),
    INVOICE_EXPIRY_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(72),
    INVOICE_MONITOR_HOURS: z.coerce.number().int().min(0).max(24 * 30).default(24),
    SMTP_URL: z.string().optional(),
    SMTP_FROM: z.string().default('Billfold <billing@localhost>'),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
    SWAGGER_ENABLED: bool.default(true),
    // Password (user "admin") for the queue board at /admin/queues; the board is off without it.
    ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN needs at least 16 characters').optional(),
    // Webhook egress: loopback and private destinations (and plain http to loopback) for development and tests only.
    WEBHOOK_ALLOW_LOOPBACK: bool.default(false),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(15_000),
    // Ports a public webhook endpoint may use, comma-separated.
    WEBHOOK_ALLOWED_PORTS: z
      .string()
      .regex(/^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$/, 'comma-separated port numbers')
      .transform((v) => v.split(',').map((p) => Number(p.trim())))
      .refine((ports) => ports.every((p) => p >= 1 && p <= 65535), 'ports are 1-65535')
      .default([443]),
    // How long webhook deliveries and their attempt logs are kept.
    WEBHOOK_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    // scrypt cost of staff passwords. The defaults are OWASP's minimum (N=2^17, r=8, p=1); only the
    // test suite lowers them, and production refuses anything cheaper.
    PASSWORD_SCRYPT_N: z.coerce
      .number()
      .int()
      .min(2 ** 10)
      .max(2 ** 20)
      .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')
      .default(2 ** 17),
    PASSWORD_SCRYPT_R: z.coerce.number().int().min(1).max(16).default(8),
    PASSWORD_SCRYPT_P: z.coerce.number().int().min(1).max(4).default(1),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.PUBLIC_BASE_URL.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'must be https in production' });
    }
    if (env.NODE_ENV === 'production' && env.WEBHOOK_ALLOW_LOOPBACK) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_ALLOW_LOOPBACK'], message: 'must be false in production (it lets webhooks reach internal addresses)' });
    }
    if (env.NODE_ENV === 'production' && (env.PASSWORD_SCRYPT_N < 2 ** 17 || env.PASSWORD_SCRYPT_R < 8)) {
      ctx.addIssue({ code: 'custom', path: ['PASSWORD_SCRYPT_N'], message: 'scrypt cost below N=2^17, r=8, p=1 is for tests only' });
    }
  });

export type Env = Omit<z.infer<typeof envSchema>, 'MASTER_KEY' | 'CHAINS' | 'CHAINS_FILE'> & {
  MASTER_KEY: Buffer;
  CHAINS: ChainConfig[];
};

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

function decodeKey(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const b = Buffer.from(value, 'base64');
  return b.length === 32 ? b : null;
}

// The only reader of process.env: parse once, report every bad variable, freeze the result.
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  const issues: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  // CHAINS is checked even when other variables are bad, so one run reports every problem.
  let chains: ChainConfig[] = DEFAULT_CHAINS;
  const rawChains = source.CHAINS ?? (source.CHAINS_FILE ? readChainsFile(source.CHAINS_FILE, issues) : undefined);
  if (rawChains !== undefined) {
    const result = parseChains(rawChains);
    if (typeof result === 'string') issues.push(result);
    else chains = result;
  }
  if (!parsed.success || issues.length) throw new ConfigError(issues);
  const { MASTER_KEY, CHAINS: _chains, CHAINS_FILE: _chainsFile, ...rest } = parsed.data;
  return deepFreeze({ ...rest, MASTER_KEY: decodeKey(MASTER_KEY)!, CHAINS: chains });
}

function readChainsFile(file: string, issues: string[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    issues.push(`CHAINS_FILE: cannot read ${file}`);
    return undefined;
  }
}

function parseChains(raw: string): ChainConfig[] | string {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return 'CHAINS: not valid JSON';
  }
  const result = chainsSchema.safeParse(json);
  if (!result.success) {
    return result.error.issues.map((i) => `CHAINS.${i.path.join('.')}: ${i.message}`).join('; ');
  }
  return result.data;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
