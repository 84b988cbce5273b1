/**
 * Binary operators, as upstream `VectorBinop`, `VectorscalarBinop`, `VectorAnd/Or/Unless`.
 *
 * Matching between two vectors is prepared once per query: every series gets the ordinal of its
 * join signature (`on(...)` labels, or all labels but `ignoring(...)` ones and `__name__`), and
 * each output series is a slot keyed by its label set. Each step then pairs the present series
 * by ordinal, checks cardinality as upstream does, and writes into the slots.
 */
import { get as labelOf, key, LabelsBuilder, METRIC_NAME, toGoString, type Labels } from '../../model/labels.js';
import { isComparisonOp, type BinaryExpr, type BinaryOp, type VectorMatching } from '../ast.js';
import { PromQLError } from '../errors.js';
import type { Evaluator } from './evaluator.js';
import { DUPLICATE_LABELSET, METADATA_LABELS, mergeSameLabels } from './merge.js';
import { hasAnyPoint, newStepSeries, type Grid, type StepSeries, type Value, type VectorValue } from './types.js';

/** Go `math.Pow` special cases that differ from JavaScript's `**`. */
function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Arithmetic operators: they change the meaning of a metric, so its name goes. */
function changesMetricSchema(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '^' || op === '%' || op === 'atan2';
}

/** Result of one element operation: value and whether to keep it (comparisons filter). */
const elem = { v: 0, keep: false };

/** Upstream `vectorElemBinop` for floats; returns false for the histogram-only trim operators. */
function elemBinop(op: BinaryOp, l: number, r: number): boolean {
  elem.keep = true;
  switch (op) {
    case '+':
      elem.v = l + r;
      return true;
    case '-':
      elem.v = l - r;
      return true;
    case '*':
      elem.v = l * r;
      return true;
    case '/':
      elem.v = l / r;
      return true;
    case '^':
      elem.v = goPow(l, r);
      return true;
    case '%':
      elem.v = l % r;
      return true;
    case 'atan2':
      elem.v = Math.atan2(l, r);
      return true;
    case '==':
      elem.v = l;
      elem.keep = l === r;
      return true;
    case '!=':
      elem.v = l;
      elem.keep = l !== r;
      return true;
    case '>':
      elem.v = l;
      elem.keep = l > r;
      return true;
    case '<':
      elem.v = l;
      elem.keep = l < r;
      return true;
    case '>=':
      elem.v = l;
      elem.keep = l >= r;
      return true;
    case '<=':
      elem.v = l;
      elem.keep = l <= r;
      return true;
    default:
      elem.keep = false;
      return false;
  }
}

/** Upstream `scalarBinop` (comparisons give 0 or 1). */
function scalarBinop(op: BinaryOp, l: number, r: number): number {
  elemBinop(op, l, r);
  return isComparisonOp(op) ? (elem.keep ? 1 : 0) : elem.v;
}

/**
 * Combines the evaluated operands of a binary expression over the grid (the caller evaluates
 * `lhs` then `rhs`). Operand values may be modified in place.
 * @throws {PromQLError} `execution` for operands that are neither scalars nor instant vectors,
 *   duplicate label sets and many-to-many matching.
 */
export function evalBinary(ev: Evaluator, e: BinaryExpr, lhs: Value, rhs: Value, g: Grid): Value {
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    const a = lhs.vs;
    const b = rhs.vs;
    for (let i = 0; i < g.n; i++) a[i] = scalarBinop(e.op, a[i]!, b[i]!);
    return lhs;
  }
  if (lhs.kind === 'vector' && rhs.kind === 'vector') {
    const m = e.matching!;
    if (e.op === 'and' || e.op === 'or' || e.op === 'unless') return setOperation(ev, e.op, lhs, rhs, m, g);
    return vectorBinop(ev, e, lhs, rhs, m, g);
  }
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') return vectorScalarBinop(ev, e, rhs, lhs.vs, true);
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') return vectorScalarBinop(ev, e, lhs, rhs.vs, false);
  throw new PromQLError('execution', `unexpected ${lhs.kind} and ${rhs.kind} operands for binary operator "${e.op}"`);
}

function trimInfo(ev: Evaluator, e: BinaryExpr): void {
  ev.ctx.annotations.info(`incompatible sample types encountered for binary operator "${e.op}": float ${e.op} float`, e.pos);
}

function vectorScalarBinop(ev: Evaluator, e: BinaryExpr, v: VectorValue, s: Float64Array, swap: boolean): VectorValue {
  const op = e.op;
  const cmp = isComparisonOp(op);
  const out: StepSeries[] = [];
  for (const series of v.series) {
    ev.checkDeadline();
    for (let i = 0; i < series.vs.length; i++) {
      if (!series.has[i]) continue;
      const x = series.vs[i]!;
      const sv = s[i]!;
      if (!(swap ? elemBinop(op, sv, x) : elemBinop(op, x, sv))) {
        trimInfo(ev, e);
        series.has[i] = 0;
        continue;
      }
      let value = cmp && swap ? x : elem.v;
      let keep = elem.keep;
      if (e.returnBool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (keep) series.vs[i] = value;
      else series.has[i] = 0;
    }
    if (changesMetricSchema(op) || e.returnBool) series.dropName = true;
    if (hasAnyPoint(series)) out.push(series);
  }
  return { kind: 'vector', series: out };
}

/** Builds join signatures: series index → signature ordinal (shared by both sides). */
class Signatures {
  private readonly ords = new Map<string, number>();
  private readonly names: string[];

  constructor(private readonly m: VectorMatching) {
    this.names = m.on ? [...m.matchingLabels] : [METRIC_NAME, ...m.matchingLabels];
  }

  get count(): number {
    return this.ords.size;
  }

  ordinal(ls: Labels): number {
    let k = '';
    for (let i = 0; i < ls.length; i += 2) {
      const listed = this.names.includes(ls[i]!);
      if (listed === this.m.on) k += `${ls[i]}\xff${ls[i + 1]}\xff`;
    }
    let o = this.ords.get(k);
    if (o === undefined) {
      o = this.ords.size;
      this.ords.set(k, o);
    }
    return o;
  }
}

/** Upstream `Labels.MatchLabels`: the labels a series is matched on. */
function matchLabels(ls: Labels, m: VectorMatching): Labels {
  const out: string[] = [];
  for (let i = 0; i < ls.length; i += 2) {
    const name = ls[i]!;
    const listed = m.matchingLabels.includes(name);
    if (listed === m.on && (m.on || name !== METRIC_NAME)) out.push(name, ls[i + 1]!);
  }
  return out;
}

function setOperation(
  ev: Evaluator,
  op: 'and' | 'or' | 'unless',
  lhs: VectorValue,
  rhs: VectorValue,
  m: VectorMatching,
  g: Grid,
): VectorValue {
  const sigs = new Signatures(m);
  const lsig = lhs.series.map((s) => sigs.ordinal(s.labels));
  const rsig = rhs.series.map((s) => sigs.ordinal(s.labels));
  const present = new Uint8Array(sigs.count);
  for (let i = 0; i < g.n; i++) {
    ev.checkDeadline();
    present.fill(0);
    const other = op === 'or' ? lhs.series : rhs.series;
    const otherSig = op === 'or' ? lsig : rsig;
    for (let j = 0; j < other.length; j++) if (other[j]!.has[i]) present[otherSig[j]!] = 1;
    if (op === 'or') {
      for (let j = 0; j < rhs.series.length; j++) if (present[rsig[j]!]) rhs.series[j]!.has[i] = 0;
    } else {
      const keepMatched = op === 'and';
      for (let j = 0; j < lhs.series.length; j++) {
        if ((present[lsig[j]!] === 1) !== keepMatched) lhs.series[j]!.has[i] = 0;
      }
    }
  }
  const series = op === 'or' ? [...lhs.series, ...rhs.series] : lhs.series;
  return { kind: 'vector', series: mergeSameLabels(series.filter(hasAnyPoint)) };
}

function vectorBinop(ev: Evaluator, e: BinaryExpr, lhsIn: VectorValue, rhsIn: VectorValue, m: VectorMatching, g: Grid): VectorValue {
  const op = e.op;
  const swapped = m.card === 'one-to-many';
  const lhs = swapped ? rhsIn.series : lhsIn.series;
  const rhs = swapped ? lhsIn.series : rhsIn.series;
  // As upstream, the fill values keep their sides even when one-to-many swaps the operands.
  const fillLeft = m.fillLeft;
  const fillRight = m.fillRight;
  const sigs = new Signatures(m);
  const lsig = lhs.map((s) => sigs.ordinal(s.labels));
  const rsig = rhs.map((s) => sigs.ordinal(s.labels));
  const nSigs = sigs.count;
  const rightAt = new Int32Array(nSigs);
  const matchedOneToOne = new Uint8Array(nSigs);
  const matchedMany: (Set<string> | undefined)[] = new Array(nSigs);
  const slots = new Map<string, StepSeries>();
  const order: StepSeries[] = [];
  const b = new LabelsBuilder();

  /** Output of one (lhs series, rhs series) pair, computed once per query; index -1 = fill value. */
  interface PairOut {
    metric: Labels;
    metricKey: string;
    slot: StepSeries | null;
  }
  const pairs = new Map<number, PairOut>();
  const pairOut = (li: number, ri: number): PairOut => {
    const pk = (li + 1) * (rhs.length + 1) + (ri + 1);
    let p = pairs.get(pk);
    if (p) return p;
    const rLabels = ri >= 0 ? rhs[ri]!.labels : matchLabels(lhs[li]!.labels, m);
    b.reset(li >= 0 ? lhs[li]!.labels : matchLabels(rhs[ri]!.labels, m));
    // Without delayed name removal a `bool` comparison drops the name here too, as upstream.
    if (changesMetricSchema(op) || (e.returnBool && !ev.ctx.delayedNameRemoval)) b.del(...METADATA_LABELS);
    if (m.card === 'one-to-one') {
      if (m.on) b.keep(m.matchingLabels);
      else b.del(...m.matchingLabels);
    }
    for (const ln of m.include) {
      const v = labelOf(rLabels, ln);
      if (v !== '') b.set(ln, v);
      else b.del(ln);
    }
    const metric = b.labels();
    p = { metric, metricKey: key(metric), slot: null };
    pairs.set(pk, p);
    return p;
  };

  let step = 0;
  const doOp = (li: number, lv: number, ri: number, rv: number, ord: number): void => {
    if (!(swapped ? elemBinop(op, rv, lv) : elemBinop(op, lv, rv))) {
      trimInfo(ev, e);
      return;
    }
    let value = elem.v;
    if (e.returnBool) value = elem.keep ? 1 : 0;
    const p = pairOut(li, ri);
    if (m.card === 'one-to-one') {
      if (matchedOneToOne[ord]) {
        throw new PromQLError('execution', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      }
      matchedOneToOne[ord] = 1;
    } else {
      let set = matchedMany[ord];
      if (!set) matchedMany[ord] = set = new Set();
      if (set.has(p.metricKey)) throw new PromQLError('execution', 'multiple matches for labels: grouping labels must ensure unique matches');
      set.add(p.metricKey);
    }
    if (!elem.keep && !e.returnBool) return;
    let slot = p.slot;
    if (!slot) {
      slot = slots.get(p.metricKey) ?? null;
      if (!slot) {
        slot = newStepSeries(p.metric, g.n, e.returnBool && ev.ctx.delayedNameRemoval);
        slots.set(p.metricKey, slot);
        order.push(slot);
      }
      p.slot = slot;
    }
    if (slot.has[step]) throw new PromQLError('execution', DUPLICATE_LABELSET);
    slot.has[step] = 1;
    slot.vs[step] = value;
  };

  for (let i = 0; i < g.n; i++) {
    ev.checkDeadline();
    step = i;
    rightAt.fill(-1);
    matchedOneToOne.fill(0);
    matchedMany.fill(undefined);
    for (let j = 0; j < rhs.length; j++) {
      if (!rhs[j]!.has[i]) continue;
      const ord = rsig[j]!;
      const prev = rightAt[ord]!;
      if (prev >= 0) throw duplicateSeriesError(rhs[j]!.labels, rhs[prev]!.labels, m, swapped ? 'left' : 'right');
      rightAt[ord] = j;
    }
    for (let j = 0; j < lhs.length; j++) {
      const l = lhs[j]!;
      if (!l.has[i]) continue;
      const ord = lsig[j]!;
      const r = rightAt[ord]!;
      if (r >= 0) doOp(j, l.vs[i]!, r, rhs[r]!.vs[i]!, ord);
      else if (fillRight !== null) doOp(j, l.vs[i]!, -1, fillRight, ord);
    }
    if (fillLeft !== null) {
      for (let j = 0; j < rhs.length; j++) {
        const r = rhs[j]!;
        if (!r.has[i]) continue;
        const ord = rsig[j]!;
        const matched = m.card === 'one-to-one' ? matchedOneToOne[ord] === 1 : (matchedMany[ord]?.size ?? 0) > 0;
        if (matched) continue;
        doOp(-1, fillLeft, j, r.vs[i]!, ord);
      }
    }
  }
  return { kind: 'vector', series: order };
}

function duplicateSeriesError(a: Labels, b: Labels, m: VectorMatching, side: 'left' | 'right'): PromQLError {
  let d1 = toGoString(a);
  let d2 = toGoString(b);
  if (d1 > d2) [d1, d2] = [d2, d1];
  return new PromQLError(
    'execution',
    `found duplicate series for the match group ${toGoString(matchLabels(a, m))} on the ${side} hand-side of the operation: [${d1}, ${d2}];many-to-many matching not allowed: matching labels must be unique on one side`,
  );
}
