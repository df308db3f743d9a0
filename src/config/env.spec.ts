import { ConfigError, loadEnv } from './env';
import { DEFAULT_CHAINS } from './chains';

const MASTER_HEX = '6c1d5e0a9b7f4c3e2d1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c';

function configError(source: Record<string, string>): ConfigError {
  try {
    loadEnv(source);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadEnv to throw a ConfigError');
}

const CHAIN = {
  chainId: 11155111,
  name: 'Sepolia',
  testnet: true,
  rpcUrls: ['https://rpc.sepolia.example'],
  assets: [{ symbol: 'USDC', token: '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238', decimals: 6 }],
};

describe(loadEnv.name, () => {
  // KNOWN BUG (reported, patch proposed): zod skips the object-level superRefine holding the
  // MASTER_KEY check whenever a field already failed, and CHAINS is only parsed after the schema
  // passes, so one run does not list every bad variable. Flip these two to it() once fixed.
  it('lists every bad variable in one ConfigError', () => {
    const err = configError({ PORT: 'abc', MASTER_KEY: 'short', DATABASE_URL: 'mysql://db.example/x' });
    const variables = err.issues.map((i) => i.split(':')[0]);
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'MASTER_KEY', 'DATABASE_URL']));
    expect(err.message).toContain('PORT');
    expect(err.message).toContain('MASTER_KEY');
    expect(err.message).toContain('DATABASE_URL');
  });

  it('lists a bad CHAINS value together with bad schema variables', () => {
    const err = configError({ PORT: '70000', MASTER_KEY: MASTER_HEX, CHAINS: '[' });
    const variables = err.issues.map((i) => i.split(/[:.]/)[0]);
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'CHAINS']));
  });

  it('requires MASTER_KEY', () => {
    expect(configError({}).issues).toEqual([expect.stringMatching(/^MASTER_KEY: /)]);
  });

  it.each([
    ['too short hex', 'abcd'],
    ['63 hex characters', MASTER_HEX.slice(1)],
    ['16-byte base64', Buffer.alloc(16, 7).toString('base64')],
  ])('rejects a MASTER_KEY that is not 32 bytes: %s', (_name, value) => {
    expect(configError({ MASTER_KEY: value }).issues).toEqual([expect.stringMatching(/^MASTER_KEY: must be 32 bytes/)]);
  });

  it('accepts MASTER_KEY as 64 hex characters or 32-byte base64, decoded to the same bytes', () => {
    const fromHex = loadEnv({ MASTER_KEY: MASTER_HEX }).MASTER_KEY;
    const fromBase64 = loadEnv({ MASTER_KEY: Buffer.from(MASTER_HEX, 'hex').toString('base64') }).MASTER_KEY;
    expect(fromHex.toString('hex')).toBe(MASTER_HEX);
    expect(fromBase64.equals(fromHex)).toBe(true);
  });

  it('applies the documented defaults', () => {
    const env = loadEnv({ MASTER_KEY: MASTER_HEX });
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      DATABASE_POOL_SIZE: 10,
      REDIS_PREFIX: '{billfold}',
      LOG_LEVEL: 'info',
      TRUST_PROXY_HOPS: 0,
      API_BODY_LIMIT_BYTES: 65_536,
      INVOICE_EXPIRY_HOURS: 72,
      SWAGGER_ENABLED: true,
    });
    expect(env.CHAINS).toEqual(DEFAULT_CHAINS);
  });

  it('coerces numbers and booleans from strings', () => {
    const env = loadEnv({ MASTER_KEY: MASTER_HEX, PORT: '8080', API_BODY_LIMIT_BYTES: '16384', SWAGGER_ENABLED: '0' });
    expect(env.PORT).toBe(8080);
    expect(env.API_BODY_LIMIT_BYTES).toBe(16_384);
    expect(env.SWAGGER_ENABLED).toBe(false);
  });

  it('rejects a body limit above 10 MiB', () => {
    expect(configError({ MASTER_KEY: MASTER_HEX, API_BODY_LIMIT_BYTES: '20000000' }).issues).toEqual([expect.stringMatching(/^API_BODY_LIMIT_BYTES: /)]);
  });

  it('requires an https PUBLIC_BASE_URL in production', () => {
    const err = configError({ MASTER_KEY: MASTER_HEX, NODE_ENV: 'production', PUBLIC_BASE_URL: 'http://billing.example.com' });
    expect(err.issues).toEqual(['PUBLIC_BASE_URL: must be https in production']);
    expect(loadEnv({ MASTER_KEY: MASTER_HEX, NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://billing.example.com' }).PUBLIC_BASE_URL).toBe('https://billing.example.com');
  });

  describe('CHAINS', () => {
    it('parses a valid chain list and fills its defaults', () => {
      const env = loadEnv({ MASTER_KEY: MASTER_HEX, CHAINS: JSON.stringify([CHAIN]) });
      expect(env.CHAINS).toEqual([
        expect.objectContaining({
          chainId: 11155111,
          confirmations: 12,
          finality: 'finalized',
          explorerUrl: null,
          // Addresses are normalised to their EIP-55 form.
          assets: [{ symbol: 'USDC', token: '0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238', decimals: 6 }],
        }),
      ]);
    });

    it('reports CHAINS that is not JSON', () => {
      expect(configError({ MASTER_KEY: MASTER_HEX, CHAINS: '{not json' }).issues).toEqual(['CHAINS: not valid JSON']);
    });

    it('reports the path of a bad field inside CHAINS', () => {
      const err = configError({ MASTER_KEY: MASTER_HEX, CHAINS: JSON.stringify([{ ...CHAIN, chainId: -1 }]) });
      expect(err.issues).toHaveLength(1);
      expect(err.issues[0]).toContain('CHAINS.0.chainId');
    });

    it('rejects unknown fields in a chain', () => {
      const err = configError({ MASTER_KEY: MASTER_HEX, CHAINS: JSON.stringify([{ ...CHAIN, rpcUrl: 'https://x.example' }]) });
      expect(err.issues[0]).toContain('CHAINS.0');
      expect(err.issues[0]).toContain('rpcUrl');
    });

    it('rejects duplicate chain ids', () => {
      const err = configError({ MASTER_KEY: MASTER_HEX, CHAINS: JSON.stringify([CHAIN, CHAIN]) });
      expect(err.issues[0]).toContain('chain ids must be unique');
    });

    it('rejects an empty chain list', () => {
      expect(configError({ MASTER_KEY: MASTER_HEX, CHAINS: '[]' }).issues[0]).toMatch(/^CHAINS/);
    });

    it('reports an unreadable CHAINS_FILE', () => {
      expect(configError({ MASTER_KEY: MASTER_HEX, CHAINS_FILE: '/nonexistent/billfold-chains.json' }).issues).toEqual([
        'CHAINS_FILE: cannot read /nonexistent/billfold-chains.json',
      ]);
    });
  });

  describe('result', () => {
    it('is frozen, including nested chain config', () => {
      const env = loadEnv({ MASTER_KEY: MASTER_HEX, CHAINS: JSON.stringify([CHAIN]) });
      expect(Object.isFrozen(env)).toBe(true);
      expect(Object.isFrozen(env.CHAINS)).toBe(true);
      expect(Object.isFrozen(env.CHAINS[0].assets[0])).toBe(true);
      expect(() => {
        (env as { PORT: number }).PORT = 1;
      }).toThrow(TypeError);
      expect(() => {
        (env.CHAINS as unknown[]).push({});
      }).toThrow(TypeError);
      expect(env.PORT).toBe(3000);
    });

    it('does not expose the raw MASTER_KEY string', () => {
      const env = loadEnv({ MASTER_KEY: MASTER_HEX });
      expect(Buffer.isBuffer(env.MASTER_KEY)).toBe(true);
      expect(JSON.stringify({ ...env, MASTER_KEY: undefined })).not.toContain(MASTER_HEX);
    });

    it('ignores unrelated process variables', () => {
      const env = loadEnv({ MASTER_KEY: MASTER_HEX, PATH: '/usr/bin', HOME: '/root' });
      expect(env).not.toHaveProperty('PATH');
      expect(env).not.toHaveProperty('HOME');
    });
  });
});
