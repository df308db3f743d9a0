import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { Principal } from '../common/tenant';
import { IdempotencyService } from './idempotency.service';

// Every merchant-API POST runs through the idempotency service.
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: IdempotencyService) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = ctx.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    if (request.method !== 'POST' || !request.principal) return next.handle();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const status = (Reflect.getMetadata(HTTP_CODE_METADATA, ctx.getHandler()) as number | undefined) ?? 201;
    const header = request.headers['idempotency-key'];
    return from(
      this.idempotency
        .run(
          request.principal,
          { key: Array.isArray(header) ? header.join(',') : header, method: request.method, path: request.url, body: request.body },
          status,
          () => lastValueFrom(next.handle(), { defaultValue: undefined }),
        )
        .then((outcome) => {
          if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
          return outcome.body;
        }),
    );
  }
}
