import { z } from 'zod';
import { ID_PATTERN } from './ids';

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  startingAfter: z.string().regex(ID_PATTERN, 'must be an object id').optional(),
});

export interface ListView<T> {
  object: 'list';
  data: T[];
  hasMore: boolean;
}

export function listView<T, R>(page: { data: T[]; hasMore: boolean }, map: (row: T) => R): ListView<R> {
  return { object: 'list', data: page.data.map(map), hasMore: page.hasMore };
}
