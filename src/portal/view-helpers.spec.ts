import { eip681Uri, explorerTxUrl, formatAmount, intervalLabel, invoiceStatus, maskEmail, paymentStatus, plainAmount, shortHash } from './view-helpers';

const PAY_TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const USDC = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('portal view helpers', () => {
  describe('formatAmount', () => {
    it('groups the whole part by thousands', () => {
      expect(formatAmount(1_234_567_890_000n, 6, 'USDC')).toBe('1,234,567.89 USDC');
      expect(formatAmount(999_000_000n, 6, 'USDC')).toBe('999 USDC');
      expect(formatAmount(1_000_000_000n, 6, 'USDC')).toBe('1,000 USDC');
    });

    it('trims trailing zeros and drops an empty fraction', () => {
      expect(formatAmount(10_000_000n, 6, 'USDC')).toBe('10 USDC');
      expect(formatAmount(10_500_000n, 6, 'USDC')).toBe('10.5 USDC');
      expect(formatAmount(0n, 6, 'USDC')).toBe('0 USDC');
    });

    it('shows every digit of an 18-decimal amount carrying a 1-wei tag', () => {
      expect(formatAmount(10n ** 18n + 1n, 18, 'ETH')).toBe('1.000000000000000001 ETH');
      expect(formatAmount(1234n * 10n ** 18n + 7n, 18, 'ETH')).toBe('1,234.000000000000000007 ETH');
      expect(formatAmount(1n, 18, 'ETH')).toBe('0.000000000000000001 ETH');
    });

    it('shows a 6-decimal tag exactly', () => {
      expect(formatAmount(10_000_003n, 6, 'USDC')).toBe('10.000003 USDC');
    });

    it('plainAmount has no grouping (what a wallet expects)', () => {
      expect(plainAmount(1_234_567_000_001n, 6)).toBe('1234567.000001');
    });
  });

  describe('eip681Uri', () => {
    it('native transfer: value in wei on the target chain', () => {
      expect(eip681Uri({ chainId: 31337, token: 'native', payTo: PAY_TO, amount: 10n ** 18n + 1n })).toBe(`ethereum:${PAY_TO}@31337?value=1000000000000000001`);
    });

    it('ERC-20 transfer: the token contract, then address and uint256 parameters', () => {
      expect(eip681Uri({ chainId: 1, token: USDC, payTo: PAY_TO, amount: 10_000_003n })).toBe(`ethereum:${USDC}@1/transfer?address=${PAY_TO}&uint256=10000003`);
    });

    it('never uses exponent notation for large amounts', () => {
      expect(eip681Uri({ chainId: 1, token: 'native', payTo: PAY_TO, amount: 10n ** 30n })).toContain(`value=1${'0'.repeat(30)}`);
    });
  });

  describe('maskEmail', () => {
    it.each([
      ['ada@example.com', 'ad•••@example.com'],
      ['grace.hopper@example.com', 'gr••••••••••@example.com'],
      ['ab@example.com', 'a•••@example.com'],
      ['a@example.com', 'a•••@example.com'],
      ['not-an-email', '•••'],
    ])('%s → %s', (email, masked) => {
      expect(maskEmail(email)).toBe(masked);
    });

    it('never reveals more than two characters of the local part', () => {
      const masked = maskEmail('secretname@example.com');
      expect(masked.startsWith('se')).toBe(true);
      expect(masked).not.toContain('cret');
      expect(masked.endsWith('@example.com')).toBe(true);
    });
  });

  describe('paymentStatus', () => {
    it.each([
      ['final', 3, 12, 'Final', 'success'],
      ['confirmed', 12, 12, 'Confirmed', 'success'],
      ['orphaned', 5, 12, 'Reversed', 'danger'],
      ['seen', null, 12, 'Detected', 'info'],
      ['seen', 0, 12, 'Detected', 'info'],
      ['seen', 3, 12, 'Confirming 3 of 12', 'info'],
      ['seen', 40, 12, 'Confirming 12 of 12', 'info'],
    ] as const)('%s with %p of %p confirmations → %s', (state, confirmations, required, label, tone) => {
      expect(paymentStatus(state, confirmations, required)).toEqual({ label, tone });
    });
  });

  describe('invoiceStatus', () => {
    const now = new Date('2030-01-02T00:00:00Z');
    const later = new Date('2030-01-03T00:00:00Z');

    it('an open or partially paid invoice past its expiry is overdue', () => {
      expect(invoiceStatus('open', now, now)).toEqual({ label: 'Overdue', tone: 'danger' });
      expect(invoiceStatus('partially_paid', new Date(now.getTime() - 1), now)).toEqual({ label: 'Overdue', tone: 'danger' });
    });

    it('labels the other states', () => {
      expect(invoiceStatus('open', later, now)).toEqual({ label: 'Open', tone: 'warning' });
      expect(invoiceStatus('partially_paid', later, now)).toEqual({ label: 'Partially paid', tone: 'warning' });
      expect(invoiceStatus('paid', new Date(0), now)).toEqual({ label: 'Paid', tone: 'success' });
      expect(invoiceStatus('expired', new Date(0), now)).toEqual({ label: 'Expired', tone: 'neutral' });
      expect(invoiceStatus('void', later, now)).toEqual({ label: 'Void', tone: 'neutral' });
    });
  });

  describe('small formatters', () => {
    it('explorer links are https only', () => {
      expect(explorerTxUrl('https://etherscan.io/', '0xabc')).toBe('https://etherscan.io/tx/0xabc');
      expect(explorerTxUrl('http://etherscan.io', '0xabc')).toBeNull();
      expect(explorerTxUrl('javascript:alert(1)//', '0xabc')).toBeNull();
      expect(explorerTxUrl(null, '0xabc')).toBeNull();
    });

    it('shortens long hashes and interval labels read naturally', () => {
      expect(shortHash(`0x${'ab'.repeat(32)}`)).toBe('0xababab…ababab');
      expect(shortHash('0x1234')).toBe('0x1234');
      expect(intervalLabel('month', 1)).toBe('per month');
      expect(intervalLabel('week', 2)).toBe('every 2 weeks');
    });
  });
});
