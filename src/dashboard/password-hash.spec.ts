import { generatePassword, hashPassword, parseHash, verifyPassword } from './password-hash';

// A cheap cost factor keeps the unit tests fast; the format and checks are the same.
const FAST = { N: 2 ** 10, r: 8, p: 1 };

describe('password hashing', () => {
  it('stores scrypt$N$r$p$salt$hash with a fresh salt', async () => {
    const [first, second] = await Promise.all([hashPassword('correct horse battery', FAST), hashPassword('correct horse battery', FAST)]);
    expect(first).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);
  });

  it('verifies the password and nothing else', async () => {
    const stored = await hashPassword('correct horse battery', FAST);
    await expect(verifyPassword('correct horse battery', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', stored)).resolves.toBe(false);
    await expect(verifyPassword('', stored)).resolves.toBe(false);
  });

  it('treats canonically equivalent Unicode as the same password', async () => {
    const stored = await hashPassword('ﬁne café', FAST);
    await expect(verifyPassword('fine café', stored)).resolves.toBe(true);
  });

  it.each([
    ['another scheme', 'bcrypt$10$abc'],
    ['a missing part', 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0c2FsdA'],
    ['N not a power of two', `scrypt$1000$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`],
    ['N beyond the bound', `scrypt$${2 ** 21}$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`],
    ['a short salt', `scrypt$1024$8$1$AAAA$${'A'.repeat(43)}`],
    ['a short key', `scrypt$1024$8$1$${'A'.repeat(22)}$AAAA`],
  ])('refuses a stored value with %s', async (_name, stored) => {
    expect(parseHash(stored)).toBeNull();
    await expect(verifyPassword('anything', stored)).resolves.toBe(false);
  });

  it('generates 20-character one-time passwords without look-alike characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const password = generatePassword();
      expect(password).toMatch(/^[A-HJ-NP-Za-km-z2-9]{20}$/);
      seen.add(password);
    }
    expect(seen.size).toBe(200);
  });
});
