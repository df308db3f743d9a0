import { Module } from '@nestjs/common';
import { BillingProfileRepository } from './billing-profile.repository';
import { CustomerController } from './customer.controller';
import { CustomerRepository } from './customer.repository';
import { CustomerService } from './customer.service';

@Module({
  controllers: [CustomerController],
  providers: [CustomerRepository, BillingProfileRepository, CustomerService],
  exports: [CustomerRepository, BillingProfileRepository, CustomerService],
})
export class CustomerModule {}
