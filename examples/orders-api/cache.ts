/**
 * A simulated in-memory cache (think Redis) with a time-to-live and a size cap; every lookup counts
 * `app_cache_hits_total{cache_name}` or `app_cache_misses_total{cache_name}`.
 */
import type { Counter } from 'prom-client';

/** Cache counters shared by all caches of one instance. */
export interface CacheCounters {
  hits: Counter<'cache_name'>;
  misses: Counter<'cache_name'>;
}

/** A named cache of values of type `V`. */
export class SimulatedCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  /**
   * @param name the `cache_name` label value
   * @param ttlMs how long an entry lives, milliseconds
   * @param maxEntries the oldest entry is evicted beyond this many
   */
  constructor(
    readonly name: string,
    private readonly counters: CacheCounters,
    private readonly ttlMs = 300_000,
    private readonly maxEntries = 10_000,
  ) {
    counters.hits.inc({ cache_name: name }, 0);
    counters.misses.inc({ cache_name: name }, 0);
  }

  /** The cached value, or undefined (a miss, also for an expired entry). Counts the hit or miss. */
  get(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    if (e !== undefined && e.expiresAt > now) {
      this.counters.hits.inc({ cache_name: this.name });
      return e.value;
    }
    if (e !== undefined) this.entries.delete(key);
    this.counters.misses.inc({ cache_name: this.name });
    return undefined;
  }

  /** Stores `value` under `key`, evicting the oldest entry when full. */
  set(key: string, value: V, now = Date.now()): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
  }
}
