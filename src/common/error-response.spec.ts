import { BadRequestException, HttpException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { toErrorResponse } from './error-response';
import { DomainError, ERROR_STATUS, NotFoundError, ValidationError, type ErrorCode } from './errors';

function fastifyError(code: string, statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe(toErrorResponse.name, () => {
  describe('domain errors', () => {
    it.each(Object.entries(ERROR_STATUS) as [ErrorCode, number][])('maps %s to HTTP %i with its code and message', (code, status) => {
      const response = toErrorResponse(new DomainError(code, `message for ${code}`));
      expect(response.status).toBe(status);
      expect(response.body).toEqual({ error: { code, message: `message for ${code}` } });
      expect(response.internal).toBe(status >= 500);
    });

    it('carries validation details', () => {
      const details = [{ path: 'email', message: 'Invalid email address', code: 'invalid_format' }];
      const response = toErrorResponse(new ValidationError('Invalid request body', details));
      expect(response.status).toBe(400);
      expect(response.body.error).toEqual({ code: 'validation_failed', message: 'Invalid request body', details });
    });

    it('maps NotFoundError to 404 not_found naming the id', () => {
      const response = toErrorResponse(new NotFoundError('customer', 'cus_x'));
      expect(response.status).toBe(404);
      expect(response.body.error).toEqual({ code: 'not_found', message: 'No such customer: cus_x' });
    });

    it('sets Retry-After for rate_limited errors that carry a delay', () => {
      const response = toErrorResponse(new DomainError('rate_limited', 'slow down', { retryAfterSeconds: 30 }));
      expect(response.status).toBe(429);
      expect(response.headers).toEqual({ 'retry-after': '30' });
    });

    it('sets no Retry-After on other errors', () => {
      expect(toErrorResponse(new DomainError('conflict', 'x', { retryAfterSeconds: 30 })).headers).toEqual({});
    });
  });

  describe('Fastify errors', () => {
    it.each([
      ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'payload_too_large'],
      ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'unsupported_media_type'],
      ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'malformed_request'],
      ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'malformed_request'],
      ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'malformed_request'],
      ['FST_ERR_CTP_INVALID_TYPE', 400, 'malformed_request'],
      ['FST_ERR_VALIDATION', 400, 'validation_failed'],
    ])('maps %s to %i %s', (fstCode, status, code) => {
      const response = toErrorResponse(fastifyError(fstCode, status, 'fastify says no'));
      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe(code);
      expect(response.internal).toBe(false);
    });

    it('does not echo the JSON parser message, which quotes the request body', () => {
      const response = toErrorResponse(fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400, `Unexpected token 's' in "sk_test_secret"`));
      expect(JSON.stringify(response.body)).not.toContain('sk_test_secret');
      expect(response.body.error.message).toBe('Malformed request body: expected valid JSON');
    });

    it('maps an unknown 4xx error with a status code to a client error', () => {
      const response = toErrorResponse(fastifyError('FST_ERR_SOMETHING_NEW', 414, 'URI too long'));
      expect(response.status).toBe(414);
      expect(response.body.error.code).toBe('uri_too_long');
    });

    it('does not trust a 5xx status code from an unknown error', () => {
      const response = toErrorResponse(fastifyError('FST_ERR_PLUGIN', 503, 'plugin internals at /srv/app'));
      expect(response.status).toBe(500);
      expect(JSON.stringify(response.body)).not.toContain('/srv/app');
    });
  });

  describe('Nest HTTP exceptions', () => {
    it('maps NotFoundException (unknown route) to 404 route_not_found with a generic message', () => {
      const response = toErrorResponse(new NotFoundException('Cannot GET /api/v1/secret-admin'));
      expect(response.status).toBe(404);
      expect(response.body.error).toEqual({ code: 'route_not_found', message: 'Not found' });
    });

    it('maps BadRequestException to 400 malformed_request', () => {
      const response = toErrorResponse(new BadRequestException('bad'));
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('malformed_request');
    });

    it('maps UnauthorizedException to 401 unauthenticated', () => {
      expect(toErrorResponse(new UnauthorizedException()).body.error.code).toBe('unauthenticated');
    });

    it('maps an HttpException with an unmapped status to a generic 500', () => {
      const response = toErrorResponse(new HttpException('teapot internals', 418));
      expect(response.status).toBe(500);
      expect(response.body.error).toEqual({ code: 'internal_error', message: 'An internal error occurred' });
    });
  });

  describe('unknown errors', () => {
    it('answers 500 with a generic message and never the original message', () => {
      const err = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
      const response = toErrorResponse(err);
      expect(response.status).toBe(500);
      expect(response.internal).toBe(true);
      expect(response.body).toEqual({ error: { code: 'internal_error', message: 'An internal error occurred' } });
      expect(JSON.stringify(response.body)).not.toMatch(/hunter2|ECONNREFUSED|at .*\.ts/);
    });

    it.each([
      ['null', null],
      ['undefined', undefined],
      ['a string', 'boom'],
      ['a number', 42],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ])('answers 500 for a thrown %s', (_name, thrown) => {
      const response = toErrorResponse(thrown);
      expect(response.status).toBe(500);
      expect(response.body.error.code).toBe('internal_error');
    });

    it('maps a TypeORM optimistic lock failure to 409 conflict', () => {
      const err = Object.assign(new Error('The optimistic lock on entity Subscription failed'), { name: 'OptimisticLockVersionMismatchError' });
      const response = toErrorResponse(err);
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('conflict');
    });
  });
});
