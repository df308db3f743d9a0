import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ValidationError } from './errors';

@Injectable()
export class ZodValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const schema = (metadata.metatype as { schema?: z.ZodType } | undefined)?.schema;
    if (!schema || metadata.type === 'custom') return value;
    if (metadata.type === 'body' && (value === undefined || value === null)) {
      throw new ValidationError('Request body must be a JSON object');
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const details = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code }));
      const where = metadata.type === 'query' ? 'query parameters' : 'request body';
      throw new ValidationError(`Invalid ${where}: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`, details);
    }
    return result.data;
  }
}
