/** XXH64 (PromQL limit_ratio, rule-group offsets) and the label-set hash against the reference vectors. */
import { describe, expect, it } from 'vitest';
import { labelsHash, xxhash64 } from '../../../src/model/xxhash.js';

describe('xxhash64', () => {
  const enc = new TextEncoder();
  it.each([
    ['', 'ef46db3751d8e999'],
    ['a', 'd24ec4f1a98c6e5b'],
    ['abc', '44bc2cf5ad770999'],
    ['Nobody inspects the spammish repetition', 'fbcea83c8a378bf1'],
  ])('%j', (s, want) => {
    expect(xxhash64(enc.encode(s)).toString(16)).toBe(want);
  });
  it('hashes label sets as name 0xff value 0xff …', () => {
    expect(labelsHash(['a', 'b'])).toBe(xxhash64(new Uint8Array([0x61, 0xff, 0x62, 0xff])));
  });
});
