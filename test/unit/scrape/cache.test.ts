/** The scrape cache's bookkeeping between scrapes: forgetting unseen series, staleness candidates, key hints. */
import { describe, expect, it } from 'vitest';
import { ScrapeCache, type CacheEntry } from '../../../src/scrape/cache.js';

/** One successful scrape exposing `keys` (as the scrape append drives the cache). */
function scrapeKeys(cache: ScrapeCache, keys: readonly string[]): CacheEntry[] {
  const out: CacheEntry[] = [];
  keys.forEach((key, pos) => {
    let e = cache.get(key, pos);
    if (e === undefined) e = cache.add(key, out.length + 100, pos);
    else if (e.lastIter !== cache.iter) cache.markSeen(e);
    cache.track(e);
    out.push(e);
  });
  return out;
}

function stale(cache: ScrapeCache): string[] {
  const keys: string[] = [];
  cache.forEachStale((e) => keys.push(e.key));
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
    expect(cache.get('a', 5)).toBeUndefined();
    expect(cache.get('b', 5)).toBe(b);
  });

  it('counts a series seen twice in one scrape once', () => {
    const cache = new ScrapeCache();
    scrapeKeys(cache, ['a', 'b']);
    cache.iterDone(true);
    scrapeKeys(cache, ['a', 'a']);
    expect(stale(cache)).toEqual(['b']);
    cache.iterDone(true);
    expect(cache.get('b', 5)).toBeUndefined();
    expect(cache.get('a', 5)?.key).toBe('a');
  });

  it('keeps every series after a failed scrape and reports all of the last good one stale', () => {
    const cache = new ScrapeCache();
    scrapeKeys(cache, ['a', 'b']);
    cache.iterDone(true);
    expect(stale(cache)).toEqual(['a', 'b']);
    cache.iterDone(false);
    expect(stale(cache)).toEqual([]);
    expect(cache.get('a', 0)?.key).toBe('a');
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
});
