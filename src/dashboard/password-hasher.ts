import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { hashPassword, verifyPassword, type ScryptParams } from './password-hash';

// Staff password hashing at the configured scrypt cost (production cost unless the environment
// lowers it, which only the test suite does). Verification reads the cost from each stored hash,
// so hashes made at another cost keep working.
@Injectable()
export class PasswordHasher {
  readonly params: ScryptParams;
  private dummy: Promise<string> | null = null;

  constructor(config: AppConfig) {
    this.params = { N: config.env.PASSWORD_SCRYPT_N, r: config.env.PASSWORD_SCRYPT_R, p: config.env.PASSWORD_SCRYPT_P };
  }

  hash(password: string): Promise<string> {
    return hashPassword(password, this.params);
  }

  verify(password: string, stored: string): Promise<boolean> {
    return verifyPassword(password, stored);
  }

  // A hash nobody's password matches, verified against when the email is unknown, so that an
  // unknown email costs the same time as a wrong password.
  dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(32).toString('base64url'));
    return this.dummy;
  }
}
