// Coded domain errors: services throw these and know nothing of HTTP; one filter maps code → status.
export const ERROR_STATUS = {
  validation_failed: 400,
  idempotency_key_required: 400,
  idempotency_key_invalid: 400,
  malformed_request: 400,
  unauthenticated: 401,
  portal_session_required: 401,
  insufficient_scope: 403,
  livemode_mismatch: 403,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  route_not_found: 404,
  // One status for every bad, expired, revoked or spent portal link (uniform failure).
  portal_link_invalid: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_exists: 409,
  idempotency_in_flight: 409,
  amount_tags_exhausted: 409,
  // A receiving address another merchant already holds on that chain.
  address_in_use: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  idempotency_mismatch: 422,
  illegal_transition: 422,
  unprocessable: 422,
  // A live-chain receiving address without, or with a failed, proof of control.
  address_proof_required: 422,
  address_proof_invalid: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export class NotFoundError extends DomainError {
  constructor(resource: string, id?: string) {
    super('not_found', id ? `No such ${resource}: ${id}` : `No such ${resource}`);
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: unknown) {
    super('validation_failed', message, details);
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
