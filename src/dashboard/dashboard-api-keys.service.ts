import { Injectable } from '@nestjs/common';
import { ChangeRecorder } from '../audit/change-recorder.service';
import { Clock } from '../common/clock';
import { NotFoundError } from '../common/errors';
import type { Principal } from '../common/tenant';
import { AppConfig } from '../config/app-config';
import { Db } from '../database/db.service';
import { ApiKeyRepository } from '../merchants/api-key.repository';
import { ApiKeyService } from '../merchants/api-key.service';
import { isScope, SCOPES, type Scope } from '../merchants/scopes';
import { FormRejected } from './dashboard-error.filter';
import { DashboardLayoutService } from './dashboard-layout.service';
import type { DashboardContext } from './dashboard-session.service';
import { DashboardUserRepository } from './dashboard-user.repository';
import { DashboardPresenter } from './dashboard.presenter';
import { field, fields, type FieldErrors, type FormBody } from './settings-form';

// Keys made here say who made them: `dashboard:<user id>`.
const CREATED_BY = 'dashboard:';

// API keys of the session's mode: created with chosen scopes (the secret shown once), revoked.
@Injectable()
export class DashboardApiKeysService {
  constructor(
    private readonly db: Db,
    private readonly keys: ApiKeyRepository,
    private readonly apiKeys: ApiKeyService,
    private readonly changes: ChangeRecorder,
    private readonly users: DashboardUserRepository,
    private readonly chrome: DashboardLayoutService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async page(ctx: DashboardContext, extra: { notice?: string | null; created?: { id: string; secret: string; name: string }; errors?: FieldErrors; form?: { name: string; scopes: string[] } } = {}) {
    const [layout, all] = await Promise.all([this.chrome.layout(ctx, 'api-keys', 'API keys'), this.keys.listForMerchant(ctx.tenant.merchantId)]);
    const rows = all.filter((k) => k.livemode === ctx.tenant.livemode);
    const creators = await this.users.emails(ctx.tenant.merchantId, rows.filter((k) => k.createdBy.startsWith(CREATED_BY)).map((k) => k.createdBy.slice(CREATED_BY.length)));
    const p = new DashboardPresenter(this.config, this.clock.now());
    const chosen = new Set(extra.form?.scopes ?? []);
    return {
      ...layout,
      notice: extra.notice ?? null,
      keys: rows.reverse().map((k) => ({ ...p.apiKey(k), createdBy: creators.get(k.createdBy.slice(CREATED_BY.length)) ?? k.createdBy })),
      created: extra.created ?? null,
      errors: extra.errors ?? {},
      form: { name: extra.form?.name ?? '', allScopes: !extra.form || chosen.size === 0 },
      scopes: SCOPES.map((s) => ({ value: s, checked: chosen.has(s) })),
      modeWord: ctx.tenant.livemode ? 'live' : 'test',
    };
  }

  async create(principal: Principal, ctx: DashboardContext, body: FormBody) {
    const name = field(body, 'name');
    const all = field(body, 'scopeSet') !== 'custom';
    const requested = fields(body, 'scopes');
    const errors: FieldErrors = {};
    if (!name || name.length > 100) errors.name = 'Give the key a name of 1 to 100 characters.';
    if (requested.some((s) => !isScope(s))) errors.scopes = 'Unknown scope.';
    else if (!all && requested.length === 0) errors.scopes = 'Choose at least one scope, or all scopes.';
    if (Object.keys(errors).length) throw new FormRejected('dashboard/api-keys.hbs', await this.page(ctx, { errors, form: { name, scopes: all ? [] : requested } }));
    const scopes = all ? [...SCOPES] : (requested as Scope[]);
    const created = await this.db.transaction(async () => {
      const result = await this.apiKeys.create(principal.merchantId, { livemode: principal.livemode, name, scopes, createdBy: `${CREATED_BY}${principal.actor.id}` });
      await this.changes.record(principal, principal.actor, {
        action: 'api_key.create',
        eventType: null,
        targetType: 'api_key',
        targetId: result.apiKey.id,
        object: {},
        after: { id: result.apiKey.id, name, prefix: result.apiKey.prefix, scopes: result.apiKey.scopes },
      });
      return result;
    });
    return this.page(ctx, { created: { id: created.apiKey.id, secret: created.secret, name } });
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    await this.db.transaction(async () => {
      const key = await this.keys.getById(principal.merchantId, id);
      if (!key || key.livemode !== principal.livemode) throw new NotFoundError('API key', id);
      const revoked = await this.keys.revoke(principal.merchantId, id, this.clock.now());
      if (!revoked) return;
      await this.changes.record(principal, principal.actor, {
        action: 'api_key.revoke',
        eventType: null,
        targetType: 'api_key',
        targetId: id,
        object: {},
        before: { revokedAt: null },
        after: { revokedAt: this.clock.now().toISOString() },
      });
    });
  }
}
