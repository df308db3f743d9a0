import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ErrorFilter } from './common/error.filter';
import { ZodValidationPipe } from './common/zod-validation.pipe';
import { CoreModule, type CoreOptions } from './core.module';
import { HealthController } from './health/health.controller';
import { StateMetrics } from './infra/state.metrics';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyService } from './idempotency/idempotency.service';
import { API_FEATURE_MODULES } from './api-features';
import { FEATURE_MODULES } from './features';

// The HTTP entry point's composition root. Pipes, guards, filters and interceptors are APP_*
// providers so every test module built from here gets them too.
@Module({})
export class ApiModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: ApiModule,
      imports: [CoreModule.forRoot(options), TerminusModule, ...FEATURE_MODULES, ...API_FEATURE_MODULES],
      controllers: [HealthController],
      providers: [
        IdempotencyService,
        StateMetrics,
        { provide: APP_PIPE, useClass: ZodValidationPipe },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
