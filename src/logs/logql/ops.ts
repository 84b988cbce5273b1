/**
 * Vector aggregations and binary operations of LogQL metric queries, step by step over
 * {@link StepSeries}, with PromQL's semantics (which Loki reuses): `sum/avg/min/max/count/
 * stddev/stdvar/topk/bottomk` by|without; arithmetic, comparison (filtering, or 0/1 with
 * `bool`) and set operators; one-to-one matching on all labels, `on(…)`/`ignoring(…)`, and
 * `group_left`/`group_right` many-to-one matching.
 */
import { compareStrings, EMPTY_LABELS, fromPairs, get as getLabel, key as labelsKey, LabelsBuilder, only, toGoString, without, type Labels } from '../../model/labels.js';
import type { BinaryExpr, BinaryOp, LabelReplace, VectorAggregation, VectorMatching, VectorOp } from './ast.js';
import { compileAnchored, expand, namedGroups } from '../../model/regex.js';
import { LogQLExecError } from './errors.js';
import { groupLabels, type Steps, type StepSeries } from './range-agg.js';

function newSeries(labels: Labels, n: number): { labels: Labels; values: Float64Array; present: Uint8Array } {
  return { labels, values: new Float64Array(n), present: new Uint8Array(n) };
}

/** Evaluates a vector aggregation over `input` at every step (`sort`/`sort_desc` only order results: see `evaluateMetric`). */
export function aggregate(e: VectorAggregation, input: StepSeries[], steps: Steps): StepSeries[] {
  if (e.op === 'sort' || e.op === 'sort_desc') return input;
  const n = steps.count;
  const groups = new Map<string, { labels: Labels; members: StepSeries[] }>();
  for (const s of input) {
    const g = e.grouping ? groupLabels(s.labels, e.grouping) : EMPTY_LABELS;
    const k = labelsKey(g);
    let entry = groups.get(k);
    if (!entry) groups.set(k, (entry = { labels: g, members: [] }));
    entry.members.push(s);
  }
  if (e.op === 'topk' || e.op === 'bottomk') return selectK(e, groups, n);
  const out: StepSeries[] = [];
  const scratch: number[] = [];
  for (const { labels, members } of groups.values()) {
    const r = newSeries(labels, n);
    let any = false;
    for (let i = 0; i < n; i++) {
      scratch.length = 0;
      for (const m of members) if (m.present[i]) scratch.push(m.values[i]!);
      if (scratch.length === 0) continue;
      r.values[i] = combine(e.op as Exclude<VectorOp, 'topk' | 'bottomk' | 'sort' | 'sort_desc'>, scratch);
      r.present[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
  return out;
}

function combine(op: Exclude<VectorOp, 'topk' | 'bottomk' | 'sort' | 'sort_desc'>, v: number[]): number {
  switch (op) {
    case 'sum':
      return v.reduce((a, b) => a + b, 0);
    case 'count':
      return v.length;
    case 'avg': {
      let mean = 0;
      for (let i = 0; i < v.length; i++) mean += (v[i]! - mean) / (i + 1);
      return mean;
    }
    case 'min':
      return v.reduce((a, b) => (b < a || Number.isNaN(a) ? b : a));
    case 'max':
      return v.reduce((a, b) => (b > a || Number.isNaN(a) ? b : a));
    case 'stddev':
    case 'stdvar': {
      let mean = 0;
      let m2 = 0;
      for (let i = 0; i < v.length; i++) {
        const d = v[i]! - mean;
        mean += d / (i + 1);
        m2 += d * (v[i]! - mean);
      }
      return op === 'stdvar' ? m2 / v.length : Math.sqrt(m2 / v.length);
    }
  }
}

function selectK(e: VectorAggregation, groups: Map<string, { labels: Labels; members: StepSeries[] }>, n: number): StepSeries[] {
  const k = e.param ?? 1;
  const top = e.op === 'topk';
  const result = new Map<StepSeries, { labels: Labels; values: Float64Array; present: Uint8Array }>();
  for (const { members } of groups.values()) {
    for (let i = 0; i < n; i++) {
      const live = members.filter((m) => m.present[i]);
      live.sort((a, b) => {
        const x = a.values[i]!;
        const y = b.values[i]!;
        if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
        if (Number.isNaN(y)) return -1;
        return top ? y - x : x - y;
      });
      for (const m of live.slice(0, k)) {
        let r = result.get(m);
        if (!r) result.set(m, (r = newSeries(m.labels, n)));
        r.values[i] = m.values[i]!;
        r.present[i] = 1;
      }
    }
  }
  return [...result.values()];
}

function arith(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return a ** b;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    default:
      return NaN;
  }
}

const COMPARISONS = new Set<BinaryOp>(['==', '!=', '>', '>=', '<', '<=']);

/** Scalar op scalar (constant folding). */
export function scalarBinary(op: BinaryOp, a: number, b: number, returnBool: boolean): number {
  const v = arith(op, a, b);
  if (COMPARISONS.has(op) && !returnBool) return v === 1 ? a : NaN;
  return v;
}

/** Vector op scalar, or scalar op vector when `scalarLeft`. */
export function vectorScalar(e: BinaryExpr, vec: StepSeries[], scalar: number, scalarLeft: boolean, steps: Steps): StepSeries[] {
  const cmp = COMPARISONS.has(e.op);
  const out: StepSeries[] = [];
  for (const s of vec) {
    const r = newSeries(s.labels, steps.count);
    let any = false;
    for (let i = 0; i < steps.count; i++) {
      if (!s.present[i]) continue;
      const x = s.values[i]!;
      const v = scalarLeft ? arith(e.op, scalar, x) : arith(e.op, x, scalar);
      if (cmp && !e.returnBool) {
        if (v !== 1) continue;
        r.values[i] = x;
      } else r.values[i] = v;
      r.present[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
  return out;
}

function signature(ls: Labels, m: VectorMatching | undefined): string {
  if (!m) return labelsKey(ls);
  return labelsKey(m.on ? only(ls, m.labels) : without(ls, m.labels));
}

function resultLabels(lhs: Labels, rhs: Labels, m: VectorMatching | undefined): Labels {
  if (!m) return lhs;
  if (m.card === 'one-to-one') return m.on ? only(lhs, m.labels) : without(lhs, m.labels);
  if (m.include.length === 0) return lhs;
  const pairs = [...lhs];
  for (const name of m.include) {
    const i = rhs.indexOf(name);
    const v = i >= 0 && i % 2 === 0 ? rhs[i + 1]! : '';
    const j = pairs.indexOf(name);
    if (j >= 0 && j % 2 === 0) pairs.splice(j, 2);
    if (v !== '') pairs.push(name, v);
  }
  return fromPairs(pairs);
}

/**
 * Vector op vector.
 * @throws {LogQLExecError} for duplicate series on a "one" side (PromQL's messages).
 */
export function vectorVector(e: BinaryExpr, lhs: StepSeries[], rhs: StepSeries[], steps: Steps): StepSeries[] {
  const m = e.matching;
  if (e.op === 'and' || e.op === 'or' || e.op === 'unless') return setOp(e.op, lhs, rhs, m, steps);
  const swap = m?.card === 'one-to-many';
  const many = swap ? rhs : lhs;
  const one = swap ? lhs : rhs;
  const manySig = many.map((s) => signature(s.labels, m));
  const oneSig = one.map((s) => signature(s.labels, m));
  const cmp = COMPARISONS.has(e.op);
  const out = new Map<string, { labels: Labels; values: Float64Array; present: Uint8Array }>();
  for (let i = 0; i < steps.count; i++) {
    const oneAt = new Map<string, StepSeries>();
    for (let j = 0; j < one.length; j++) {
      if (!one[j]!.present[i]) continue;
      const dup = oneAt.get(oneSig[j]!);
      if (dup) {
        throw new LogQLExecError(
          `found duplicate series for the match group ${toGoString(fromSig(one[j]!.labels, m))} on the ${swap ? 'left' : 'right'} hand-side of the operation: ` +
            `[${toGoString(one[j]!.labels)}, ${toGoString(dup.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      oneAt.set(oneSig[j]!, one[j]!);
    }
    const seenMany = new Set<string>();
    for (let j = 0; j < many.length; j++) {
      const s = many[j]!;
      if (!s.present[i]) continue;
      const o = oneAt.get(manySig[j]!);
      if (!o) continue;
      if ((!m || m.card === 'one-to-one') && seenMany.has(manySig[j]!)) {
        throw new LogQLExecError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      }
      seenMany.add(manySig[j]!);
      const [l, r] = swap ? [o, s] : [s, o];
      const v = arith(e.op, l.values[i]!, r.values[i]!);
      let value = v;
      if (cmp && !e.returnBool) {
        if (v !== 1) continue;
        value = l.values[i]!;
      }
      const labels = resultLabels(s.labels, o.labels, m);
      const k = labelsKey(labels);
      let res = out.get(k);
      if (!res) out.set(k, (res = newSeries(labels, steps.count)));
      res.values[i] = value;
      res.present[i] = 1;
    }
  }
  return [...out.values()];
}

function fromSig(ls: Labels, m: VectorMatching | undefined): Labels {
  if (!m) return ls;
  return m.on ? only(ls, m.labels) : without(ls, m.labels);
}

function setOp(op: 'and' | 'or' | 'unless', lhs: StepSeries[], rhs: StepSeries[], m: VectorMatching | undefined, steps: Steps): StepSeries[] {
  const lSig = lhs.map((s) => signature(s.labels, m));
  const rSig = rhs.map((s) => signature(s.labels, m));
  const out: StepSeries[] = [];
  const keep = (s: StepSeries, pred: (i: number) => boolean) => {
    const r = newSeries(s.labels, steps.count);
    let any = false;
    for (let i = 0; i < steps.count; i++) {
      if (!s.present[i] || !pred(i)) continue;
      r.values[i] = s.values[i]!;
      r.present[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  };
  const sigsAt = (series: StepSeries[], sigs: string[], i: number) => {
    const set = new Set<string>();
    for (let j = 0; j < series.length; j++) if (series[j]!.present[i]) set.add(sigs[j]!);
    return set;
  };
  const rAt: Set<string>[] = [];
  const lAt: Set<string>[] = [];
  for (let i = 0; i < steps.count; i++) {
    rAt.push(sigsAt(rhs, rSig, i));
    lAt.push(sigsAt(lhs, lSig, i));
  }
  if (op === 'and') lhs.forEach((s, j) => keep(s, (i) => rAt[i]!.has(lSig[j]!)));
  else if (op === 'unless') lhs.forEach((s, j) => keep(s, (i) => !rAt[i]!.has(lSig[j]!)));
  else {
    lhs.forEach((s) => keep(s, () => true));
    rhs.forEach((s, j) => keep(s, (i) => !lAt[i]!.has(rSig[j]!)));
    const merged = new Map<string, StepSeries>();
    for (const s of out) {
      const k = labelsKey(s.labels);
      const prev = merged.get(k);
      if (!prev) merged.set(k, s);
      else
        for (let i = 0; i < steps.count; i++) {
          if (s.present[i] && !prev.present[i]) {
            prev.values[i] = s.values[i]!;
            prev.present[i] = 1;
          }
        }
    }
    return [...merged.values()];
  }
  return out;
}

/** Sorts series by their label text (the order of Loki's matrix and vector results). */
export function sortSeries(series: StepSeries[]): StepSeries[] {
  const text = new Map(series.map((s) => [s, toGoString(s.labels)]));
  return series.sort((a, b) => compareStrings(text.get(a)!, text.get(b)!));
}

/**
 * `label_replace` as PromQL: where the anchored `regex` matches the value of `src` (empty when
 * absent), `dst` is set to `replacement` with `$1`/`${name}` expanded (removed when that is empty);
 * other series are unchanged.
 * @throws {LogQLExecError} `vector cannot contain metrics with the same labelset` when two results collide.
 */
export function labelReplace(e: LabelReplace, input: StepSeries[], steps: Steps): StepSeries[] {
  const re = compileAnchored(e.regex);
  const named = namedGroups(e.regex);
  const out = new Map<string, StepSeries>();
  for (const s of input) {
    const groups = re.exec(getLabel(s.labels, e.src));
    let labels = s.labels;
    if (groups) {
      const b = new LabelsBuilder(s.labels);
      b.set(e.dst, expand(e.replacement, groups, named));
      labels = b.labels();
    }
    const k = labelsKey(labels);
    const prev = out.get(k);
    if (prev) {
      for (let i = 0; i < steps.count; i++) if (prev.present[i] && s.present[i]) throw new LogQLExecError('vector cannot contain metrics with the same labelset');
      for (let i = 0; i < steps.count; i++) {
        if (s.present[i]) {
          prev.values[i] = s.values[i]!;
          prev.present[i] = 1;
        }
      }
      continue;
    }
    out.set(k, { labels, values: s.values, present: s.present });
  }
  return [...out.values()];
}
