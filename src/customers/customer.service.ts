import { Injectable } from '@nestjs/common';
import { ChangeRecorder, diff } from '../audit/change-recorder.service';
import { DomainError } from '../common/errors';
import { newId } from '../common/ids';
import type { Principal, Tenant } from '../common/tenant';
import { Db, isUniqueViolation } from '../database/db.service';
import type { Page } from '../database/tenant-scope';
import type { BillingProfileData } from './billing-profile.entity';
import { changedProfileFields } from './billing-profile.fields';
import { BillingProfileRepository, EMPTY_PROFILE } from './billing-profile.repository';
import { CustomerEntity } from './customer.entity';
import type { BillingProfileInput } from './customer.dto';
import { customerView, type CustomerView } from './customer.presenter';
import { CustomerRepository, type CustomerFilter } from './customer.repository';

export interface CustomerInput {
  email?: string;
  name?: string | null;
  externalId?: string | null;
  metadata?: Record<string, string>;
  billingProfile?: BillingProfileInput;
}

@Injectable()
export class CustomerService {
  constructor(
    private readonly db: Db,
    private readonly customers: CustomerRepository,
    private readonly profiles: BillingProfileRepository,
    private readonly changes: ChangeRecorder,
  ) {}

  async create(principal: Principal, input: CustomerInput & { email: string }): Promise<CustomerView> {
    return this.db.transaction(async () => {
      const customer = Object.assign(new CustomerEntity(), {
        id: newId('cus'),
        merchantId: principal.merchantId,
        livemode: principal.livemode,
        email: input.email,
        name: input.name ?? null,
        externalId: input.externalId ?? null,
        metadata: input.metadata ?? {},
        portalTokenEpoch: 0,
        paymentAssetId: null,
        deletedAt: null,
      });
      const saved = await this.saveUnique(customer);
      const profile = mergeProfile(EMPTY_PROFILE, input.billingProfile);
      if (input.billingProfile) await this.profiles.put(principal, saved.id, profile);
      const view = customerView(saved, profile);
      await this.changes.record(principal, principal.actor, {
        action: 'customer.create',
        eventType: 'customer.created',
        targetType: 'customer',
        targetId: saved.id,
        customerId: saved.id,
        object: customerView(saved),
        after: customerView(saved),
      });
      return view;
    });
  }

  async get(tenant: Tenant, id: string): Promise<CustomerView> {
    const customer = await this.customers.getById(tenant, id);
    return customerView(customer, await this.profiles.get(tenant, id));
  }

  list(tenant: Tenant, filter: CustomerFilter): Promise<Page<CustomerEntity>> {
    return this.customers.list(tenant, filter);
  }

  async update(principal: Principal, id: string, input: CustomerInput): Promise<CustomerView> {
    return this.db.transaction(async () => {
      const customer = await this.customers.getForUpdate(principal, id);
      const beforeProfile = await this.profiles.get(principal, id);
      const before = { ...customerView(customer), billingProfile: beforeProfile };
      if (input.email !== undefined) customer.email = input.email;
      if (input.name !== undefined) customer.name = input.name;
      if (input.externalId !== undefined) customer.externalId = input.externalId;
      if (input.metadata !== undefined) customer.metadata = input.metadata;
      const saved = await this.saveUnique(customer);
      const profile = mergeProfile(beforeProfile, input.billingProfile);
      if (input.billingProfile) await this.profiles.put(principal, id, profile);
      const after = { ...customerView(saved), billingProfile: profile };
      const changed = diff(stripProfile(before), stripProfile(after));
      delete changed.before.updatedAt;
      delete changed.after.updatedAt;
      // Billing-profile values are encrypted at rest; audit rows and events name the changed fields only.
      const profileFields = changedProfileFields(beforeProfile, profile);
      if (profileFields.length) changed.after.billingProfileChanged = profileFields;
      await this.changes.record(principal, principal.actor, {
        action: 'customer.update',
        eventType: Object.keys(changed.after).length ? 'customer.updated' : null,
        targetType: 'customer',
        targetId: id,
        customerId: id,
        object: customerView(saved),
        ...changed,
      });
      return after;
    });
  }

  private async saveUnique(customer: CustomerEntity): Promise<CustomerEntity> {
    try {
      return await this.db.savepoint(this.db.manager, 'customer_save', () => this.customers.save(customer));
    } catch (err) {
      if (isUniqueViolation(err, 'customer_external_id_uq')) {
        throw new DomainError('already_exists', `A customer with externalId ${customer.externalId} already exists`);
      }
      throw err;
    }
  }
}

function stripProfile(view: Record<string, unknown>): Record<string, unknown> {
  const { billingProfile: _profile, ...rest } = view;
  return rest;
}

function mergeProfile(current: BillingProfileData, input: BillingProfileInput | undefined): BillingProfileData {
  if (!input) return current;
  return {
    legalName: input.legalName !== undefined ? input.legalName : current.legalName,
    company: input.company !== undefined ? input.company : current.company,
    email: input.email !== undefined ? input.email : current.email,
    taxId: input.taxId !== undefined ? input.taxId : current.taxId,
    address: { ...current.address, ...(input.address ?? {}) } as BillingProfileData['address'],
  };
}
