import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { DomainError, NotFoundError } from '../common/errors';
import { randomBase62 } from '../common/ids';
import type { Actor } from '../common/tenant';
import { Db } from '../database/db.service';
import { MerchantRepository } from '../merchants/merchant.repository';
import { DashboardUserEntity, type DashboardRole } from './dashboard-user.entity';
import { DashboardUserRepository } from './dashboard-user.repository';
import { generatePassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-hash';
import { PasswordHasher } from './password-hasher';

const emailSchema = z.email().max(254);

export interface CreatedDashboardUser {
  id: string;
  email: string;
  role: DashboardRole;
  // Only when Billfold chose it: shown once to the operator, changed at first sign-in.
  oneTimePassword: string | null;
}

@Injectable()
export class DashboardUserService {
  constructor(
    private readonly db: Db,
    private readonly users: DashboardUserRepository,
    private readonly merchants: MerchantRepository,
    private readonly changes: ChangeRecorder,
    private readonly passwords: PasswordHasher,
  ) {}

  // Without a password, one is generated and must be replaced at the first sign-in.
  async create(merchantId: string, input: { email: string; role: DashboardRole; password?: string }, actor: Actor): Promise<CreatedDashboardUser> {
    const email = input.email.trim().toLowerCase();
    if (!emailSchema.safeParse(email).success) throw new DomainError('validation_failed', `owner email: ${input.email} is not an email address`);
    if (input.password !== undefined && (input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH)) {
      throw new DomainError('validation_failed', `password: ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
    }
    const oneTimePassword = input.password === undefined ? generatePassword() : null;
    const passwordHash = await this.passwords.hash(input.password ?? oneTimePassword!);
    return this.db.transaction(async () => {
      const merchant = await this.merchants.getById(merchantId);
      if (!merchant) throw new NotFoundError('merchant', merchantId);
      if (await this.users.emailExists(email)) throw new DomainError('already_exists', `A dashboard user with the email ${email} already exists`);
      const user = await this.users.insert(
        Object.assign(new DashboardUserEntity(), {
          id: `usr_${randomBase62(22)}`,
          merchantId,
          email,
          passwordHash,
          role: input.role,
          mustChangePassword: oneTimePassword !== null,
          lastSignInAt: null,
          disabledAt: null,
        }),
      );
      // Users belong to the merchant, not to a mode; the audit row goes with test mode.
      await this.changes.record({ merchantId, livemode: false }, actor, {
        action: 'dashboard_user.create',
        eventType: null,
        targetType: 'dashboard_user',
        targetId: user.id,
        object: {},
        after: { id: user.id, email, role: user.role },
      });
      return { id: user.id, email, role: user.role, oneTimePassword };
    });
  }
}
