import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { safeEqual } from '../common/crypto/keys';

export const BOARD_PATH = '/admin/queues';

// The queue board (bull-board) for operators, behind HTTP basic auth with ADMIN_TOKEN as the
// password. Without ADMIN_TOKEN it is not mounted at all.
export async function mountQueueBoard(app: NestFastifyApplication, queueNames: readonly string[], adminToken: string | undefined): Promise<void> {
  if (!adminToken) return;
  const queues = queueNames.map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  const adapter = new FastifyAdapter();
  adapter.setBasePath(BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  const expected = Buffer.from(`Basic ${Buffer.from(`admin:${adminToken}`).toString('base64')}`);
  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (request, reply) => {
      const given = Buffer.from(String(request.headers.authorization ?? ''));
      if (!safeEqual(given, expected)) {
        await reply.status(401).header('www-authenticate', 'Basic realm="billfold-admin", charset="UTF-8"').header('cache-control', 'no-store').send({ error: { code: 'unauthenticated', message: 'Admin credentials required' } });
      }
    });
    // The board's UI ships inline scripts and styles; it gets its own, looser policy, still frame-denied.
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline' https:; img-src 'self' data:; font-src 'self' data: https:; frame-ancestors 'none'");
    });
    await scope.register(adapter.registerPlugin() as never, { prefix: BOARD_PATH });
  });
}
