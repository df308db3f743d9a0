import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { mergeMap, type Observable } from 'rxjs';
import { ClaimRepository } from '../payments/claim.repository';
import type { DashboardRequest } from './dashboard-session.guard';

type Page = { dash: Record<string, unknown> } & Record<string, unknown>;

function isSignedInPage(data: unknown): data is Page {
  const dash = (data as { dash?: unknown } | null)?.dash;
  return !!dash && typeof dash === 'object' && (dash as { signedIn?: unknown }).signedIn === true;
}

// The navigation's count of claims waiting for review, on every signed-in page: staff should see
// a customer's payment waiting on them wherever they are in the dashboard.
@Injectable()
export class DashboardClaimsBadgeInterceptor implements NestInterceptor {
  constructor(private readonly claims: ClaimRepository) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const dashboard = ctx.switchToHttp().getRequest<DashboardRequest>().dashboard;
    return next.handle().pipe(
      mergeMap(async (data: unknown) => {
        // Redirects carry no page; the claims page counts for itself.
        if (!dashboard || !isSignedInPage(data) || data.dash.claimsAwaiting !== undefined) return data;
        return { ...data, dash: { ...data.dash, claimsAwaiting: await this.claims.countAwaitingReview(dashboard.tenant) } };
      }),
    );
  }
}
