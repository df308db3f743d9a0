import { z } from 'zod';
import { createZodDto } from '../common/zod-dto';
import { MAX_MESSAGE_LENGTH } from './siwe.service';

const CHALLENGE_ID = /^siwe_[0-9A-Za-z]{22}$/;

export const challengeSchema = z
  .object({
    _csrf: z.string().max(100),
    chainId: z.coerce.number().int().positive().max(2 ** 31 - 1),
    // Any case: it is normalised to EIP-55 (a wrong mixed-case checksum is refused by the service).
    address: z.string().trim().regex(/^0x[0-9a-fA-F]{40}$/, 'an Ethereum address (0x followed by 40 hex digits)'),
  })
  .strict();

// Bounded before anything else runs: a huge message or signature is refused by the pipe, cheaply.
export const verifySchema = z
  .object({
    _csrf: z.string().max(100),
    challengeId: z.string().regex(CHALLENGE_ID),
    message: z.string().min(1).max(MAX_MESSAGE_LENGTH),
    signature: z.string().max(20_000),
  })
  .strict();

export const walletsPageSchema = z
  .object({
    challenge: z.string().regex(CHALLENGE_ID).optional(),
    done: z.enum(['linked', 'already-linked', 'unlinked']).optional(),
  })
  .strict();

export class ChallengeDto extends createZodDto(challengeSchema) {}
export class VerifyDto extends createZodDto(verifySchema) {}
export class WalletsPageDto extends createZodDto(walletsPageSchema) {}
