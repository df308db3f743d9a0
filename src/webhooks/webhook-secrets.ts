import type { CipherContext, ColumnCipher } from '../common/crypto/column-cipher';
import type { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { secretBytes } from './webhook-signer';

export type SecretColumn = 'secret_enc' | 'previous_secret_enc';

export function secretContext(endpoint: Pick<WebhookEndpointEntity, 'id' | 'merchantId'>, column: SecretColumn): CipherContext {
  return { merchantId: endpoint.merchantId, table: 'webhook_endpoint', column, rowId: endpoint.id };
}

// The keys that sign a delivery now: the current secret, plus the previous one during a rotation's overlap.
export function endpointSecrets(cipher: ColumnCipher, endpoint: WebhookEndpointEntity, now: Date): Buffer[] {
  const secrets = [secretBytes(cipher.decrypt(endpoint.secretEnc, secretContext(endpoint, 'secret_enc')))];
  if (endpoint.previousSecretEnc && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(secretBytes(cipher.decrypt(endpoint.previousSecretEnc, secretContext(endpoint, 'previous_secret_enc'))));
  }
  return secrets;
}
