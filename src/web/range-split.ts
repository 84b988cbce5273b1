/**
 * One range-function evaluation over a selection on two query workers (see `query-pool.ts`): the
 * query's worker (the owner) plans the selection, another idle worker (the helper) computes the
 * rows of part of its series, and the owner folds every row in series order, so the answer has
 * the bits of the sequential evaluation.
 *
 * - The plan: the selection's series in label order (as `MergeQuerier.select` orders them), each
 *   with its series id in every block read by the workers and its index among the head's series
 *   the main thread sent (those are forwarded to the helper, never selected again). Only the
 *   blocks' postings are read for the plan (and, to merge several sources, their series' labels
 *   and chunk references); the samples are read and decoded per unit, by whoever claims it.
 * - Units of {@link HelpJob.unitSize} consecutive series, claimed from the first on by both
 *   workers; a unit is claimed by compare-and-swap of its state word in a SharedArrayBuffer, so
 *   it is only ever in the hands of a worker actually running it. The helper writes its rows into
 *   shared typed arrays and marks the unit done. The owner folds the units in order as they come:
 *   the next one is its own to compute and fold when free, the helper's when done; while the
 *   helper is still on it, the owner computes a later free unit into rows of its own (at most
 *   {@link OWNER_AHEAD} units ahead), folded when their turn comes. So the helper's rows are
 *   folded while it computes more, not all after it is done.
 * - The helper stops claiming when the query is over, past the deadline, when the pool gives it a
 *   query of its own (the stop word), or when its row buffer is full; it checks the first three
 *   before each series, and leaves a unit it stopped in to the owner (marked failed), so a query
 *   given to a lent worker waits for one series' rows, not a whole unit's. A helper unit not done
 *   {@link STEAL_MS} after the owner starts waiting for it (a helper descheduled, killed or stuck)
 *   is computed by the owner itself; a unit the helper failed on likewise.
 * - Memory: the helper's rows (8 + 1 bytes per series and step, 4 per series) are capped at
 *   {@link ROWS_BUDGET_BYTES} and at three quarters of the units; the helper never claims more
 *   units than fit. The plan holds 4 bytes per series and source; when help is asked for, the
 *   head's samples are copied once into shared memory (16 bytes per sample). Those buffers are
 *   reused by the thread's next split (see {@link Arena}).
 * - Only functions without scalar arguments are split (their kernels add no annotations); the
 *   owner adds the `rate`/`increase` "might not be a counter" infos in series order itself.
 */
import { compare, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { PromQLError } from '../promql/errors.js';
import { rangeFunction, RangeRows, type DeferredSelection, type RangeRowSpec } from '../promql/engine/range-rows.js';
import { withoutStaleMarkers } from '../promql/engine/samples.js';
import { blockPostings, type Block, type BlockQuerier } from '../tsdb/block/block.js';
import type { SeriesEntry } from '../tsdb/block/index_reader.js';
import { mergeSamples } from '../tsdb/merge_querier.js';
import { OwnerRows } from './owner-rows.js';
import type { SeriesSamples } from '../tsdb/types.js';

/** Fewest series a selection needs before its rows are split between two workers. */
export const MIN_SPLIT_SERIES = 64;
/** Units per selection, at most (fewer when units would be smaller than {@link MIN_UNIT}). */
const MAX_UNITS = 64;
/** Fewest series in a unit. */
const MIN_UNIT = 8;
/** Most bytes of rows the helper may hold for one selection. */
const ROWS_BUDGET_BYTES = 16 * 1024 * 1024;
/** How long the owner waits for a helper's unit before computing it itself (ms). */
export const STEAL_MS = 20;
/** Units the owner may compute ahead of the next one to fold, while the helper holds that one. */
const OWNER_AHEAD = 4;

/**
 * Words of {@link HelpJob.control}, an Int32Array: the query is over (set by the owner, or by the
 * pool when the owner's worker is gone), the helper is to stop (set by the pool), then one state
 * word per unit (see {@link UNIT}), then per unit the helper's row slot holding it (written
 * before the unit is marked done).
 */
export const CONTROL = { CLOSED: 0, STOP: 1, STATES: 2 } as const;
/** States of a unit: not claimed, claimed by the owner or the helper, done or failed by the helper. */
export const UNIT = { FREE: 0, OWNER: 1, HELPER: 2, DONE: 3, FAILED: 4 } as const;
const { CLOSED, STOP, STATES } = CONTROL;
const { FREE, OWNER, HELPER, DONE, FAILED } = UNIT;
/** No series id / head index. */
const NONE = 0xffffffff;

const TIMEOUT = 'query timed out in expression evaluation';

/** The head's series of a selection, packed for sharing between threads (buffers may be longer than needed). */
export interface PackedHead {
  /** Number of series. */
  count: number;
  /** Per series i: its samples are [off[i], off[i+1]) (Float64Array over a SharedArrayBuffer). */
  off: SharedArrayBuffer;
  /** Float64Array: all timestamps (ms), then all values, in series order. */
  data: SharedArrayBuffer;
}

/**
 * The big shared buffers of one split (helper rows, packed head), kept by the owner's thread for
 * its next split once no helper can touch them any more: a SharedArrayBuffer posted to other
 * threads lives until each of them has collected its copy, so new buffers per query would pile up
 * between the (rare) collections of an idle main thread.
 */
interface Arena {
  values: SharedArrayBuffer;
  presence: SharedArrayBuffer;
  points: SharedArrayBuffer;
  off: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/** This thread's spare {@link Arena}, or null (none yet, or the last one may still be written by a helper). */
let spare: Arena | null = null;

/** `old` when it holds at least `bytes` (its contents as they are), else a new buffer. */
function reuse(old: SharedArrayBuffer | undefined, bytes: number): SharedArrayBuffer {
  if (old === undefined || old.byteLength < bytes) return new SharedArrayBuffer(Math.max(bytes, 8));
  return old;
}

/**
 * Owner → (pool) → helper: compute rows of a selection's units. Everything is shared memory or
 * plain data; the blocks are opened by the helper itself.
 */
export interface HelpJob {
  /** Int32Array: [closed (set by the owner when done), stop (set by the pool), unit states…]. */
  control: SharedArrayBuffer;
  /** Blocks of the selection in merge order (ULID, directory), and the storage's live ULIDs. */
  blocks: { ulid: string; dir: string }[];
  live: string[];
  /** The querier's range (ms), as the blocks' queriers are opened. */
  qmint: number;
  qmaxt: number;
  /** The range read from the blocks (ms, inclusive). */
  lo: number;
  hi: number;
  /** Uint32Array: per series, its id in each block then its head index (`NONE` when absent). */
  refs: SharedArrayBuffer;
  head: PackedHead;
  spec: RangeRowSpec;
  /** `Date.now()` deadline of the query (ms). */
  deadline: number;
  series: number;
  unitSize: number;
  units: number;
  /** Units the helper's rows hold (the slot of unit u is control word `STATES + units + u`). */
  capacity: number;
  /** Rows of the helper's units: Float64Array values, Uint8Array presence (series × steps), Int32Array points per series. */
  rowValues: SharedArrayBuffer;
  rowPresence: SharedArrayBuffer;
  rowPoints: SharedArrayBuffer;
}

/** The head's series `h` of a {@link PackedHead} (without labels), by index. */
function packedHeadSeries(head: PackedHead): (h: number) => SeriesSamples {
  const off = new Float64Array(head.off);
  const data = new Float64Array(head.data);
  const total = off[head.count]!;
  return (h) => {
    const a = off[h]!;
    const n = off[h + 1]! - a;
    return { labels: [], ts: data.subarray(a, a + n), vs: data.subarray(total + a, total + a + n), count: n };
  };
}

/** Reads the merged samples of a planned series (see {@link SelectionPlan}). */
class SeriesReader {
  private readonly width: number;

  /**
   * @param queriers the blocks' queriers, in merge order (oldest first).
   * @param refs per series, its id in each block then its head index (`NONE` when absent).
   * @param head the head's series by index.
   * @param withLabels false: the blocks' label sets are not read (`labels` of block series is empty).
   */
  constructor(
    private readonly queriers: readonly BlockQuerier[],
    private readonly refs: Uint32Array,
    private readonly head: (h: number) => SeriesSamples,
    private readonly lo: number,
    private readonly hi: number,
    private readonly withLabels: boolean,
  ) {
    this.width = queriers.length + 1;
  }

  /**
   * The samples of series `i` as the merged querier gives them (blocks oldest first, then the
   * head, later ones winning on equal timestamps), or null when none. Valid until the next call:
   * the blocks' queriers reuse their output pages (see `BlockQuerier.rewind`).
   * @throws {CorruptionError} for a damaged block.
   */
  samples(i: number): SeriesSamples | null {
    const w = this.width;
    let out: SeriesSamples | null = null;
    for (let b = 0; b < w - 1; b++) {
      const id = this.refs[i * w + b]!;
      if (id === NONE) continue;
      const q = this.queriers[b]!;
      q.rewind();
      const s = q.samples(id, this.lo, this.hi, this.withLabels);
      if (s !== null) out = out === null ? s : mergeSamples(out, s);
    }
    const h = this.refs[i * w + w - 1]!;
    if (h !== NONE) {
      const s = this.head(h);
      out = out === null ? s : mergeSamples(out, s);
    }
    return out;
  }
}

/** A selection's series in label order, with where each one's samples are. */
interface SelectionPlan {
  /** Number of series (an upper bound of those with samples). */
  series: number;
  /** Label set of series i (read from the block index when the plan did not need it). */
  labelsOf(i: number): Labels;
  /** Per series: its id in each block, then its index in `head` (`NONE` when absent); over a SharedArrayBuffer. */
  refs: Uint32Array<SharedArrayBuffer>;
  /** The head's series, sorted by labels. */
  head: readonly SeriesSamples[];
}

/**
 * Plans the selection of `matchers` over the blocks' samples in [lo, hi] (ms; the blocks' own
 * range already applied) and the head's series `head` (sorted by labels): the union of their
 * label sets, in order. Reads the blocks' postings and series entries, not their chunks; a block
 * series whose chunks all miss [lo, hi] is left out, as the block's select leaves it out. With
 * one block and no head series, only the postings are read: the order is theirs, and label sets
 * are read when asked for.
 * @throws {CorruptionError} for a damaged index.
 */
function planSelection(blocks: readonly Block[], matchers: readonly Matcher[], lo: number, hi: number, head: readonly SeriesSamples[]): SelectionPlan {
  if (blocks.length === 1 && head.length === 0) return postingsPlan(blocks[0]!, matchers, lo, hi);
  const lists: Labels[][] = [];
  const ids: number[][] = [];
  const entry: SeriesEntry = { ids: [], chunks: [] };
  for (const b of blocks) {
    const ls: Labels[] = [];
    const is: number[] = [];
    if (lo <= hi) {
      const ix = b.index;
      for (const id of blockPostings(ix, matchers)) {
        const e = ix.series(id, entry);
        if (!e.chunks.some((c) => c.minT <= hi && c.maxT >= lo)) continue;
        ls.push(ix.labelsOf(e));
        is.push(id);
      }
    }
    lists.push(ls);
    ids.push(is);
  }
  lists.push(head.map((s) => s.labels));
  ids.push(head.map((_, i) => i));
  const width = lists.length;
  const labels: Labels[] = [];
  const refs: number[] = [];
  const pos = new Int32Array(width);
  for (;;) {
    let min: Labels | null = null;
    for (let l = 0; l < width; l++) {
      const c = lists[l]![pos[l]!];
      if (c !== undefined && (min === null || compare(c, min) < 0)) min = c;
    }
    if (min === null) break;
    labels.push(min);
    for (let l = 0; l < width; l++) {
      const c = lists[l]![pos[l]!];
      if (c !== undefined && (c === min || compare(c, min) === 0)) refs.push(ids[l]![pos[l]++]!);
      else refs.push(NONE);
    }
  }
  const shared = new Uint32Array(new SharedArrayBuffer(4 * refs.length));
  shared.set(refs);
  return { series: labels.length, labelsOf: (i) => labels[i]!, refs: shared, head };
}

/** {@link planSelection} of one block's series alone: its postings, label sets read on demand. */
function postingsPlan(block: Block, matchers: readonly Matcher[], lo: number, hi: number): SelectionPlan {
  const ids = lo <= hi ? blockPostings(block.index, matchers) : [];
  // Two words per series: the block's id, and no head series.
  const refs = new Uint32Array(new SharedArrayBuffer(8 * ids.length));
  for (let i = 0; i < ids.length; i++) {
    refs[2 * i] = ids[i]!;
    refs[2 * i + 1] = NONE;
  }
  const entry: SeriesEntry = { ids: [], chunks: [] };
  const ix = block.index;
  return { series: ids.length, labelsOf: (i) => ix.labelsOf(ix.series(ids[i]!, entry)), refs, head: [] };
}

/** The head's series packed into shared buffers (`arena`'s when long enough; value bits copied: NaN payloads survive). */
function packHead(head: readonly SeriesSamples[], arena: Arena | null): PackedHead {
  const offBuffer = reuse(arena?.off, 8 * (head.length + 1));
  const off = new Float64Array(offBuffer);
  let total = 0;
  for (let i = 0; i < head.length; i++) {
    off[i] = total;
    total += head[i]!.count;
  }
  off[head.length] = total;
  const dataBuffer = reuse(arena?.data, 16 * total);
  const data = new Float64Array(dataBuffer);
  for (let i = 0; i < head.length; i++) {
    const s = head[i]!;
    data.set(s.ts.subarray(0, s.count), off[i]!);
    data.set(s.vs.subarray(0, s.count), total + off[i]!);
  }
  return { count: head.length, off: offBuffer, data: dataBuffer };
}

/**
 * A selection as the query's worker got it, deferred (see `DeferredSelection`): `blocks` (opened
 * in this thread; `list` names them for a helper) and the head's series sent by the main thread.
 * The plan is made at once (for the candidate count); rows are computed by {@link ownerRows}.
 * @param select the series as the storage's querier merges them, given the blocks' queriers.
 * @param askHelp see {@link OwnerContext.askHelp}; not called when one of the blocks has deleted intervals.
 * @throws {CorruptionError} for a damaged block index.
 */
export function deferSelection(
  sel: { blocks: readonly Block[]; list: { blocks: { ulid: string; dir: string }[]; live: string[] } | null; head: readonly SeriesSamples[] },
  qmint: number,
  qmaxt: number,
  matchers: readonly Matcher[],
  mint: number,
  maxt: number,
  select: (queriers: BlockQuerier[]) => SeriesSamples[],
  askHelp: ((job: HelpJob) => void) | null,
): DeferredSelection {
  const queriers = sel.blocks.map((b) => b.querier(qmint, qmaxt));
  const lo = Math.max(mint, qmint);
  const hi = Math.min(maxt, qmaxt);
  const plan = planSelection(sel.blocks, matchers, lo, hi, sel.head);
  const blocks = sel.list?.blocks ?? [];
  const live = sel.list?.live ?? [];
  // A block with deleted intervals (given them since the main thread named it) is read alone: a
  // helper opening it anew could see other intervals (see helpWith).
  const ask = sel.blocks.some((b) => b.tombstones.size > 0) ? null : askHelp;
  return {
    candidates: plan.series,
    select: () => select(queriers),
    eachRow: (spec, deadline, each) => ownerRows(plan, { blocks, live, queriers, qmint, qmaxt, lo, hi, askHelp: ask }, spec, deadline, each),
  };
}

/** What the owner needs besides the plan: where its blocks are and how to ask for help. */
interface OwnerContext {
  blocks: { ulid: string; dir: string }[];
  live: string[];
  queriers: readonly BlockQuerier[];
  qmint: number;
  qmaxt: number;
  lo: number;
  hi: number;
  /** Posts a help request to the pool (which hands it to an idle worker, or drops it), or null when there is no other worker. */
  askHelp: ((job: HelpJob) => void) | null;
}

/** Units of a selection of `series` series: unit size and count. */
function unitsOf(series: number): { unitSize: number; units: number } {
  const unitSize = Math.max(MIN_UNIT, Math.ceil(series / MAX_UNITS));
  return { unitSize, units: Math.ceil(series / unitSize) };
}

/**
 * The owner's side of {@link DeferredSelection.eachRow}: computes the plan's rows, with a helper
 * when the selection has at least {@link MIN_SPLIT_SERIES} series and the helper's rows fit the
 * budget, and calls `each` for every row with a point, in series order.
 * @throws {PromQLError} `timeout` past `deadline`; what reading the samples throws.
 */
function ownerRows(
  plan: SelectionPlan,
  cx: OwnerContext,
  spec: RangeRowSpec,
  deadline: number,
  each: (labels: Labels, vs: Float64Array, has: Uint8Array, points: number) => void,
): void {
  const n = spec.ends.length;
  const series = plan.series;
  const { unitSize, units } = unitsOf(series);
  // The helper starts later and the owner also computes: it rarely gets past three quarters of the units.
  const capacity = Math.min(Math.ceil((units * 3) / 4), Math.floor(ROWS_BUDGET_BYTES / (unitSize * (9 * n + 4))));
  const split = cx.askHelp !== null && series >= MIN_SPLIT_SERIES && capacity > 0;
  const checkDeadline = () => {
    if (Date.now() >= deadline) throw new PromQLError('timeout', TIMEOUT);
  };
  const reader = new SeriesReader(cx.queriers, plan.refs, (h) => plan.head[h]!, cx.lo, cx.hi, true);
  const rows = new RangeRows(rangeFunction(spec.func), spec, [], null, noWarnings, checkDeadline);
  /** Computes series i's row into vs/has (zeroed); its points (0: none), its labels in `rowLabels`. */
  let rowLabels: Labels = [];
  const row = (i: number, vs: Float64Array, has: Uint8Array): number => {
    checkDeadline();
    const s = reader.samples(i);
    if (s === null) return 0;
    const r = withoutStaleMarkers(s);
    if (r.count === 0) return 0;
    const points = rows.row(r, vs, has);
    // The merged series' labels are those of its last source (no label reading here).
    if (points > 0) rowLabels = s.labels.length > 0 ? s.labels : plan.labelsOf(i);
    return points;
  };
  const vs = new Float64Array(n);
  const has = new Uint8Array(n);
  const own = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const points = row(i, vs, has);
      if (points === 0) continue;
      each(rowLabels, vs, has, points);
      vs.fill(0);
      has.fill(0);
    }
  };
  if (!split) {
    own(0, series);
    return;
  }
  const controlBuffer = new SharedArrayBuffer(4 * (STATES + 2 * units));
  const control = new Int32Array(controlBuffer);
  const arena = spare;
  spare = null;
  const cells = capacity * unitSize * n;
  const head = packHead(plan.head, arena);
  const job: HelpJob = {
    control: controlBuffer,
    blocks: cx.blocks,
    live: cx.live,
    qmint: cx.qmint,
    qmaxt: cx.qmaxt,
    lo: cx.lo,
    hi: cx.hi,
    refs: plan.refs.buffer,
    head,
    spec,
    deadline,
    series,
    unitSize,
    units,
    capacity,
    rowValues: reuse(arena?.values, cells * 8),
    rowPresence: reuse(arena?.presence, cells),
    rowPoints: reuse(arena?.points, capacity * unitSize * 4),
  };
  cx.askHelp!(job);
  const rowValues = new Float64Array(job.rowValues);
  const rowPresence = new Uint8Array(job.rowPresence);
  const rowPoints = new Int32Array(job.rowPoints);
  const ahead = new OwnerRows(Math.min(OWNER_AHEAD, capacity), unitSize, n, units);
  try {
    let scan = 1;
    for (let next = 0; next < units; ) {
      const from = next * unitSize;
      const to = Math.min(series, from + unitSize);
      if (ahead.holds(next)) {
        ahead.fold(next, to - from, each);
        next++;
        continue;
      }
      const state = Atomics.load(control, STATES + next);
      if (state === DONE) {
        const slot = control[STATES + units + next]!;
        for (let i = from; i < to; i++) {
          const k = slot * unitSize + (i - from);
          const points = rowPoints[k]!;
          if (points === 0) continue;
          each(plan.labelsOf(i), rowValues.subarray(k * n, (k + 1) * n), rowPresence.subarray(k * n, (k + 1) * n), points);
        }
        next++;
        continue;
      }
      if (state === FAILED || (state === FREE && Atomics.compareExchange(control, STATES + next, FREE, OWNER) === FREE)) {
        own(from, to);
        next++;
        continue;
      }
      // Claimed by the helper since it was read: read again.
      if (state === FREE) continue;
      // The helper is on the next unit: compute a later free one meanwhile, or wait for it.
      if (scan <= next) scan = next + 1;
      while (scan < units && Atomics.load(control, STATES + scan) !== FREE) scan++;
      if (ahead.room() && scan < units) {
        // A unit the helper claimed meanwhile is passed over by the next scan.
        if (Atomics.compareExchange(control, STATES + scan, FREE, OWNER) === FREE) {
          const f = scan * unitSize;
          ahead.compute(scan, f, Math.min(series, f + unitSize), row, () => rowLabels);
        }
        continue;
      }
      if (!awaitHelper(control, STATES + next, deadline)) {
        own(from, to);
        next++;
      }
    }
    // Every unit is claimed; unless the owner took over one a helper still holds, no helper
    // writes or reads these buffers any more.
    let held = false;
    for (let u = 0; u < units && !held; u++) held = Atomics.load(control, STATES + u) === HELPER;
    if (!held) spare = { values: job.rowValues, presence: job.rowPresence, points: job.rowPoints, off: head.off, data: head.data };
  } finally {
    Atomics.store(control, CLOSED, 1);
  }
}

/**
 * Waits until the helper's unit (state word `at`) is done: true; false when the owner is to
 * compute it itself (the helper failed on it, or it was not done within {@link STEAL_MS}).
 * @throws {PromQLError} `timeout` past `deadline`.
 */
function awaitHelper(control: Int32Array, at: number, deadline: number): boolean {
  const giveUp = Date.now() + STEAL_MS;
  for (;;) {
    const state = Atomics.load(control, at);
    if (state === DONE) return true;
    if (state !== HELPER) return false;
    const now = Date.now();
    if (now >= deadline) throw new PromQLError('timeout', TIMEOUT);
    if (now >= giveUp) return false;
    Atomics.wait(control, at, HELPER, Math.min(giveUp, deadline) - now);
  }
}

function noWarnings(): void {}

/**
 * Whether the owner has asked to stop (query over) or the pool has (this worker got a query).
 */
function stopped(control: Int32Array, deadline: number): boolean {
  return Atomics.load(control, CLOSED) !== 0 || Atomics.load(control, STOP) !== 0 || Date.now() >= deadline;
}

/**
 * The helper's side: claims units from the last down and writes their rows, until the job is
 * closed or stopped, past its deadline, its row buffer is full, or the owner has reached its
 * units. Never throws: a unit it cannot compute, or was stopped in, is marked failed (the owner
 * computes it). Computes nothing when one of the blocks it opens has deleted intervals (a
 * deletion raced the query: the owner reads every series with one view of the block).
 * @param openBlocks the job's blocks opened here (in order), or null when one is gone.
 * @returns the number of units computed.
 */
export function helpWith(job: HelpJob, openBlocks: (job: HelpJob) => Block[] | null): number {
  const control = new Int32Array(job.control);
  if (stopped(control, job.deadline)) return 0;
  let blocks: Block[] | null;
  try {
    blocks = openBlocks(job);
  } catch {
    blocks = null;
  }
  // The main thread names only blocks without deleted intervals for a split selection; one that
  // has some here was given them since, and the owner may read it without: no help, one view.
  if (blocks === null || blocks.some((b) => b.tombstones.size > 0)) return 0;
  const { spec, unitSize, units, series } = job;
  const n = spec.ends.length;
  const reader = new SeriesReader(
    blocks.map((b) => b.querier(job.qmint, job.qmaxt)),
    new Uint32Array(job.refs),
    packedHeadSeries(job.head),
    job.lo,
    job.hi,
    false,
  );
  const rows = new RangeRows(rangeFunction(spec.func), spec, [], null, noWarnings, () => {
    if (Date.now() >= job.deadline) throw new PromQLError('timeout', TIMEOUT);
  });
  const rowValues = new Float64Array(job.rowValues);
  const rowPresence = new Uint8Array(job.rowPresence);
  const rowPoints = new Int32Array(job.rowPoints);
  let done = 0;
  for (let u = 0, slot = 0; u < units && slot < job.capacity; u++) {
    if (stopped(control, job.deadline)) break;
    if (Atomics.compareExchange(control, STATES + u, FREE, HELPER) !== FREE) continue;
    let state: number = DONE;
    try {
      const from = u * unitSize;
      const to = Math.min(series, from + unitSize);
      for (let i = from; i < to; i++) {
        // Stopped within the unit (its worker got a query, or the query is over): the owner computes it.
        if (i > from && stopped(control, job.deadline)) {
          state = FAILED;
          break;
        }
        const k = slot * unitSize + (i - from);
        // The buffers are reused from earlier splits: every row slot of a unit is written here.
        rowPoints[k] = 0;
        const s = reader.samples(i);
        if (s === null) continue;
        const r = withoutStaleMarkers(s);
        if (r.count === 0) continue;
        const vs = rowValues.subarray(k * n, (k + 1) * n);
        const has = rowPresence.subarray(k * n, (k + 1) * n);
        vs.fill(0);
        has.fill(0);
        rowPoints[k] = rows.row(r, vs, has);
      }
      if (state === DONE) done++;
    } catch {
      state = FAILED;
    }
    // The slot before the state: the owner reads it once it sees the unit done.
    Atomics.store(control, STATES + units + u, slot++);
    Atomics.store(control, STATES + u, state);
    Atomics.notify(control, STATES + u);
    if (state === FAILED) break;
  }
  return done;
}

/** Stops a lent worker's help (the pool calls it before giving the worker a query). */
export function stopHelp(control: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(control), STOP, 1);
}

/** Marks a job's query as over (the pool calls it when the owner's worker is gone). */
export function closeJob(control: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(control), CLOSED, 1);
}

/** Whether a job's query is over or its helper was stopped. */
export function jobEnded(control: SharedArrayBuffer): boolean {
  const c = new Int32Array(control);
  return Atomics.load(c, CLOSED) !== 0 || Atomics.load(c, STOP) !== 0;
}
