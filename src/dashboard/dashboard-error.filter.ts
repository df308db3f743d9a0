import { Catch, Injectable, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Clock } from '../common/clock';
import { toErrorResponse } from '../common/error-response';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { DashboardSignInRequired, PasswordChangeRequired, type DashboardRequest } from './dashboard-session.guard';
import { clearDashboardCookie } from './dashboard-session.service';
import { DashboardPresenter } from './dashboard.presenter';

type ViewReply = FastifyReply & { cspNonce?: { script: string; style: string } };

// A form that failed validation: the page is rendered again, with the submitted values and the
// field errors (a 400, or a 401 for a failed sign-in).
export class FormRejected extends DomainError {
  constructor(
    readonly template: string,
    readonly model: Record<string, unknown>,
    readonly httpStatus = 400,
  ) {
    super('validation_failed', 'Some fields need attention.');
  }
}

const HEADINGS: Record<number, string> = {
  400: 'Something in that request was not right',
  403: 'That action was refused',
  404: 'Not found',
  409: 'That clashes with the current state',
  422: 'That could not be done',
  429: 'Too many attempts',
};

// Dashboard routes answer errors with dashboard pages: sign-in redirects, forms re-rendered with
// their errors, and an error page that keeps the navigation.
@Catch()
@Injectable()
export class DashboardErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('DashboardErrors');

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<ViewReply>();
    const request = host.switchToHttp().getRequest<DashboardRequest>();
    void reply.header('cache-control', 'no-store').header('vary', 'Sec-Fetch-Site, Origin');
    if (exception instanceof DashboardSignInRequired || exception instanceof PasswordChangeRequired) {
      const signIn = exception instanceof DashboardSignInRequired;
      const next = request.method === 'GET' && request.url !== '/dashboard' ? `?next=${encodeURIComponent(request.url)}` : '';
      if (signIn) void reply.header('set-cookie', clearDashboardCookie());
      void reply.status(303).header('location', signIn ? `/dashboard/sign-in${next}` : '/dashboard/password').send();
      return;
    }
    if (exception instanceof FormRejected) {
      this.render(reply, exception.httpStatus, exception.template, exception.model);
      return;
    }
    const response = toErrorResponse(exception);
    if (response.internal) this.logger.error({ err: (exception as Error)?.message, stack: (exception as Error)?.stack, reqId: request.id }, 'dashboard request failed');
    void reply.headers(response.headers);
    const presenter = new DashboardPresenter(this.config, this.clock.now());
    const heading = HEADINGS[response.status] ?? 'Something went wrong';
    // No reads while rendering an error (the database may be why it failed): no claims count here.
    const chrome = request.dashboard ? presenter.layout(request.dashboard, 'overview', heading) : { title: heading };
    this.render(reply, response.status, 'dashboard/error.hbs', {
      ...chrome,
      title: heading,
      heading,
      message: response.status >= 500 ? 'Something went wrong on our side. Please try again in a moment.' : response.body.error.message,
      signInLink: !request.dashboard && response.status !== 429,
    });
  }

  private render(reply: ViewReply, status: number, template: string, model: Record<string, unknown>): void {
    void reply.status(status).header('content-type', 'text/html; charset=utf-8');
    // @fastify/view sends the page, or the rendering error, itself.
    void reply.view(template, { ...model, cspNonce: reply.cspNonce });
  }
}
