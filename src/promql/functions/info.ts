/**
 * `info(v [, {data-label selectors}])` (experimental), as upstream `promql/info.go`: adds the data
 * labels of info metrics (`target_info` by default, or those selected by `__name__` matchers) to
 * each series of `v` that shares their identifying labels `instance` and `job`.
 */
import { get as labelOf, key, LabelsBuilder, METRIC_NAME, toGoString, type Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { quoteMeta } from '../../model/regex.js';
import { walk, type Call, type Expr, type VectorSelector } from '../ast.js';
import { PromQLError } from '../errors.js';
import type { Evaluator } from '../engine/evaluator.js';
import { DUPLICATE_LABELSET } from '../engine/merge.js';
import { newStepSeries, type Grid, type StepSeries, type VectorValue } from '../engine/types.js';

const TARGET_INFO = 'target_info';
const IDENTIFYING_LABELS = ['instance', 'job'];

/** Upstream `effectiveInfoNameMatchers`: which metrics count as info metrics. */
function effectiveNameMatchers(ms: Matcher[]): Matcher[] {
  if (ms.some((m) => m.type === '=' || m.type === '=~')) return ms;
  if (ms.length > 0) return [new Matcher('=~', METRIC_NAME, '.+_info'), ...ms];
  return [new Matcher('=', METRIC_NAME, TARGET_INFO)];
}

/** `@` and offset of the first selector of `e`, including enclosing subqueries (upstream `infoSelectTimestampAndOffset`). */
function timestampAndOffset(ev: Evaluator, e: Expr): { at: number | null; offset: number } {
  let result: { at: number | null; offset: number } | null = null;
  walk(e, (node, path) => {
    if (result || node.type !== 'VectorSelector') return;
    let at = ev.atOf(node);
    let offset = ev.offsetOf(node);
    for (let i = path.length - 1; at === null && i >= 0; i--) {
      const p = path[i]!;
      if (p.type === 'SubqueryExpr') {
        offset += ev.offsetOf(p);
        at = ev.atOf(p);
      }
    }
    result = { at, offset };
  });
  return result ?? { at: null, offset: 0 };
}

/** Evaluates `info(...)` over the grid. */
export function evalInfo(ev: Evaluator, call: Call, g: Grid): VectorValue {
  const base = ev.evalVector(call.args[0]!, g);
  const dataMatchers = new Map<string, Matcher[]>();
  let nameMatchers: Matcher[] = [];
  if (call.args.length > 1) {
    for (const m of (call.args[1] as VectorSelector).matchers) {
      const list = dataMatchers.get(m.name) ?? [];
      list.push(m);
      dataMatchers.set(m.name, list);
      if (m.name === METRIC_NAME) nameMatchers.push(m);
    }
  } else {
    nameMatchers = [new Matcher('=', METRIC_NAME, TARGET_INFO)];
  }
  const effective = effectiveNameMatchers(nameMatchers);
  const ignored = base.series.map((s) => {
    const name = labelOf(s.labels, METRIC_NAME);
    return effective.every((m) => m.matches(name));
  });

  const idValues = new Map<string, Set<string>>();
  base.series.forEach((s, i) => {
    if (ignored[i]) return;
    for (const l of IDENTIFYING_LABELS) {
      const v = labelOf(s.labels, l);
      if (v === '') continue;
      let set = idValues.get(l);
      if (!set) idValues.set(l, (set = new Set()));
      set.add(v);
    }
  });
  const dataNames = new Set([...dataMatchers.keys()].filter((n) => n !== METRIC_NAME));
  const dataOnly = [...dataMatchers.values()].flat().filter((m) => m.name !== METRIC_NAME);

  let infoSeries: StepSeries[] = [];
  if (idValues.size > 0) {
    const matchers: Matcher[] = [];
    for (const [name, vals] of idValues) matchers.push(new Matcher('=~', name, [...vals].map(quoteMeta).join('|')));
    matchers.push(...dataOnly, ...effectiveNameMatchers(nameMatchers));
    const { at, offset } = timestampAndOffset(ev, call.args[0]!);
    const sel: VectorSelector = {
      type: 'VectorSelector',
      name: '',
      matchers,
      offset,
      offsetExpr: null,
      at,
      atMode: null,
      anchored: false,
      smoothed: false,
      bypassEmptyMatcherCheck: true,
      pos: call.pos,
    };
    infoSeries = ev.evalVectorSelector(sel, g, true).series;
  }

  const idSig = (name: string, ls: Labels) => {
    let k = `${name}\xff`;
    for (const l of IDENTIFYING_LABELS) k += `${labelOf(ls, l)}\xff`;
    return k;
  };
  const infoNames = [...new Set(infoSeries.map((s) => labelOf(s.labels, METRIC_NAME)))];
  const infoSig = infoSeries.map((s) => idSig(labelOf(s.labels, METRIC_NAME), s.labels));
  const baseSigs = base.series.map((s) => infoNames.map((n) => idSig(n, s.labels)));
  const allDataMatchEmpty = dataOnly.every((m) => m.matches(''));

  const slots = new Map<string, StepSeries>();
  const order: StepSeries[] = [];
  const b = new LabelsBuilder();
  const extra = new LabelsBuilder();
  for (let i = 0; i < g.n; i++) {
    const bySig = new Map<string, StepSeries>();
    infoSeries.forEach((s, j) => {
      if (!s.has[i]) return;
      const sig = infoSig[j]!;
      const existing = bySig.get(sig);
      if (!existing || existing.vs[i]! < s.vs[i]!) bySig.set(sig, s);
      else if (existing.vs[i] === s.vs[i]) {
        throw new PromQLError(
          'execution',
          `found duplicate series for info metric: existing ${toGoString(existing.labels)} @ ${Math.round(existing.vs[i]! * 1000)}, new ${toGoString(s.labels)} @ ${Math.round(s.vs[i]! * 1000)}`,
        );
      }
    });
    base.series.forEach((s, bi) => {
      if (!s.has[i]) return;
      let labels = s.labels;
      if (!ignored[bi]) {
        extra.reset([]);
        let seen = 0;
        infoNames.forEach((_, ni) => {
          const info = bySig.get(baseSigs[bi]![ni]!);
          if (!info) return;
          for (let k = 0; k < info.labels.length; k += 2) {
            const name = info.labels[k]!;
            const value = info.labels[k + 1]!;
            if (name === METRIC_NAME) continue;
            if (dataNames.size > 0 && !dataNames.has(name)) continue;
            const cur = extra.get(name);
            if (cur !== '' && cur !== value) throw new PromQLError('execution', `conflicting label: ${name}`);
            if (labelOf(s.labels, name) !== '') continue;
            extra.set(name, value);
          }
          seen++;
        });
        if (seen === 0 && !allDataMatchEmpty) return;
        b.reset(s.labels);
        extra.forEach((n, v) => b.set(n, v));
        labels = b.labels();
      }
      const k = key(labels);
      let slot = slots.get(k);
      if (!slot) {
        slot = newStepSeries(labels, g.n, s.dropName);
        slots.set(k, slot);
        order.push(slot);
      }
      if (slot.has[i]) throw new PromQLError('execution', DUPLICATE_LABELSET);
      slot.has[i] = 1;
      slot.vs[i] = s.vs[i]!;
    });
  }
  return { kind: 'vector', series: order };
}
