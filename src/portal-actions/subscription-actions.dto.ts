import { z } from 'zod';
import { createZodDto } from '../common/zod-dto';

// Portal forms (application/x-www-form-urlencoded): every field a string, unknown fields refused.
const csrf = z.string().max(100);
const planId = z.string().min(1).max(64);

// The reason is checked against the merchant's list in the service (the list is per merchant).
export const cancelFormSchema = z
  .object({
    _csrf: csrf,
    reason: z.string().max(100).optional(),
    note: z.string().trim().max(500, 'Keep the comment under 500 characters').optional(),
  })
  .strict();

export const pauseFormSchema = z
  .object({
    _csrf: csrf,
    mode: z.enum(['until', 'indefinitely']),
    // <input type="date"> sends YYYY-MM-DD, or an empty string when left blank.
    resumeOn: z
      .string()
      .regex(/^(\d{4}-\d{2}-\d{2})?$/, 'Choose a date')
      .optional(),
  })
  .strict()
  .refine((f) => f.mode === 'indefinitely' || !!f.resumeOn, { message: 'Choose the date your subscription resumes', path: ['resumeOn'] });

export const switchFormSchema = z.object({ _csrf: csrf, planId }).strict();
export const switchQuerySchema = z.object({ planId: planId.optional() }).strict();

export class CancelFormDto extends createZodDto(cancelFormSchema) {}
export class PauseFormDto extends createZodDto(pauseFormSchema) {}
export class SwitchFormDto extends createZodDto(switchFormSchema) {}
export class SwitchQueryDto extends createZodDto(switchQuerySchema) {}
