import { CustomerModule } from './customers/customer.module';
import { MerchantModule } from './merchants/merchant.module';

// Feature modules shared by the API and the worker; dependencies point one way (see README).
export const FEATURE_MODULES = [MerchantModule, CustomerModule];
