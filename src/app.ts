import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';
import type { Clock } from './common/clock';
import { toErrorResponse } from './common/error-response';
import { DomainError } from './common/errors';
import { AppConfig } from './config/app-config';
import type { Env } from './config/env';
import { MetricsService } from './infra/metrics.service';
import { configurePortalHttp, CSP_DIRECTIVES } from './portal/portal-http';
import { BOARD_QUEUES } from './queue/jobs';
import { mountQueueBoard } from './queue/queue-board';

export interface CreateAppOptions {
  env: Env;
  clock?: Clock;
  logger?: boolean;
}

export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Trust exactly this many proxy hops for the client IP (Fastify ignores a plain number here).
    trustProxy: options.env.TRUST_PROXY_HOPS > 0 ? (_address: string, hop: number) => hop < options.env.TRUST_PROXY_HOPS : false,
    bodyLimit: options.env.API_BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 600 },
    genReqId: () => randomUUID(),
    // Rejections from the router itself (bad percent-encoding, an over-long path parameter) get
    // the same JSON error shape and headers as every other error, not Fastify's default body.
    frameworkErrors: (err: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const response = toErrorResponse(err);
      void reply.status(response.status).headers(response.headers).header('cache-control', 'no-store').send(response.body);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot({ env: options.env, clock: options.clock }), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  await configureApp(app);
  return app;
}

// The one place the HTTP pipeline is assembled; main.ts and every test call it.
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  // JSON only on the API: text/plain and anything else answer 415.
  fastify.removeContentTypeParser('text/plain');
  await app.register(helmet, {
    global: true,
    enableCSPNonces: true,
    contentSecurityPolicy: { directives: CSP_DIRECTIVES },
    frameguard: { action: 'deny' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
  });
  await configurePortalHttp(app);
  await mountQueueBoard(app, BOARD_QUEUES, config.env.ADMIN_TOKEN);
  // Nest registers a form parser for every route (the portal needs it), so the merchant API
  // refuses any non-JSON body here, before a parser runs (R35). Added after helmet so the 415
  // still carries the security headers.
  fastify.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/') || !hasBody(request.headers)) return;
    const mediaType = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
    if (mediaType !== 'application/json') {
      throw new DomainError('unsupported_media_type', 'The merchant API accepts only application/json request bodies');
    }
  });

  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  if (config.env.SWAGGER_ENABLED) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Billfold merchant API')
        .setDescription('Customers, plans, subscriptions, invoices and portal links. Authenticate with `Authorization: Bearer sk_test_...`; send `Idempotency-Key` with every POST.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  }
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}
