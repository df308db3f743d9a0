import { z } from 'zod';

export interface ZodDtoClass<T = unknown> {
  new (): T;
  schema: z.ZodType<T>;
  jsonSchema(): Record<string, unknown>;
}

// A class handle for a zod schema, so the global pipe can find the schema from the param's metatype.
export function createZodDto<S extends z.ZodType>(schema: S) {
  class ZodDto {
    static schema = schema;
    static jsonSchema(): Record<string, unknown> {
      const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      return rest;
    }
  }
  return ZodDto as unknown as ZodDtoClass<z.infer<S>> & { new (): z.infer<S> };
}
