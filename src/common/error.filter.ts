import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isPortalPath, renderErrorPage } from '../portal/error-page';
import { toErrorResponse } from './error-response';

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const response = toErrorResponse(exception);
    if (response.internal) {
      this.logger.error({ err: errorSummary(exception), reqId: request.id }, 'request failed');
    }
    if (isPortalPath(request.url)) {
      void renderErrorPage(reply, response).catch((err: unknown) => {
        this.logger.error({ err: errorSummary(err) }, 'error page failed to render');
        if (!reply.sent) void reply.status(response.status).type('text/plain; charset=utf-8').send(response.body.error.message);
      });
      return;
    }
    void reply.status(response.status).headers(response.headers).header('cache-control', 'no-store').send(response.body);
  }
}

// Only what explains the failure: driver errors carry query parameters, which may hold PII or secrets.
function errorSummary(err: unknown): Record<string, unknown> {
  const e = err as { name?: string; message?: string; code?: string; stack?: string };
  return { type: e?.name, message: e?.message, code: e?.code, stack: e?.stack };
}
