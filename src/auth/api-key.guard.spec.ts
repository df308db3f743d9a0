import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../common/errors';
import { generateApiKey } from '../merchants/api-key.format';
import { ApiKeyGuard } from './api-key.guard';
import { Public, RequireScope } from './auth.decorators';

describe(ApiKeyGuard.name, () => {
  class NoScopeController {
    @Get()
    open(): string {
      return 'should not be reachable';
    }
  }
  Controller('x')(NoScopeController);

  @Controller('y')
  class DeclaredController {
    @Get()
    @RequireScope('customers:read')
    scoped(): string {
      return 'ok';
    }

    @Get('public')
    @Public()
    open(): string {
      return 'ok';
    }
  }

  function context(cls: new () => object, method: string, headers: Record<string, string> = {}): ExecutionContext {
    const request = { headers, id: 'req-1', ip: '127.0.0.1' };
    return {
      getHandler: () => (cls.prototype as Record<string, unknown>)[method],
      getClass: () => cls,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
    } as unknown as ExecutionContext;
  }

  function guard(authenticate: jest.Mock = jest.fn()): ApiKeyGuard {
    return new ApiKeyGuard(new Reflector(), { authenticate } as never);
  }

  async function outcome(promise: Promise<boolean>): Promise<string | boolean> {
    try {
      return await promise;
    } catch (err) {
      return err instanceof DomainError ? err.code : 'untyped error';
    }
  }

  it('denies a route that declares no scope with forbidden, even with a valid key', async () => {
    const authenticate = jest.fn();
    await expect(outcome(guard(authenticate).canActivate(context(NoScopeController, 'open', { authorization: `Bearer ${generateApiKey(false)}` })))).resolves.toBe('forbidden');
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('lets a @Public route through without a key', async () => {
    await expect(outcome(guard().canActivate(context(DeclaredController, 'open')))).resolves.toBe(true);
  });

  it('requires a key on a scoped route', async () => {
    await expect(outcome(guard().canActivate(context(DeclaredController, 'scoped')))).resolves.toBe('unauthenticated');
  });

  it('checks the declared scope against the key', async () => {
    const principal = { merchantId: 'mer_1', livemode: false, scopes: new Set(['customers:write']), apiKeyId: 'key_1', actor: { type: 'api_key', id: 'key_1', initiator: 'merchant_api' } };
    const authenticate = jest.fn().mockResolvedValue(principal);
    await expect(outcome(guard(authenticate).canActivate(context(DeclaredController, 'scoped', { authorization: 'Bearer sk_test_x' })))).resolves.toBe('insufficient_scope');
    expect(authenticate).toHaveBeenCalledWith('sk_test_x');
  });
});
