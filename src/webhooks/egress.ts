import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { performance } from 'node:perf_hooks';

// SSRF-safe egress for webhooks (R24): vet the URL, resolve it once, refuse any internal address,
// then connect to exactly the address that was vetted (a DNS answer that changes between the check
// and the connect cannot redirect the request), follow no redirects, bound time and bytes.

export interface EgressPolicy {
  // Development and tests: loopback and private destinations, and plain http to loopback.
  allowLoopback: boolean;
  // Ports a public destination may use.
  allowedPorts: readonly number[];
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export type RefusalReason = 'invalid_url' | 'scheme_not_allowed' | 'credentials_in_url' | 'port_not_allowed' | 'dns_error' | 'blocked_address';

export class EgressRefusedError extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'EgressRefusedError';
  }
}

export interface VettedTarget {
  url: URL;
  // Without IPv6 brackets.
  hostname: string;
  port: number;
  address: string;
  family: 4 | 6;
}

export type AddressClass = 'public' | 'loopback' | 'private' | 'link_local' | 'reserved';

function subnets(entries: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [net, prefix, type] of entries) list.addSubnet(net, prefix, type);
  return list;
}

const LOOPBACK = subnets([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
const PRIVATE = subnets([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const LINK_LOCAL = subnets([
  // Includes the cloud metadata address 169.254.169.254.
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
// Everything else that is not a unicast address on the public internet.
const RESERVED = subnets([
  ['0.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // CGNAT
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, incl. broadcast 255.255.255.255
  ['::', 96, 'ipv6'], // unspecified and IPv4-compatible
  ['64:ff9b::', 96, 'ipv6'], // NAT64: would reach any IPv4 address, internal ones included
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001::', 32, 'ipv6'], // Teredo
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'], // 6to4
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'], // multicast
]);

// Classifies a literal IP (v4 or v6; IPv4-mapped v6 is judged by the IPv4 address inside it).
export function classifyAddress(ip: string): AddressClass {
  const family = isIP(ip);
  if (family === 0) return 'reserved';
  let address = ip;
  let type: 'ipv4' | 'ipv6' = family === 4 ? 'ipv4' : 'ipv6';
  if (type === 'ipv6') {
    const mapped = mappedIpv4(ip);
    if (mapped) {
      address = mapped;
      type = 'ipv4';
    }
  }
  if (LOOPBACK.check(address, type)) return 'loopback';
  if (PRIVATE.check(address, type)) return 'private';
  if (LINK_LOCAL.check(address, type)) return 'link_local';
  if (RESERVED.check(address, type)) return 'reserved';
  return 'public';
}

// ::ffff:a.b.c.d (in any spelling) → a.b.c.d; anything else → null.
export function mappedIpv4(ipv6: string): string | null {
  const bytes = ipv6Bytes(ipv6);
  if (!bytes) return null;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return null;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return null;
  return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
}

function ipv6Bytes(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  let text = ip.split('%')[0];
  // A trailing dotted quad becomes two hextets.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right];
  if (groups.length !== 8) return null;
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

export const systemResolver: Resolver = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function permitted(kind: AddressClass, policy: EgressPolicy): boolean {
  if (kind === 'public') return true;
  return policy.allowLoopback && (kind === 'loopback' || kind === 'private');
}

// The URL checks that need no network: scheme, credentials, a parseable host.
export function checkUrlShape(raw: string, policy: EgressPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressRefusedError('invalid_url', 'The URL is not valid');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowLoopback)) {
    throw new EgressRefusedError('scheme_not_allowed', 'The URL must use https');
  }
  if (url.username || url.password) throw new EgressRefusedError('credentials_in_url', 'The URL must not contain credentials');
  if (!url.hostname) throw new EgressRefusedError('invalid_url', 'The URL has no host');
  return url;
}

// Resolves and vets a destination. Called at registration and again before every send.
// The URL parser has already turned decimal, hex and octal IPv4 spellings (2130706433, 0x7f.1,
// 0177.0.0.1) into dotted quads, so they are judged as the addresses they are.
export async function vetUrl(raw: string, policy: EgressPolicy, resolve: Resolver = systemResolver): Promise<VettedTarget> {
  const url = checkUrlShape(raw, policy);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  let addresses: ResolvedAddress[];
  const literal = isIP(hostname);
  if (literal) addresses = [{ address: hostname, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(hostname);
    } catch {
      throw new EgressRefusedError('dns_error', `The host ${hostname} could not be resolved`);
    }
    if (addresses.length === 0) throw new EgressRefusedError('dns_error', `The host ${hostname} could not be resolved`);
  }
  // Every answer must pass: a host with one public and one internal address is refused outright.
  const classes = addresses.map((a) => classifyAddress(a.address));
  const bad = classes.find((kind) => !permitted(kind, policy));
  if (bad) throw new EgressRefusedError('blocked_address', `The host resolves to a ${bad.replace('_', '-')} address, which webhooks may not reach`);
  if (url.protocol === 'http:' && !classes.every((kind) => kind === 'loopback')) {
    throw new EgressRefusedError('scheme_not_allowed', 'The URL must use https (plain http only reaches loopback in development)');
  }
  const allPublic = classes.every((kind) => kind === 'public');
  if (allPublic && !policy.allowedPorts.includes(port)) {
    throw new EgressRefusedError('port_not_allowed', `Port ${port} is not allowed (allowed: ${policy.allowedPorts.join(', ')})`);
  }
  return { url, hostname, port, address: addresses[0].address, family: addresses[0].family };
}

export const EXCERPT_MAX_BYTES = 4096;

export interface OutgoingRequest {
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
}

export type ErrorClass = 'timeout' | 'connection_refused' | 'connection_reset' | 'dns_error' | 'tls_error' | 'ssrf_blocked' | 'connection_error';

export interface SendResult {
  status: number | null;
  retryAfter: string | undefined;
  latencyMs: number;
  excerpt: string | null;
  errorClass: ErrorClass | null;
}

export type Transport = (target: VettedTarget, request: OutgoingRequest) => Promise<SendResult>;

// A lookup that answers with the vetted address whatever DNS says now.
export function pinnedLookup(address: string, family: 4 | 6) {
  return (_hostname: string, options: { all?: boolean } | number | undefined, callback: (...args: unknown[]) => void): void => {
    const all = typeof options === 'object' && options?.all;
    if (all) callback(null, [{ address, family } satisfies LookupAddress]);
    else callback(null, address, family);
  };
}

export const httpTransport: Transport = (target, request) =>
  new Promise<SendResult>((resolvePromise) => {
    const started = performance.now();
    const client = target.url.protocol === 'https:' ? https : http;
    let status: number | null = null;
    let retryAfter: string | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (errorClass: ErrorClass | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolvePromise({
        status,
        retryAfter,
        latencyMs: Math.round(performance.now() - started),
        excerpt: chunks.length ? excerptOf(Buffer.concat(chunks)) : status === null ? null : '',
        errorClass: status === null ? errorClass : null,
      });
    };
    const req = client.request({
      hostname: target.hostname,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(request.body.length) },
      lookup: pinnedLookup(target.address, target.family) as never,
      // SNI and certificate checks against the name, while the socket goes to the vetted address.
      ...(target.url.protocol === 'https:' && !isIP(target.hostname) ? { servername: target.hostname } : {}),
      // No pooled sockets: a pooled connection could outlive the address it was vetted for.
      agent: false,
    });
    const timer = setTimeout(() => finish('timeout'), request.timeoutMs);
    req.on('error', (err) => finish(classifyError(err)));
    req.on('response', (res) => {
      status = res.statusCode ?? null;
      const header = res.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
      res.on('data', (chunk: Buffer) => {
        if (size < EXCERPT_MAX_BYTES) chunks.push(chunk.subarray(0, EXCERPT_MAX_BYTES - size));
        size += chunk.length;
        // Enough to show the merchant; the rest of a large body is not read.
        if (size >= EXCERPT_MAX_BYTES) finish(null);
      });
      res.on('end', () => finish(null));
      res.on('close', () => finish(null));
      res.on('error', () => finish(null));
    });
    req.end(request.body);
  });

// At most 4 kB of UTF-8, without NUL (PostgreSQL text cannot hold it).
export function excerptOf(bytes: Buffer): string {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, EXCERPT_MAX_BYTES)).replaceAll('\u0000', '');
  while (Buffer.byteLength(text, 'utf8') > EXCERPT_MAX_BYTES) text = text.slice(0, -1);
  return text;
}

export function classifyError(err: unknown): ErrorClass {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection_reset';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns_error';
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/.test(code) || /SSL|TLS|certificate/i.test(String((err as Error)?.message))) return 'tls_error';
  return 'connection_error';
}

// Vets (again) and sends. A destination refused at send time is a failed attempt like any other.
export async function deliver(rawUrl: string, request: OutgoingRequest, policy: EgressPolicy, resolve: Resolver = systemResolver, transport: Transport = httpTransport): Promise<SendResult & { host: string }> {
  let host = '';
  try {
    host = new URL(rawUrl).host;
  } catch {
    // reported below as a refusal
  }
  let target: VettedTarget;
  const started = performance.now();
  try {
    target = await vetUrl(rawUrl, policy, resolve);
  } catch (err) {
    if (!(err instanceof EgressRefusedError)) throw err;
    return { host, status: null, retryAfter: undefined, latencyMs: Math.round(performance.now() - started), excerpt: null, errorClass: err.reason === 'dns_error' ? 'dns_error' : 'ssrf_blocked' };
  }
  return { host, ...(await transport(target, request)) };
}
