import { randomBytes } from 'node:crypto';
import { Clock } from '../../src/common/clock';
import { newId } from '../../src/common/ids';
import { PaymentEntity, type PaymentState } from '../../src/payments/payment.entity';
import { MerchantRepository } from '../../src/merchants/merchant.repository';
import { PaymentRepository } from '../../src/payments/payment.repository';
import { nestOf, type Host } from './host';
import { USDC } from './merchants';

export const USDC_TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
export const PAY_TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

export function randomHex(bytes: number): string {
  return `0x${randomBytes(bytes).toString('hex')}`;
}

export interface PaymentInput {
  merchantId: string;
  amount: string | bigint;
  state: PaymentState;
  livemode?: boolean;
  invoiceId?: string | null;
  customerId?: string | null;
  from?: string;
  to?: string;
  block?: number;
  at?: Date;
  token?: string;
  assetId?: string;
  matchedBy?: PaymentEntity['matchedBy'];
}

// A transfer as the chain watcher records it, without a chain: a random transaction on the devnet
// (chain 31337) in USDC unless told otherwise, matched by amount when it names an invoice.
export async function createPayment(host: Host, p: PaymentInput): Promise<PaymentEntity> {
  const nest = nestOf(host);
  // By default to the merchant's own receiving address (an address belongs to one merchant).
  const merchant = p.to ? null : await nest.get(MerchantRepository).getById(p.merchantId);
  const payment = Object.assign(new PaymentEntity(), {
    id: newId('pay'),
    merchantId: p.merchantId,
    livemode: p.livemode ?? false,
    chainId: 31337,
    txHash: randomHex(32),
    logIndex: 0,
    blockHash: randomHex(32),
    blockNumber: BigInt(p.block ?? 995),
    blockTimestamp: p.at ?? nest.get(Clock).now(),
    assetId: p.assetId ?? USDC,
    token: p.token ?? USDC_TOKEN,
    fromAddress: p.from ?? randomHex(20),
    toAddress: p.to ?? merchant?.receivingAddresses['31337'] ?? PAY_TO,
    amount: BigInt(p.amount),
    kind: 'erc20',
    state: p.state,
    invoiceId: p.invoiceId ?? null,
    customerId: p.customerId ?? null,
    matchedBy: p.matchedBy !== undefined ? p.matchedBy : p.invoiceId ? 'amount' : null,
    flags: [],
    late: false,
    suggestedCustomerId: null,
  });
  return nest.get(PaymentRepository).save(payment);
}
