import { All } from '@nestjs/common';
import { NotFoundError } from '../common/errors';
import { DashboardRoutes } from './dashboard-routes';

// Any other path under /dashboard: sign in first, then a dashboard-styled 404 (with the
// navigation) rather than the portal's error page. Fastify prefers every declared route to this one.
@DashboardRoutes()
export class DashboardNotFoundController {
  @All('*')
  notFound(): never {
    throw new NotFoundError('dashboard page');
  }
}
