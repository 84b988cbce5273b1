/** 64-bit FNV-1a (Alertmanager fingerprints, scrape offsets) against reference values. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fnv64a, fnv64a } from '../../../src/model/fnv.js';

/** Straightforward BigInt FNV-1a, the reference for the two-halves arithmetic. */
function reference(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & ((1n << 64n) - 1n);
  return h;
}

describe('fnv64a', () => {
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
  ])('%j → %s', (s, want) => {
    expect(fnv64a(s).toString(16).padStart(16, '0')).toBe(want);
    const h = new Fnv64a();
    h.addString(s);
    expect(h.hex()).toBe(want);
  });
  it('agrees with BigInt arithmetic on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(fnv64a(s)).toBe(reference(new TextEncoder().encode(s)));
      }),
      { numRuns: 500 },
    );
  });
});
