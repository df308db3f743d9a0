import { z } from 'zod';
import { createZodDto } from '../common/zod-dto';

// Pasted hashes often carry surrounding spaces; anything else than 0x + 64 hex is refused.
export const claimFormSchema = z
  .object({
    _csrf: z.string().max(100),
    txHash: z
      .string()
      .max(200)
      .trim()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'a transaction hash is 0x followed by 64 hexadecimal characters (copy it from the exchange’s withdrawal details)'),
  })
  .strict();

export class ClaimFormDto extends createZodDto(claimFormSchema) {}
