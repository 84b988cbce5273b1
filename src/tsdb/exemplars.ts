/**
 * Exemplar storage, as Prometheus's `CircularExemplarStorage` (`tsdb/exemplar.go`): one ring of at
 * most `max_exemplars` exemplars shared by every series; a new exemplar overwrites the oldest one
 * of all. Each series with exemplars keeps its oldest and newest slot, and slots link to the next
 * of the same series, so a series' exemplars are read in time order without scanning the ring.
 *
 * Rules (upstream `validateExemplar`): an exemplar's label set may hold at most 128 UTF-8
 * characters (names and values together); the same exemplar as the series' newest is a duplicate
 * (ignored); one not newer than the series' newest is out of order (rejected and counted).
 *
 * Units: timestamps are ms; values float64.
 *
 * Self-metrics (registered on the optional registry, named as upstream's):
 * `prometheus_tsdb_exemplar_exemplars_appended_total`, `…_exemplars_in_storage`,
 * `…_series_with_exemplars_in_storage`, `…_last_exemplars_timestamp_seconds`, `…_max_exemplars`,
 * `…_out_of_order_exemplars_total`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { compare, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

/** Longest exemplar label set, in characters of names and values (upstream `ExemplarMaxLabelSetLength`). */
export const EXEMPLAR_MAX_LABEL_SET_LENGTH = 128;

/** Outcome of validating or adding an exemplar (upstream's storage errors). */
export const ExemplarResult = {
  Ok: 0,
  /** Same labels, value and timestamp as the series' newest exemplar: ignored (upstream `ErrDuplicateExemplar`). */
  Duplicate: 1,
  /** Not newer than the series' newest exemplar (upstream `ErrOutOfOrderExemplar`). */
  OutOfOrder: 2,
  /** Label set longer than 128 characters (upstream `ErrExemplarLabelLength`). */
  LabelSetTooLong: 3,
  /** Storage size 0 (upstream `ErrExemplarsDisabled`). */
  Disabled: 4,
} as const;
export type ExemplarResult = (typeof ExemplarResult)[keyof typeof ExemplarResult];

/** An exemplar as queries return it. */
export interface StoredExemplar {
  labels: Labels;
  value: number;
  /** ms */
  ts: number;
}

/** The exemplars of one series in a queried range, oldest first. */
export interface SeriesExemplars {
  seriesLabels: Labels;
  exemplars: StoredExemplar[];
}

/** A series' list in the ring. */
interface SeriesIndex {
  key: number;
  labels: Labels;
  oldest: number;
  newest: number;
}

const NONE = -1;

function labelSetLength(ls: Labels): number {
  let n = 0;
  for (const s of ls) for (const _ of s) n++;
  return n;
}

function matchesAll(ls: Labels, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) {
    let v = '';
    for (let i = 0; i < ls.length; i += 2) {
      if (ls[i] === m.name) {
        v = ls[i + 1]!;
        break;
      }
    }
    if (!m.matches(v)) return false;
  }
  return true;
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The exemplar ring. Series are identified by a numeric key (the head's series ref). */
export class ExemplarStorage {
  private ts: Float64Array;
  private vals: Float64Array;
  /** 1 where the exemplar came with its own timestamp (OpenMetrics sends it optionally). */
  private hasTs: Uint8Array;
  private next: Int32Array;
  private labels: (Labels | null)[];
  private owner: (SeriesIndex | null)[];
  private nextIndex = 0;
  private stored = 0;
  private readonly index = new Map<number, SeriesIndex>();
  private readonly metrics: {
    appended: Counter;
    inStorage: Gauge;
    series: Gauge;
    lastTs: Gauge;
    max: Gauge;
    outOfOrder: Counter;
  } | null = null;

  /**
   * @param size most exemplars kept (`max_exemplars`); 0 disables the storage.
   * @throws {RangeError} for a negative or non-integer size.
   */
  constructor(size: number, registry?: Registry) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid max exemplars ${size}: must be a non-negative integer`);
    this.ts = new Float64Array(size);
    this.vals = new Float64Array(size);
    this.hasTs = new Uint8Array(size);
    this.next = new Int32Array(size).fill(NONE);
    this.labels = new Array<Labels | null>(size).fill(null);
    this.owner = new Array<SeriesIndex | null>(size).fill(null);
    if (registry) {
      const self = this;
      this.metrics = {
        appended: new Counter({ name: 'prometheus_tsdb_exemplar_exemplars_appended_total', help: 'Total number of appended exemplars.', registers: [registry] }),
        inStorage: new Gauge({
          name: 'prometheus_tsdb_exemplar_exemplars_in_storage',
          help: 'Number of exemplars currently in circular storage.',
          registers: [registry],
          collect() {
            this.set(self.stored);
          },
        }),
        series: new Gauge({
          name: 'prometheus_tsdb_exemplar_series_with_exemplars_in_storage',
          help: 'Number of series with exemplars currently in circular storage.',
          registers: [registry],
          collect() {
            this.set(self.index.size);
          },
        }),
        lastTs: new Gauge({
          name: 'prometheus_tsdb_exemplar_last_exemplars_timestamp_seconds',
          help: 'The timestamp of the oldest exemplar stored in circular storage. Useful to check for what timerange the current exemplar buffer limit allows. This usually means the last timestampfor all exemplars for a typical setup. This is not true though if one of the series timestamp is in future compared to rest series.',
          registers: [registry],
          collect() {
            this.set(self.oldestTs() / 1000);
          },
        }),
        max: new Gauge({
          name: 'prometheus_tsdb_exemplar_max_exemplars',
          help: 'Total number of exemplars the exemplar storage can store, resizeable.',
          registers: [registry],
          collect() {
            this.set(self.capacity);
          },
        }),
        outOfOrder: new Counter({
          name: 'prometheus_tsdb_exemplar_out_of_order_exemplars_total',
          help: 'Total number of out of order exemplar ingestion failed attempts.',
          registers: [registry],
        }),
      };
    }
  }

  /** Most exemplars kept. */
  get capacity(): number {
    return this.ts.length;
  }

  /** Exemplars held. */
  get size(): number {
    return this.stored;
  }

  /** Timestamp (ms) of the oldest exemplar held, 0 when empty (as upstream's gauge). */
  private oldestTs(): number {
    if (this.stored === 0) return 0;
    const slot = this.stored < this.capacity ? 0 : this.nextIndex;
    return this.ts[slot]!;
  }

  /**
   * Checks an exemplar for series `key` without storing it (upstream `ValidateExemplar`).
   * `labels` must be sorted, without empty values; `hasTs` tells whether `t` (ms) came with the
   * exemplar (else it is the scrape's time): as upstream's `Exemplar.Equals`, two exemplars of which
   * neither has its own timestamp are duplicates whatever their times.
   */
  validate(key: number, labels: Labels, value: number, t: number, hasTs = true): ExemplarResult {
    if (this.capacity === 0) return ExemplarResult.Disabled;
    if (labelSetLength(labels) > EXEMPLAR_MAX_LABEL_SET_LENGTH) return ExemplarResult.LabelSetTooLong;
    const idx = this.index.get(key);
    if (idx === undefined) return ExemplarResult.Ok;
    const n = idx.newest;
    const sameTime = (!hasTs && this.hasTs[n] === 0) || this.ts[n] === t;
    if (sameTime && this.vals[n] === value && sameLabels(this.labels[n]!, labels)) return ExemplarResult.Duplicate;
    if (t <= this.ts[n]!) return ExemplarResult.OutOfOrder;
    return ExemplarResult.Ok;
  }

  /**
   * Stores an exemplar for series `key` (whose label set is `seriesLabels`), overwriting the oldest
   * exemplar when full (upstream `AddExemplar`). Returns the validation result (see
   * {@link validate}); only `Ok` stores.
   * Out-of-order exemplars are counted in `prometheus_tsdb_exemplar_out_of_order_exemplars_total`.
   */
  add(key: number, seriesLabels: Labels, labels: Labels, value: number, t: number, hasTs = true): ExemplarResult {
    const r = this.validate(key, labels, value, t, hasTs);
    if (r !== ExemplarResult.Ok) {
      if (r === ExemplarResult.OutOfOrder) this.metrics?.outOfOrder.inc();
      return r;
    }
    const slot = this.nextIndex;
    const prev = this.owner[slot];
    if (prev !== null && prev !== undefined) {
      // The slot holds the globally oldest exemplar, so the oldest of its series.
      prev.oldest = this.next[slot]!;
      if (prev.oldest === NONE) this.index.delete(prev.key);
    } else {
      this.stored++;
    }
    let idx = this.index.get(key);
    if (idx === undefined) {
      idx = { key, labels: seriesLabels, oldest: slot, newest: slot };
      this.index.set(key, idx);
    } else {
      this.next[idx.newest] = slot;
      idx.newest = slot;
    }
    this.ts[slot] = t;
    this.vals[slot] = value;
    this.hasTs[slot] = hasTs ? 1 : 0;
    this.labels[slot] = labels;
    this.owner[slot] = idx;
    this.next[slot] = NONE;
    this.nextIndex = (slot + 1) % this.capacity;
    this.metrics?.appended.inc();
    return ExemplarResult.Ok;
  }

  /**
   * Exemplars in [mint, maxt] (ms, inclusive) of the series matching any matcher set, as upstream
   * `Select`: series sorted by label set, each with its exemplars oldest first; series without
   * exemplars in the range left out.
   */
  select(mint: number, maxt: number, matcherSets: readonly (readonly Matcher[])[]): SeriesExemplars[] {
    const out: SeriesExemplars[] = [];
    for (const idx of this.index.values()) {
      if (!matcherSets.some((ms) => matchesAll(idx.labels, ms))) continue;
      const exemplars: StoredExemplar[] = [];
      for (let s = idx.oldest; s !== NONE; s = this.next[s]!) {
        const t = this.ts[s]!;
        if (t > maxt) break;
        if (t >= mint) exemplars.push({ labels: this.labels[s]!, value: this.vals[s]!, ts: t });
      }
      if (exemplars.length > 0) out.push({ seriesLabels: idx.labels, exemplars });
    }
    return out.sort((a, b) => compare(a.seriesLabels, b.seriesLabels));
  }

  /** Calls `fn(key, labels, value, t)` for every exemplar held, oldest first (WAL checkpoints). */
  forEach(fn: (key: number, labels: Labels, value: number, t: number) => void): void {
    const start = this.stored < this.capacity ? 0 : this.nextIndex;
    for (let k = 0; k < this.stored; k++) {
      const s = (start + k) % this.capacity;
      fn(this.owner[s]!.key, this.labels[s]!, this.vals[s]!, this.ts[s]!);
    }
  }

  /**
   * Changes the capacity to `size`, keeping the newest exemplars that fit (upstream `Resize`, run
   * on a config reload). Returns the number of exemplars migrated.
   * @throws {RangeError} for a negative or non-integer size.
   */
  resize(size: number): number {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid max exemplars ${size}: must be a non-negative integer`);
    if (size === this.capacity) return 0;
    const old = { ts: this.ts, vals: this.vals, hasTs: this.hasTs, labels: this.labels, owner: this.owner, cap: this.capacity, start: this.stored < this.capacity ? 0 : this.nextIndex, n: this.stored };
    this.ts = new Float64Array(size);
    this.vals = new Float64Array(size);
    this.hasTs = new Uint8Array(size);
    this.next = new Int32Array(size).fill(NONE);
    this.labels = new Array<Labels | null>(size).fill(null);
    this.owner = new Array<SeriesIndex | null>(size).fill(null);
    this.nextIndex = 0;
    this.stored = 0;
    this.index.clear();
    if (size === 0) return 0;
    const keep = Math.min(old.n, size);
    let migrated = 0;
    for (let k = old.n - keep; k < old.n; k++) {
      const s = (old.start + k) % old.cap;
      const owner = old.owner[s]!;
      if (this.add(owner.key, owner.labels, old.labels[s]!, old.vals[s]!, old.ts[s]!, old.hasTs[s] === 1) === ExemplarResult.Ok) migrated++;
    }
    return migrated;
  }
}
