/**
 * Range aggregations of LogQL (`count_over_time`, `rate`, `bytes_rate`, `sum_over_time … | unwrap`
 * …) over a {@link LogReader}, evaluated at every step of a range query at once: each selected
 * stream is read forward once, each entry runs the compiled pipeline and becomes a sample of its
 * series (labels after the pipeline, the unwrapped label removed), and each step `t` aggregates
 * the samples with time in `(t − offset − range, t − offset]` as Loki. Samples are kept in
 * per-series number arrays, not objects.
 */
import { compareStrings, get as getLabel, key as labelsKey, only, toGoString, without, type Labels } from '../../model/labels.js';
import { parseGoFloat } from '../../model/gofloat.js';
import type { LogReader } from '../types.js';
import type { Grouping, RangeAggregation } from './ast.js';
import { LogQLExecError } from './errors.js';
import { compileLabelFilter, compilePipeline, EntryState, ERROR_LABEL, requiredLabels } from './pipeline.js';
import type { QueryStats } from './stats.js';
import { parseBytes, parseGoDurationSeconds } from './units.js';

/** Evaluation steps: `count` timestamps `startMs + i·stepMs` (integer ms). */
export interface Steps {
  readonly startMs: number;
  readonly stepMs: number;
  readonly count: number;
}

/** A series over the steps: `values[i]` is meaningful where `present[i]` is 1. */
export interface StepSeries {
  readonly labels: Labels;
  readonly values: Float64Array;
  readonly present: Uint8Array;
}

/** A series' samples: times and values in arrays, or (additive ops) sums per step directly. */
interface SampleBuffer {
  labels: Labels;
  ms: number[];
  nanos: number[];
  vals: number[];
  sorted: boolean;
  acc: Float64Array | null;
  present: Uint8Array | null;
}

/** Loki's `PipelineError` text for a series that kept `__error__`. */
export function pipelineError(labels: Labels): LogQLExecError {
  const err = getLabel(labels, ERROR_LABEL);
  return new LogQLExecError(
    `pipeline error: '${err}' for series: '${toGoString(labels)}'.\n` +
      `Use a label filter to intentionally skip this error. (e.g | __error__!="${err}").\n` +
      `To skip all potential errors you can match empty errors.(e.g __error__="")\n` +
      `The label filter can also be specified after unwrap. (e.g | unwrap latency | __error__="" )\n`,
  );
}

/** Labels kept by a grouping (`by` keeps the names, `without` removes them). */
export function groupLabels(ls: Labels, g: Grouping): Labels {
  return g.without ? without(ls, g.labels) : only(ls, g.labels);
}

/**
 * Most series one range aggregation may build before grouping, bounding memory (each holds its
 * samples or one value per step). Loki evaluates step by step and has no such limit.
 */
export const MAX_RANGE_SERIES = 50_000;

/** Loki's series-limit message. */
export function seriesLimitError(limit: number): LogQLExecError {
  return new LogQLExecError(`maximum of series (${limit}) reached for a single query`);
}

/** Range aggregations whose value over a window is a sum of per-entry values (counts, bytes). */
const ADDITIVE = new Set(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate']);
/** Largest range/step ratio for which additive aggregations add each entry straight into its steps. */
const MAX_DIRECT_STEPS = 32;

/**
 * Evaluates a range aggregation at every step. `pushdown` is the grouping of an enclosing `sum`
 * that Loki pushes into count/rate/bytes range aggregations without their own grouping (only the
 * grouped labels are kept per sample, so `__error__` only fails the query when grouped by).
 * @throws {LogQLExecError} for a sample series carrying `__error__` (Loki's pipeline error), or
 *   more than {@link MAX_RANGE_SERIES} series.
 * @throws {LogQLParseError} when a pipeline stage does not compile.
 */
export function evaluateRange(reader: LogReader, e: RangeAggregation, steps: Steps, stats: QueryStats, pushdown?: Grouping): StepSeries[] {
  const pipeline = compilePipeline(e.selector.stages);
  const post = e.unwrap?.postFilters.map(compileLabelFilter) ?? [];
  const unwrap = e.unwrap;
  const convert = unwrap ? converter(unwrap.conversion) : null;
  const needBytes = e.op === 'bytes_over_time' || e.op === 'bytes_rate';
  const grouping = e.grouping ?? pushdown;
  const byNames = grouping && !grouping.without ? [...grouping.labels].sort(compareStrings) : null;
  const direct = !unwrap && ADDITIVE.has(e.op) && e.rangeMs <= MAX_DIRECT_STEPS * steps.stepMs;
  const startT = steps.startMs - e.offsetMs;
  const lastT = startT + (steps.count - 1) * steps.stepMs;
  const streams = reader.select(e.selector.matchers, { ms: startT - e.rangeMs, nanos: 0 }, { ms: lastT, nanos: 1 }, 'forward');
  const buffers = new Map<string, SampleBuffer>();
  const state = new EntryState();
  if (byNames) state.only = requiredLabels(e.selector.stages, byNames, unwrap);
  const newBuffer = (series: Labels): SampleBuffer => {
    if (getLabel(series, ERROR_LABEL) !== '') throw pipelineError(series);
    if (buffers.size >= MAX_RANGE_SERIES) throw seriesLimitError(MAX_RANGE_SERIES);
    return { labels: series, ms: [], nanos: [], vals: [], sorted: true, acc: direct ? new Float64Array(steps.count) : null, present: direct ? new Uint8Array(steps.count) : null };
  };
  for (const st of streams) {
    const c = st.entries;
    let lastLabels: Labels | null = null;
    let lastBuf: SampleBuffer | null = null;
    while (c.next()) {
      const line = c.line;
      const bytes = Buffer.byteLength(line);
      stats.read(bytes);
      state.reset(st.labels, c.metadata, line, c.ms, c.nanos);
      if (!pipeline.process(state)) continue;
      let value = needBytes ? bytes : 1;
      if (unwrap) {
        const raw = state.get(unwrap.label);
        const v = convert!(raw);
        if (v === undefined) {
          state.setErr('SampleExtractionErr', `strconv.ParseFloat: parsing ${JSON.stringify(raw)}: invalid syntax`);
          value = 0;
        } else value = v;
        state.del(unwrap.label);
        let keep = true;
        for (const f of post) if (!f(state)) keep = false;
        if (!keep) continue;
      }
      let buf: SampleBuffer;
      if (byNames) {
        let k = '';
        for (const n of byNames) k += `${state.get(n)}\xff`;
        let b = buffers.get(k);
        if (!b) {
          const pairs: string[] = [];
          for (const n of byNames) if (state.get(n) !== '') pairs.push(n, state.get(n));
          buffers.set(k, (b = newBuffer(pairs)));
        }
        buf = b;
      } else {
        const labels = state.labels();
        if (labels === lastLabels && lastBuf) buf = lastBuf;
        else {
          const series = grouping ? groupLabels(labels, grouping) : labels;
          const k = labelsKey(series);
          let b = buffers.get(k);
          if (!b) buffers.set(k, (b = newBuffer(series)));
          buf = b;
          lastLabels = labels;
          lastBuf = b;
        }
      }
      if (buf.acc) addDirect(buf, c.ms, c.nanos, value, startT, steps, e.rangeMs);
      else {
        const n = buf.ms.length;
        if (n > 0 && (buf.ms[n - 1]! > c.ms || (buf.ms[n - 1] === c.ms && buf.nanos[n - 1]! > c.nanos))) buf.sorted = false;
        buf.ms.push(c.ms);
        buf.nanos.push(c.nanos);
        buf.vals.push(value);
      }
    }
  }
  const out: StepSeries[] = [];
  const rangeSec = e.rangeMs / 1000;
  for (const b of buffers.values()) {
    if (b.acc) {
      if (e.op === 'rate' || e.op === 'bytes_rate') for (let i = 0; i < b.acc.length; i++) b.acc[i] = b.acc[i]! / rangeSec;
      if (b.present!.includes(1)) out.push({ labels: b.labels, values: b.acc, present: b.present! });
      continue;
    }
    if (!b.sorted) sortBuffer(b);
    const s = aggregateSteps(b, e, steps);
    if (s) out.push(s);
  }
  return out;
}

/**
 * Adds a sample at (ms, nanos) to every step whose window `(t − range, t]` holds it: the steps
 * `t` with `ms + (nanos > 0) ≤ t ≤ ms + range − (nanos = 0)`.
 */
function addDirect(b: SampleBuffer, ms: number, nanos: number, value: number, startT: number, steps: Steps, rangeMs: number): void {
  const lowT = nanos > 0 ? ms + 1 : ms;
  const highT = nanos > 0 ? ms + rangeMs : ms + rangeMs - 1;
  let i = Math.max(0, Math.ceil((lowT - startT) / steps.stepMs));
  const last = Math.min(steps.count - 1, Math.floor((highT - startT) / steps.stepMs));
  const acc = b.acc!;
  const present = b.present!;
  for (; i <= last; i++) {
    acc[i] = acc[i]! + value;
    present[i] = 1;
  }
}

function converter(conv: string): (s: string) => number | undefined {
  if (conv === 'duration' || conv === 'duration_seconds') return parseGoDurationSeconds;
  if (conv === 'bytes') return parseBytes;
  return (s) => parseGoFloat(s.trim());
}

function sortBuffer(b: SampleBuffer): void {
  const idx = b.ms.map((_, i) => i);
  idx.sort((x, y) => b.ms[x]! - b.ms[y]! || b.nanos[x]! - b.nanos[y]!);
  b.ms = idx.map((i) => b.ms[i]!);
  b.nanos = idx.map((i) => b.nanos[i]!);
  b.vals = idx.map((i) => b.vals[i]!);
}

/** Whether sample `i` is at or before integer ms `t`. */
function atOrBefore(b: SampleBuffer, i: number, t: number): boolean {
  const ms = b.ms[i]!;
  return ms < t || (ms === t && b.nanos[i] === 0);
}

function aggregateSteps(b: SampleBuffer, e: RangeAggregation, steps: Steps): StepSeries | null {
  const values = new Float64Array(steps.count);
  const present = new Uint8Array(steps.count);
  const rangeSec = e.rangeMs / 1000;
  const n = b.ms.length;
  let lo = 0;
  let hi = 0;
  let any = false;
  const scratch: number[] = [];
  for (let i = 0; i < steps.count; i++) {
    const t = steps.startMs + i * steps.stepMs - e.offsetMs;
    while (hi < n && atOrBefore(b, hi, t)) hi++;
    while (lo < hi && atOrBefore(b, lo, t - e.rangeMs)) lo++;
    if (hi === lo) continue;
    values[i] = windowValue(e, b.vals, lo, hi, rangeSec, scratch);
    present[i] = 1;
    any = true;
  }
  return any ? { labels: b.labels, values, present } : null;
}

function windowValue(e: RangeAggregation, v: number[], lo: number, hi: number, rangeSec: number, scratch: number[]): number {
  const count = hi - lo;
  switch (e.op) {
    case 'count_over_time':
      return count;
    case 'rate':
      return (e.unwrap ? sum(v, lo, hi) : count) / rangeSec;
    case 'bytes_over_time':
      return sum(v, lo, hi);
    case 'bytes_rate':
      return sum(v, lo, hi) / rangeSec;
    case 'sum_over_time':
      return sum(v, lo, hi);
    case 'avg_over_time': {
      let mean = 0;
      for (let i = lo; i < hi; i++) mean += (v[i]! - mean) / (i - lo + 1);
      return mean;
    }
    case 'min_over_time': {
      let m = v[lo]!;
      for (let i = lo + 1; i < hi; i++) if (v[i]! < m || Number.isNaN(m)) m = v[i]!;
      return m;
    }
    case 'max_over_time': {
      let m = v[lo]!;
      for (let i = lo + 1; i < hi; i++) if (v[i]! > m || Number.isNaN(m)) m = v[i]!;
      return m;
    }
    case 'stdvar_over_time':
    case 'stddev_over_time': {
      let mean = 0;
      let m2 = 0;
      for (let i = lo; i < hi; i++) {
        const k = i - lo + 1;
        const d = v[i]! - mean;
        mean += d / k;
        m2 += d * (v[i]! - mean);
      }
      const variance = m2 / count;
      return e.op === 'stdvar_over_time' ? variance : Math.sqrt(variance);
    }
    case 'quantile_over_time': {
      scratch.length = 0;
      for (let i = lo; i < hi; i++) scratch.push(v[i]!);
      return quantile(e.param ?? 0, scratch);
    }
    case 'first_over_time':
      return v[lo]!;
    case 'last_over_time':
      return v[hi - 1]!;
    case 'absent_over_time':
      return NaN;
  }
}

function sum(v: number[], lo: number, hi: number): number {
  let s = 0;
  for (let i = lo; i < hi; i++) s += v[i]!;
  return s;
}

/**
 * φ-quantile of `values` (sorted in place) as Prometheus's `quantile`: linear interpolation
 * between closest ranks; φ < 0 gives -Inf, φ > 1 gives +Inf, NaN φ gives NaN.
 */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort((a, b) => a - b);
  const rank = q * (values.length - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(values.length - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}
