import { classifyAddress, classifyError, deliver, EgressRefusedError, excerptOf, mappedIpv4, pinnedLookup, vetUrl, type EgressPolicy, type Resolver, type Transport, type VettedTarget } from './egress';

const STRICT: EgressPolicy = { allowLoopback: false, allowedPorts: [443] };
const DEV: EgressPolicy = { allowLoopback: true, allowedPorts: [443] };
const PUBLIC_IP = '93.184.216.34';

function resolverFor(table: Record<string, string[]>): Resolver & jest.Mock {
  return jest.fn(async (host: string) => {
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  }) as Resolver & jest.Mock;
}

async function refusal(url: string, policy: EgressPolicy, resolve: Resolver): Promise<string> {
  try {
    await vetUrl(url, policy, resolve);
  } catch (err) {
    if (err instanceof EgressRefusedError) return err.reason;
    throw err;
  }
  return 'allowed';
}

describe('webhook egress guard (W10)', () => {
  const resolve = resolverFor({
    'hooks.example.com': [PUBLIC_IP],
    'internal.example.com': ['192.168.1.1'],
    'mixed.example.com': [PUBLIC_IP, '10.1.2.3'],
    'metadata.example.com': ['169.254.169.254'],
    'mapped.example.com': ['::ffff:10.0.0.1'],
    'v6.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
    'localhost.example.com': ['127.0.0.1'],
  });

  it.each([
    ['http://hooks.example.com/hook', 'scheme_not_allowed'],
    ['ftp://hooks.example.com/hook', 'scheme_not_allowed'],
    ['https://127.0.0.1/hook', 'blocked_address'],
    ['https://127.1.2.3/hook', 'blocked_address'],
    ['https://[::1]/hook', 'blocked_address'],
    ['https://169.254.169.254/latest/meta-data', 'blocked_address'],
    ['https://10.0.0.5/hook', 'blocked_address'],
    ['https://172.16.5.4/hook', 'blocked_address'],
    ['https://192.168.1.1/hook', 'blocked_address'],
    ['https://100.64.0.1/hook', 'blocked_address'],
    ['https://0.0.0.0/hook', 'blocked_address'],
    ['https://224.0.0.1/hook', 'blocked_address'],
    ['https://255.255.255.255/hook', 'blocked_address'],
    ['https://[::ffff:127.0.0.1]/hook', 'blocked_address'],
    ['https://[::ffff:7f00:1]/hook', 'blocked_address'],
    ['https://[::ffff:169.254.169.254]/hook', 'blocked_address'],
    ['https://[64:ff9b::a9fe:a9fe]/hook', 'blocked_address'],
    ['https://[::]/hook', 'blocked_address'],
    ['https://[fe80::1]/hook', 'blocked_address'],
    ['https://[fc00::1]/hook', 'blocked_address'],
    ['https://[fd12:3456::1]/hook', 'blocked_address'],
    ['https://[ff02::1]/hook', 'blocked_address'],
    ['https://2130706433/hook', 'blocked_address'],
    ['https://0x7f.1/hook', 'blocked_address'],
    ['https://0x7f000001/hook', 'blocked_address'],
    ['https://0177.0.0.1/hook', 'blocked_address'],
    ['https://017700000001/hook', 'blocked_address'],
    ['https://internal.example.com/hook', 'blocked_address'],
    ['https://mixed.example.com/hook', 'blocked_address'],
    ['https://metadata.example.com/hook', 'blocked_address'],
    ['https://mapped.example.com/hook', 'blocked_address'],
    ['https://localhost.example.com/hook', 'blocked_address'],
    ['https://user:pass@hooks.example.com/hook', 'credentials_in_url'],
    ['https://user@hooks.example.com/hook', 'credentials_in_url'],
    ['https://hooks.example.com:8443/hook', 'port_not_allowed'],
    ['https://unknown.example.com/hook', 'dns_error'],
    ['not a url', 'invalid_url'],
  ])('refuses %s (%s)', async (url, reason) => {
    await expect(refusal(url, STRICT, resolve)).resolves.toBe(reason);
  });

  it.each(['https://hooks.example.com/hook', 'https://hooks.example.com:443/hook?x=1', `https://${PUBLIC_IP}/hook`, 'https://v6.example.com/hook', 'https://[2606:2800:220:1:248:1893:25c8:1946]/hook'])('allows %s', async (url) => {
    await expect(refusal(url, STRICT, resolve)).resolves.toBe('allowed');
  });

  it('development mode: loopback and private allowed, plain http to loopback only, metadata never', async () => {
    await expect(refusal('http://127.0.0.1:4567/hook', DEV, resolve)).resolves.toBe('allowed');
    await expect(refusal('http://[::1]:4567/hook', DEV, resolve)).resolves.toBe('allowed');
    await expect(refusal('http://localhost.example.com:4567/hook', DEV, resolve)).resolves.toBe('allowed');
    await expect(refusal('https://10.0.0.5:8443/hook', DEV, resolve)).resolves.toBe('allowed');
    await expect(refusal('http://10.0.0.5/hook', DEV, resolve)).resolves.toBe('scheme_not_allowed');
    await expect(refusal('http://hooks.example.com/hook', DEV, resolve)).resolves.toBe('scheme_not_allowed');
    await expect(refusal('https://169.254.169.254/hook', DEV, resolve)).resolves.toBe('blocked_address');
    await expect(refusal('https://100.64.0.1/hook', DEV, resolve)).resolves.toBe('blocked_address');
    await expect(refusal('https://hooks.example.com:8443/hook', DEV, resolve)).resolves.toBe('port_not_allowed');
  });

  it('classifies addresses, judging IPv4-mapped IPv6 by the IPv4 inside', () => {
    expect(classifyAddress('8.8.8.8')).toBe('public');
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::ffff:a00:1')).toBe('private');
    expect(classifyAddress('::ffff:8.8.8.8')).toBe('public');
    expect(classifyAddress('169.254.169.254')).toBe('link_local');
    expect(classifyAddress('not-an-ip')).toBe('reserved');
    expect(mappedIpv4('::ffff:c0a8:101')).toBe('192.168.1.1');
    expect(mappedIpv4('0:0:0:0:0:ffff:7f00:1')).toBe('127.0.0.1');
    expect(mappedIpv4('2001:db8::1')).toBeNull();
  });

  describe('at send time', () => {
    const body = Buffer.from('{"type":"webhook.test"}');
    const request = { headers: { 'content-type': 'application/json' }, body, timeoutMs: 1_000 };
    const ok: Transport = jest.fn(async () => ({ status: 204, retryAfter: undefined, latencyMs: 1, excerpt: '', errorClass: null }));

    it('checks again before every send: a host that now resolves inside is refused without a packet sent', async () => {
      const transport = jest.fn(ok);
      const rebinding = resolverFor({ 'hooks.example.com': ['10.0.0.7'] });
      const result = await deliver('https://hooks.example.com/hook', request, STRICT, rebinding, transport);
      expect(result).toMatchObject({ status: null, errorClass: 'ssrf_blocked', host: 'hooks.example.com' });
      expect(transport).not.toHaveBeenCalled();
    });

    it('resolves once and connects to the vetted address, whatever DNS answers afterwards (rebinding)', async () => {
      const answers = [[PUBLIC_IP], ['127.0.0.1']];
      const flipping: Resolver & jest.Mock = jest.fn(async () => answers.shift()!.map((address) => ({ address, family: 4 as const })));
      let target: VettedTarget | undefined;
      const transport: Transport = async (t) => {
        target = t;
        return { status: 200, retryAfter: undefined, latencyMs: 1, excerpt: '', errorClass: null };
      };
      await deliver('https://hooks.example.com/hook', request, STRICT, flipping, transport);
      expect(flipping).toHaveBeenCalledTimes(1);
      expect(target).toMatchObject({ hostname: 'hooks.example.com', address: PUBLIC_IP, port: 443 });
      // The socket's lookup answers with the vetted address in both of Node's calling styles.
      const lookup = pinnedLookup(target!.address, target!.family);
      const single = jest.fn();
      const all = jest.fn();
      lookup('hooks.example.com', { all: false }, single);
      lookup('hooks.example.com', { all: true }, all);
      expect(single).toHaveBeenCalledWith(null, PUBLIC_IP, 4);
      expect(all).toHaveBeenCalledWith(null, [{ address: PUBLIC_IP, family: 4 }]);
    });
  });

  it('excerpts are valid text of at most 4096 bytes, without NUL', () => {
    const text = excerptOf(Buffer.concat([Buffer.from('a\u0000b'), Buffer.alloc(5000, 0xe2)]));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(text.startsWith('ab')).toBe(true);
    expect(excerptOf(Buffer.from('é'.repeat(3000)))).toHaveLength(2048);
  });

  it('names error classes', () => {
    expect(classifyError({ code: 'ECONNREFUSED' })).toBe('connection_refused');
    expect(classifyError({ code: 'ECONNRESET' })).toBe('connection_reset');
    expect(classifyError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).toBe('tls_error');
    expect(classifyError({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' })).toBe('tls_error');
    expect(classifyError({ code: 'ENOTFOUND' })).toBe('dns_error');
    expect(classifyError(new Error('boom'))).toBe('connection_error');
  });
});
