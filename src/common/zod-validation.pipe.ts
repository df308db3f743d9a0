import { Injectable, Logger, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ValidationError } from './errors';

@Injectable()
export class ZodValidationPipe implements PipeTransform {
  private readonly logger = new Logger('ZodValidationPipe');

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const where = metadata.type === 'query' ? 'query parameters' : metadata.type === 'param' ? 'path' : 'request body';
    const bad = findUnstorableString(value);
    if (bad !== null) {
      throw new ValidationError(`Invalid ${where}: strings must be valid Unicode without NUL characters`, [
        { path: bad, message: 'contains a NUL character or an unpaired surrogate', code: 'invalid_string' },
      ]);
    }
    const schema = (metadata.metatype as { schema?: z.ZodType } | undefined)?.schema;
    if (!schema) return value;
    if (metadata.type === 'body' && (value === undefined || value === null)) {
      throw new ValidationError('Request body must be a JSON object');
    }
    let result: ReturnType<z.ZodType['safeParse']>;
    try {
      result = schema.safeParse(value);
    } catch (err) {
      // A refine or transform that throws on odd input is a schema bug, but the input is still
      // what failed: answer 400 rather than 500, and log it so the schema gets fixed.
      this.logger.warn({ err, where }, 'schema threw while validating input');
      throw new ValidationError(`Invalid ${where}: a value could not be validated`);
    }
    if (!result.success) {
      // An unknown field is reported at its own path, so a client sees which field to drop.
      const details = result.error.issues.flatMap((i): { path: string; message: string; code: string }[] =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => ({ path: [...i.path, k].join('.'), message: 'Unknown field', code: i.code }))
          : [{ path: i.path.join('.'), message: i.message, code: i.code }],
      );
      throw new ValidationError(`Invalid ${where}: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`, details);
    }
    return result.data;
  }
}

// PostgreSQL text and jsonb cannot hold NUL or an unpaired UTF-16 surrogate: such input is
// refused here, once, instead of failing in the driver as a 500. Iterative, so any nesting depth is safe.
function findUnstorableString(root: unknown): string | null {
  const stack: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (!storable(value)) return path;
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const child = path ? `${path}.${k}` : k;
        if (!storable(k)) return child;
        stack.push({ value: v, path: child });
      }
    }
  }
  return null;
}

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function storable(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}
