/** The scrape cache's bookkeeping between scrapes: forgetting unseen series, staleness candidates, key hints. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_ENTRY, ScrapeCache } from '../../../src/scrape/cache.js';

/** Storage ref of each series text (as a storage would give them). */
const refs = new Map<string, number>();
const refOf = (key: string): number => {
  if (!refs.has(key)) refs.set(key, 100 + refs.size);
  return refs.get(key)!;
};

/** One successful scrape exposing `keys` (as the scrape append drives the cache); returns the entry slots. */
function scrapeKeys(cache: ScrapeCache, keys: readonly string[]): number[] {
  const out: number[] = [];
  keys.forEach((key, pos) => {
    let e = cache.get(key, pos);
    if (e === NO_ENTRY) e = cache.add(key, refOf(key), pos);
    else if (!cache.seenInThisScrape(e)) cache.markSeen(e);
    cache.track(e);
    out.push(e);
  });
  return out;
}

/** The texts of the series due a staleness marker. */
function stale(cache: ScrapeCache): string[] {
  const keys: string[] = [];
  cache.forEachStale((ref) => keys.push([...refs].find(([, r]) => r === ref)![0]));
  return keys;
}

describe('ScrapeCache', () => {
  it('forgets the series a successful scrape did not expose, keeps the others', () => {
    const cache = new ScrapeCache();
    const [a, b] = scrapeKeys(cache, ['a', 'b']);
    expect(stale(cache)).toEqual([]);
    cache.iterDone(true);
    scrapeKeys(cache, ['a', 'b']);
    expect(stale(cache)).toEqual([]);
    cache.iterDone(true);
    expect(cache.get('a', 0)).toBe(a);
    expect(cache.get('b', 1)).toBe(b);
    scrapeKeys(cache, ['b']);
    expect(stale(cache)).toEqual(['a']);
    cache.iterDone(true);
    expect(cache.get('a', 5)).toBe(NO_ENTRY);
    expect(cache.get('b', 5)).toBe(b);
  });

  it('counts a series seen twice in one scrape once', () => {
    const cache = new ScrapeCache();
    scrapeKeys(cache, ['a', 'b']);
    cache.iterDone(true);
    scrapeKeys(cache, ['a', 'a']);
    expect(stale(cache)).toEqual(['b']);
    cache.iterDone(true);
    expect(cache.get('b', 5)).toBe(NO_ENTRY);
    expect(cache.keyOf(cache.get('a', 5))).toBe('a');
  });

  it('keeps every series after a failed scrape and reports all of the last good one stale', () => {
    const cache = new ScrapeCache();
    scrapeKeys(cache, ['a', 'b']);
    cache.iterDone(true);
    expect(stale(cache)).toEqual(['a', 'b']);
    cache.iterDone(false);
    expect(stale(cache)).toEqual([]);
    expect(cache.keyOf(cache.get('a', 0))).toBe('a');
  });

  it('hints the key of the same line of the last successful scrape', () => {
    const cache = new ScrapeCache();
    expect(cache.keyAt(0)).toBeUndefined();
    scrapeKeys(cache, ['a', 'b']);
    cache.addDropped('c', 2);
    cache.iterDone(true);
    expect([cache.keyAt(0), cache.keyAt(1), cache.keyAt(2), cache.keyAt(3)]).toEqual(['a', 'b', 'c', undefined]);
    scrapeKeys(cache, ['x']);
    cache.iterDone(false);
    expect(cache.keyAt(0)).toBe('a');
  });

  it('reuses the slots of forgotten series, and a reused slot at an old position is not mistaken for its old series', () => {
    const cache = new ScrapeCache();
    const [a, b] = scrapeKeys(cache, ['a', 'b']);
    cache.iterDone(true);
    scrapeKeys(cache, ['b']);
    cache.iterDone(true);
    // 'a' was forgotten: 'c' takes its slot; line 0 of the last scrape was 'b'.
    const [c] = scrapeKeys(cache, ['c', 'b']);
    expect(c).toBe(a);
    expect([cache.keyOf(c!), cache.refOf(c!)]).toEqual(['c', refOf('c')]);
    expect(stale(cache)).toEqual([]);
    cache.iterDone(true);
    expect(cache.get('a', 0)).toBe(NO_ENTRY);
    expect(cache.get('c', 0)).toBe(c);
    expect(cache.get('b', 1)).toBe(b);
    expect(stale(cache)).toEqual(['c', 'b']);
  });

  it('keeps the refs of many series through the columns growing', () => {
    const cache = new ScrapeCache();
    const keys = Array.from({ length: 1000 }, (_, i) => `s${i}`);
    const slots = scrapeKeys(cache, keys);
    cache.iterDone(true);
    expect(new Set(slots).size).toBe(1000);
    expect(keys.every((k, i) => cache.get(k, i) === slots[i] && cache.refOf(slots[i]!) === refOf(k))).toBe(true);
    scrapeKeys(cache, keys.slice(500));
    expect(stale(cache)).toEqual(keys.slice(0, 500));
  });
});

/** One scrape for the model check: the series texts in line order (texts starting with `d` are dropped) and whether it succeeded. */
const scrapeArb = fc.record({
  keys: fc.array(fc.constantFrom(...Array.from({ length: 200 }, (_, i) => (i % 9 === 8 ? `d${i}` : `s${i}`))), { maxLength: 150, size: "max" }),
  success: fc.boolean(),
});

describe('ScrapeCache against a model', () => {
  it('finds, forgets, hints and reports stale exactly what a set-based model says, through slot reuse and table growth', () => {
    fc.assert(
      fc.property(fc.array(scrapeArb, { minLength: 1, maxLength: 25 }), (scrapes) => {
        const cache = new ScrapeCache();
        let cached = new Set<string>();
        let order: (string | undefined)[] = [];
        let prevTracked: string[] = [];
        for (const { keys, success } of scrapes) {
          for (let pos = 0; pos <= order.length; pos++) expect(cache.keyAt(pos)).toBe(order[pos]);
          const seen = new Set<string>();
          const tracked: string[] = [];
          const nextOrder: (string | undefined)[] = [];
          keys.forEach((key, pos) => {
            let e = cache.get(key, pos);
            expect(e !== NO_ENTRY).toBe(cached.has(key));
            if (e !== NO_ENTRY) {
              expect([cache.keyOf(e), cache.refOf(e)]).toEqual([key, refOf(key)]);
              expect(cache.seenInThisScrape(e)).toBe(seen.has(key));
              if (!seen.has(key)) cache.markSeen(e);
            } else if (key.startsWith('d')) {
              if (!cache.isDropped(key, pos)) cache.addDropped(key, pos);
              nextOrder[pos] = key;
              return;
            } else {
              e = cache.add(key, refOf(key), pos);
              cached.add(key);
            }
            nextOrder[pos] = key;
            seen.add(key);
            if (!tracked.includes(key)) tracked.push(key);
            cache.track(e);
          });
          const want = prevTracked.filter((k) => !tracked.includes(k));
          expect(stale(cache).sort()).toEqual(want.sort());
          cache.iterDone(success);
          if (success) {
            cached = new Set([...cached].filter((k) => seen.has(k)));
            order = nextOrder;
          }
          prevTracked = tracked;
        }
      }),
      // No shrinking: a failing run of many scrapes would shrink for minutes.
      { numRuns: 200, endOnFailure: true },
    );
  });
});
