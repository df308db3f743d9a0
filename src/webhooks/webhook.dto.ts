import { z } from 'zod';
import { ID_PATTERN } from '../common/ids';
import { pageQuerySchema } from '../common/list.dto';
import { createZodDto } from '../common/zod-dto';
import { WEBHOOK_EVENT_TYPES } from './event-types';

// The URL's shape is checked here; whether it may be reached (scheme, port, address) by the egress guard.
const url = z.string().trim().min(1).max(2048);
const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `unknown event type; known types: ${WEBHOOK_EVENT_TYPES.join(', ')}` }))
  .max(WEBHOOK_EVENT_TYPES.length);
const description = z.string().trim().max(500).nullable();
const id = z.string().regex(ID_PATTERN, 'must be an object id');

export const createEndpointSchema = z
  .object({
    url,
    eventTypes: eventTypes.optional(),
    description: description.optional(),
  })
  .strict();

export const updateEndpointSchema = z
  .object({
    url: url.optional(),
    eventTypes: eventTypes.optional(),
    description: description.optional(),
    // true re-enables an endpoint that was disabled (by a 410 or days of failures); false pauses it.
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'send at least one field to change');

export const listEventsSchema = pageQuerySchema.extend({ type: z.enum(WEBHOOK_EVENT_TYPES).optional() }).strict();

export const listDeliveriesSchema = pageQuerySchema.extend({ status: z.enum(['pending', 'delivered', 'failed']).optional() }).strict();

export const redeliverSchema = z
  .object({
    // Default: every enabled endpoint whose filter matches the event.
    endpointId: id.optional(),
  })
  .strict();

export class CreateEndpointDto extends createZodDto(createEndpointSchema) {}
export class UpdateEndpointDto extends createZodDto(updateEndpointSchema) {}
export class ListEventsDto extends createZodDto(listEventsSchema) {}
export class ListDeliveriesDto extends createZodDto(listDeliveriesSchema) {}
export class RedeliverDto extends createZodDto(redeliverSchema) {}
export class ListEndpointsDto extends createZodDto(pageQuerySchema.strict()) {}

export type CreateEndpointInput = z.infer<typeof createEndpointSchema>;
export type UpdateEndpointInput = z.infer<typeof updateEndpointSchema>;
