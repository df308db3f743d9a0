import { Module, type DynamicModule } from '@nestjs/common';
import { CoreModule, type CoreOptions } from '../core.module';
import { ReconciliationModule } from '../reconciliation/reconciliation.module';
import { MerchantModule } from '../merchants/merchant.module';

// The operator's composition root: core services plus merchant administration, no HTTP, no processors.
@Module({})
export class CliModule {
  static forRoot(options: CoreOptions): DynamicModule {
    return {
      module: CliModule,
      imports: [CoreModule.forRoot(options), MerchantModule, ReconciliationModule],
    };
  }
}
