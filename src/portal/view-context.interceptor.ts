import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';

// Adds the per-response CSP nonces to every rendered view-model, and marks pages uncacheable.
@Injectable()
export class ViewContextInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = ctx.switchToHttp().getResponse<FastifyReply & { cspNonce?: { script: string; style: string } }>();
    // Responses differ by the Fetch Metadata and Origin checks on POSTs; caches must not mix them.
    void reply.header('cache-control', 'no-store').header('vary', 'Sec-Fetch-Site, Origin');
    return next.handle().pipe(map((data) => (data && typeof data === 'object' && !Array.isArray(data) ? { ...data, cspNonce: reply.cspNonce } : data)));
  }
}
