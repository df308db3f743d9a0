import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveKey } from './keys';

export interface CipherContext {
  merchantId: string;
  table: string;
  column: string;
  rowId: string;
}

export class DecryptionError extends Error {
  constructor() {
    super('ciphertext failed authentication');
    this.name = 'DecryptionError';
  }
}

const VERSION = 'v1';
const ALG = 'a256gcm';

// AES-256-GCM with the row's identity as associated data, so a ciphertext copied to another
// row, column or tenant fails authentication. Envelope: v1.alg.kid.nonce.ciphertext.tag (base64url).
export class ColumnCipher {
  private readonly keys: Map<string, Buffer>;

  constructor(
    masterKey: Buffer,
    private readonly currentKid = 'k1',
  ) {
    this.keys = new Map([[currentKid, deriveKey(masterKey, 'column-cipher', currentKid)]]);
  }

  encrypt(plaintext: string, ctx: CipherContext): string {
    const kid = this.currentKid;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(kid)!, nonce);
    cipher.setAAD(aad(ctx, kid));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, ALG, kid, nonce.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  decrypt(envelope: string, ctx: CipherContext): string {
    const parts = envelope.split('.');
    if (parts.length !== 6 || parts[0] !== VERSION || parts[1] !== ALG) throw new DecryptionError();
    const [, , kid, nonceB64, ctB64, tagB64] = parts;
    const key = this.keys.get(kid);
    const nonce = Buffer.from(nonceB64, 'base64url');
    const tag = Buffer.from(tagB64, 'base64url');
    if (!key || nonce.length !== 12 || tag.length !== 16) throw new DecryptionError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce);
      decipher.setAAD(aad(ctx, kid));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ctB64, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError();
    }
  }
}

function aad(ctx: CipherContext, kid: string): Buffer {
  // JSON framing: no choice of names can make two different contexts produce the same bytes.
  return Buffer.from(JSON.stringify(['billfold.v1', ctx.merchantId, ctx.table, ctx.column, ctx.rowId, kid]), 'utf8');
}
