import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { Env } from '../config/env';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.apiKey',
  '*.token',
  '*.password',
  '*.masterKey',
];

// Token-bearing paths (portal links) are logged without the token.
export function scrubUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  return url.replace(/^\/p\/[^/?#]+/, '/p/[redacted]').replace(/([?&](?:token|t)=)[^&#]*/g, '$1[redacted]');
}

export function loggerOptions(env: Pick<Env, 'LOG_LEVEL' | 'NODE_ENV'>): Params {
  return {
    // The default route pattern matches nothing under Nest 12 on Fastify: without this, no request is logged.
    forRoutes: [{ path: '*', method: RequestMethod.ALL }],
    pinoHttp: {
      level: env.LOG_LEVEL,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/healthz' || req.url === '/metrics' },
      serializers: {
        req: (req: { id: unknown; method: string; url: string; headers: Record<string, unknown>; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: scrubUrl(req.url),
          userAgent: req.headers?.['user-agent'],
          remoteAddress: req.remoteAddress,
        }),
      },
    },
  };
}
