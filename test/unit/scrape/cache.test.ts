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

/** The text of entry `e`. */
const keyOf = (cache: ScrapeCache, e: number): string => Buffer.from(cache.keyBytes.subarray(cache.keyStart(e), cache.keyEnd(e))).toString('latin1');

/** The entry of text `key` at series line `pos` (looked up by its bytes, from inside a larger buffer). */
function get(cache: ScrapeCache, key: string, pos: number): number {
  const b = Buffer.from(`#${key}#`, 'latin1');
  return cache.get(b, 1, b.length - 1, pos);
}

function add(cache: ScrapeCache, key: string, pos: number): number {
  const b = Buffer.from(`<${key}>`, 'latin1');
  return cache.add(b, 1, b.length - 1, refOf(key), pos);
}

function addDropped(cache: ScrapeCache, key: string, pos: number): void {
  const b = Buffer.from(key, 'latin1');
  cache.addDropped(b, 0, b.length, pos);
}

/** The text {@link ScrapeCache.hintAt} offers for series line `pos`, or undefined. */
function hintAt(cache: ScrapeCache, pos: number): string | undefined {
  const e = cache.hintAt(pos);
  return e === NO_ENTRY ? undefined : keyOf(cache, e);
}

/** One successful scrape exposing `keys` (as the scrape append drives the cache); returns the entry slots. */
function scrapeKeys(cache: ScrapeCache, keys: readonly string[]): number[] {
  const out: number[] = [];
  keys.forEach((key, pos) => {
    let e = get(cache, key, pos);
    if (e === NO_ENTRY) e = add(cache, key, pos);
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
    expect(get(cache, 'a', 0)).toBe(a);
    expect(get(cache, 'b', 1)).toBe(b);
    scrapeKeys(cache, ['b']);
    expect(stale(cache)).toEqual(['a']);
    cache.iterDone(true);
    expect(get(cache, 'a', 5)).toBe(NO_ENTRY);
    expect(get(cache, 'b', 5)).toBe(b);
  });

  it('counts a series seen twice in one scrape once', () => {
    const cache = new ScrapeCache();
    scrapeKeys(cache, ['a', 'b']);
    cache.iterDone(true);
    scrapeKeys(cache, ['a', 'a']);
    expect(stale(cache)).toEqual(['b']);
    cache.iterDone(true);
    expect(get(cache, 'b', 5)).toBe(NO_ENTRY);
    expect(keyOf(cache, get(cache, 'a', 5))).toBe('a');
  });

  it('keeps every series after a failed scrape and reports all of the last good one stale', () => {
    const cache = new ScrapeCache();
    scrapeKeys(cache, ['a', 'b']);
    cache.iterDone(true);
    expect(stale(cache)).toEqual(['a', 'b']);
    cache.iterDone(false);
    expect(stale(cache)).toEqual([]);
    expect(keyOf(cache, get(cache, 'a', 0))).toBe('a');
  });

  it('hints the key of the same line of the last successful scrape', () => {
    const cache = new ScrapeCache();
    expect(hintAt(cache, 0)).toBeUndefined();
    scrapeKeys(cache, ['a', 'b']);
    addDropped(cache, 'c', 2);
    cache.iterDone(true);
    expect([hintAt(cache, 0), hintAt(cache, 1), hintAt(cache, 2), hintAt(cache, 3)]).toEqual(['a', 'b', 'c', undefined]);
    scrapeKeys(cache, ['x']);
    cache.iterDone(false);
    expect(hintAt(cache, 0)).toBe('a');
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
    expect([keyOf(cache, c!), cache.refOf(c!)]).toEqual(['c', refOf('c')]);
    expect(stale(cache)).toEqual([]);
    cache.iterDone(true);
    expect(get(cache, 'a', 0)).toBe(NO_ENTRY);
    expect(get(cache, 'c', 0)).toBe(c);
    expect(get(cache, 'b', 1)).toBe(b);
    expect(stale(cache)).toEqual(['c', 'b']);
  });

  it('keeps the refs of many series through the columns growing', () => {
    const cache = new ScrapeCache();
    const keys = Array.from({ length: 1000 }, (_, i) => `s${i}`);
    const slots = scrapeKeys(cache, keys);
    cache.iterDone(true);
    expect(new Set(slots).size).toBe(1000);
    expect(keys.every((k, i) => get(cache, k, i) === slots[i] && cache.refOf(slots[i]!) === refOf(k))).toBe(true);
    scrapeKeys(cache, keys.slice(500));
    expect(stale(cache)).toEqual(keys.slice(0, 500));
  });
});

/**
 * One scrape for the model check: the series texts in line order (texts starting with `d` are
 * dropped) and whether it succeeded. Texts of 2–70 bytes, so their bytes outgrow the first arena
 * and churn makes it repack.
 */
const scrapeArb = fc.record({
  keys: fc.array(
    fc.constantFrom(...Array.from({ length: 200 }, (_, i) => (i % 9 === 8 ? `d${i}` : `s${i}`) + '{x="'.repeat(i % 17))),
    { maxLength: 150, size: 'max' },
  ),
  success: fc.boolean(),
});

describe('ScrapeCache against a model', () => {
  it('finds, forgets, hints and reports stale exactly what a set-based model says, through slot reuse, arena repacking and table growth', () => {
    fc.assert(
      fc.property(fc.array(scrapeArb, { minLength: 1, maxLength: 25 }), (scrapes) => {
        const cache = new ScrapeCache();
        let cached = new Set<string>();
        let order: (string | undefined)[] = [];
        let prevTracked: string[] = [];
        for (const { keys, success } of scrapes) {
          for (let pos = 0; pos <= order.length; pos++) expect(hintAt(cache, pos)).toBe(order[pos]);
          const seen = new Set<string>();
          const tracked: string[] = [];
          const nextOrder: (string | undefined)[] = [];
          keys.forEach((key, pos) => {
            let e = get(cache, key, pos);
            expect(e !== NO_ENTRY).toBe(cached.has(key));
            nextOrder[pos] = key;
            if (e !== NO_ENTRY) {
              expect([keyOf(cache, e), cache.isDropped(e)]).toEqual([key, key.startsWith('d')]);
              expect(cache.seenInThisScrape(e)).toBe(seen.has(key));
              if (!seen.has(key)) cache.markSeen(e);
              seen.add(key);
              if (cache.isDropped(e)) return;
              expect(cache.refOf(e)).toBe(refOf(key));
            } else {
              cached.add(key);
              seen.add(key);
              if (key.startsWith('d')) {
                addDropped(cache, key, pos);
                return;
              }
              e = add(cache, key, pos);
            }
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

/** Bytes of a cache's columns, line order lists and text arena (private fields, read for the test). */
function cacheBytes(cache: ScrapeCache): { slots: number; order: number; arena: number } {
  const c = cache as unknown as Record<string, { byteLength: number; length: number; items: Int32Array }>;
  return { slots: c.refs!.length, order: c.order!.items.length, arena: c.arena!.byteLength };
}

describe('ScrapeCache memory', () => {
  it('cuts its columns, order lists and arena to the series plus 1/16 after the scrape that grew it', () => {
    const cache = new ScrapeCache();
    const keys = Array.from({ length: 10_000 }, (_, i) => `bench_requests_${i % 100}_total{path="/api/v${i % 10}/item",shard="${i}"}`);
    const bytes = keys.reduce((n, k) => n + k.length, 0);
    scrapeKeys(cache, keys);
    cache.iterDone(true);
    // room(n) = n + n/16 + 16
    expect(cacheBytes(cache)).toEqual({ slots: 10_641, order: 10_641, arena: bytes + (bytes >> 4) + 16 });
    // A steady scrape keeps them.
    scrapeKeys(cache, keys);
    cache.iterDone(true);
    expect(cacheBytes(cache)).toEqual({ slots: 10_641, order: 10_641, arena: bytes + (bytes >> 4) + 16 });
    expect(keys.every((k, i) => keyOf(cache, get(cache, k, i)) === k)).toBe(true);
  });

  it('reuses the bytes of forgotten texts: churn through many scrapes keeps the arena near the live texts', () => {
    const cache = new ScrapeCache();
    let live: string[] = [];
    for (let round = 0; round < 40; round++) {
      // Half the series are replaced by new ones every scrape.
      live = [...live.slice(live.length >> 1), ...Array.from({ length: 500 }, (_, i) => `churn_metric{round="${round}",i="${i}"}`)];
      scrapeKeys(cache, live);
      cache.iterDone(true);
      live.forEach((k, i) => expect(keyOf(cache, get(cache, k, i))).toBe(k));
    }
    const liveBytes = live.reduce((n, k) => n + k.length, 0);
    expect(cacheBytes(cache).arena).toBeLessThan(3 * liveBytes);
    expect(cacheBytes(cache).slots).toBeLessThan(2 * live.length);
  });
});
