import { HttpException } from '@nestjs/common';
import { DomainError, ERROR_STATUS, type ErrorBody, type ErrorCode } from './errors';

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  // true when the cause is ours (a bug or an outage), so it is logged with its stack
  internal: boolean;
}

const MALFORMED_BODY = 'Malformed request body: expected valid JSON';

// Fastify's own errors, with a fixed message where its message would echo the request (body or URL).
const FASTIFY_CODES: Record<string, { code: ErrorCode; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'malformed_request', message: MALFORMED_BODY },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'malformed_request', message: MALFORMED_BODY },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed_request', message: MALFORMED_BODY },
  FST_ERR_CTP_INVALID_TYPE: { code: 'malformed_request', message: MALFORMED_BODY },
  FST_ERR_VALIDATION: { code: 'validation_failed' },
  FST_ERR_BAD_URL: { code: 'malformed_request', message: 'Malformed request URL' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri_too_long', message: 'A path parameter is too long' },
};

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'malformed_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'route_not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'service_unavailable',
};

// The one place an error becomes a status and a body. A 500 never says why.
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof DomainError) {
    const headers: Record<string, string> = {};
    const retryAfter = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (err.code === 'rate_limited' && retryAfter) headers['retry-after'] = String(retryAfter);
    return respond(err.code, err.message, err.details, headers);
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const code = HTTP_STATUS_CODES[status];
    if (code) return respond(code, status === 404 ? 'Not found' : err.message);
    return internal();
  }
  const e = err as { code?: string; statusCode?: number; name?: string; message?: string };
  if (e?.code && FASTIFY_CODES[e.code]) {
    const { code, message } = FASTIFY_CODES[e.code];
    return respond(code, message ?? e.message ?? code);
  }
  if (e?.name === 'OptimisticLockVersionMismatchError') return respond('conflict', 'The object changed concurrently; retry the request');
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = HTTP_STATUS_CODES[e.statusCode] ?? 'malformed_request';
    return respond(code, code === 'malformed_request' ? 'Malformed request' : (e.message ?? code));
  }
  return internal();
}

function respond(code: ErrorCode, message: string, details?: unknown, headers: Record<string, string> = {}): ErrorResponse {
  const body: ErrorBody = { error: details === undefined ? { code, message } : { code, message, details } };
  return { status: ERROR_STATUS[code], body, headers, internal: ERROR_STATUS[code] >= 500 };
}

function internal(): ErrorResponse {
  return { ...respond('internal_error', 'An internal error occurred'), internal: true };
}
