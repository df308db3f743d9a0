import { Module, type DynamicModule } from '@nestjs/common';
import { BillingModule } from './billing/billing.module';
import { CoreModule, type CoreOptions } from './core.module';
import { FEATURE_MODULES } from './features';
import { MaintenanceProcessor } from './queue/maintenance.processor';
import { ClaimProcessor } from './reconciliation/claim.processor';
import { ReconciliationProcessor } from './reconciliation/reconciliation.processor';
import { ReconciliationSchedules } from './reconciliation/reconciliation.schedules';
import { SchedulesService } from './queue/schedules.service';
import { WebhookProcessor } from './webhooks/webhook.processor';
import { WebhookSchedules } from './webhooks/webhook.schedules';

// The worker entry point: the same feature modules, no HTTP, plus the job processors.
@Module({})
export class WorkerModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: WorkerModule,
      imports: [CoreModule.forRoot(options), ...FEATURE_MODULES, BillingModule],
      providers: [MaintenanceProcessor, SchedulesService, ReconciliationProcessor, ReconciliationSchedules, ClaimProcessor, WebhookProcessor, WebhookSchedules],
    };
  }
}
