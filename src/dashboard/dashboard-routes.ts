import { applyDecorators, Controller, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ViewContextInterceptor } from '../portal/view-context.interceptor';
import { DashboardErrorFilter } from './dashboard-error.filter';
import { DashboardSessionGuard } from './dashboard-session.guard';

// A signed-in dashboard controller: no API key (the session authenticates), session and CSRF
// guard, dashboard error pages, CSP nonces and no-store on every page.
export const DashboardRoutes = () =>
  applyDecorators(
    ApiExcludeController(),
    Public(),
    UseGuards(DashboardSessionGuard),
    UseFilters(DashboardErrorFilter),
    UseInterceptors(ViewContextInterceptor),
    Controller('dashboard'),
  );
