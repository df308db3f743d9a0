import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader } from '@nestjs/swagger';
import type { ZodDtoClass } from './zod-dto';

export function ApiJsonBody(dto: ZodDtoClass) {
  return ApiBody({ schema: dto.jsonSchema() as never });
}

export const ApiIdempotent = () =>
  ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Unique per logical request; replays return the first response' });

export function ApiPost(dto: ZodDtoClass) {
  return applyDecorators(ApiJsonBody(dto), ApiIdempotent());
}
