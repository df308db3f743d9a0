import fc from 'fast-check';
import { MAX_TAG, smallestFreeTag } from './amount-tag';

describe('smallestFreeTag', () => {
  it('starts at 1 when nothing is held', () => {
    expect(smallestFreeTag(10_000_000n, [])).toBe(1);
  });

  it('skips amounts other invoices hold, whatever their subtotal', () => {
    expect(smallestFreeTag(100n, [101n, 102n, 104n])).toBe(3);
  });

  it('resumes after a collided tag', () => {
    expect(smallestFreeTag(100n, [], 7)).toBe(7);
  });

  it('returns null when the window is exhausted', () => {
    const held = Array.from({ length: MAX_TAG }, (_, i) => 500n + BigInt(i + 1));
    expect(smallestFreeTag(500n, held)).toBeNull();
  });

  it('never returns a held amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 60 }), (subtotal, tags) => {
        const held = tags.map((t) => subtotal + BigInt(t));
        const tag = smallestFreeTag(subtotal, held);
        expect(tag).not.toBeNull();
        expect(held).not.toContain(subtotal + BigInt(tag!));
        for (let smaller = 1; smaller < tag!; smaller++) expect(held).toContain(subtotal + BigInt(smaller));
      }),
    );
  });
});
