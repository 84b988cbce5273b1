/**
 * The engine's function table, as upstream `FunctionCalls`: one row per function name with its
 * implementation. The parser's table of argument and return types is `signatures.ts`; adding a
 * function is one row in each. Three kinds of rows:
 * - `range`: a kernel over one series' window of a range vector (`range.ts`);
 * - `instant`: a function of evaluated instant vectors / scalars / strings (`instant.ts`);
 * - `special`: functions that need the unevaluated arguments (`timestamp` of a selector reads
 *   sample timestamps, `info` selects info series, `absent_over_time` looks across series).
 */
import { unwrapParens, type Call } from '../ast.js';
import type { Evaluator } from '../engine/evaluator.js';
import { absentLabels } from '../engine/evaluator.js';
import { hasAnyPoint, newStepSeries, type Grid, type Value } from '../engine/types.js';
import { evalInfo } from './info.js';
import { INSTANT_FUNCTIONS, type InstantFunction } from './instant.js';
import { RANGE_FUNCTIONS, type RangeFunction } from './range.js';

/** How the engine evaluates one function. */
export type FunctionImpl =
  | { kind: 'range'; fn: RangeFunction }
  | { kind: 'instant'; fn: InstantFunction }
  | { kind: 'special'; fn: (ev: Evaluator, call: Call, g: Grid) => Value };

/** `timestamp(v)`: of a selector, the timestamps of the samples it picked; else the step times. */
function timestamp(ev: Evaluator, call: Call, g: Grid): Value {
  const arg = unwrapParens(call.args[0]!);
  if (arg.type === 'VectorSelector') return ev.evalVectorSelector(arg, g, true);
  return INSTANT_FUNCTIONS.get('timestamp')!([ev.eval(arg, g)], call, g, ev);
}

/** `absent_over_time(r)`: 1 (labelled as `absent()`) at the steps where no series has a sample. */
function absentOverTime(ev: Evaluator, call: Call, g: Grid): Value {
  const present = ev.evalRangeFunction(call, RANGE_FUNCTIONS.get('present_over_time')!, g);
  const arg = unwrapParens(call.args[0]!);
  const r = newStepSeries(arg.type === 'MatrixSelector' ? absentLabels(arg.vs.matchers) : [], g.n, true);
  for (let i = 0; i < g.n; i++) {
    if (!present.series.some((s) => s.has[i] === 1)) {
      r.vs[i] = 1;
      r.has[i] = 1;
    }
  }
  return { kind: 'vector', series: hasAnyPoint(r) ? [r] : [] };
}

const SPECIAL: [string, FunctionImpl][] = [
  ['timestamp', { kind: 'special', fn: timestamp }],
  ['info', { kind: 'special', fn: evalInfo }],
  ['absent_over_time', { kind: 'special', fn: absentOverTime }],
];

/** Every function's implementation by name. */
export const FUNCTION_IMPLS: ReadonlyMap<string, FunctionImpl> = new Map<string, FunctionImpl>([
  ...[...RANGE_FUNCTIONS].map(([n, fn]): [string, FunctionImpl] => [n, { kind: 'range', fn }]),
  ...[...INSTANT_FUNCTIONS].filter(([n]) => n !== 'timestamp').map(([n, fn]): [string, FunctionImpl] => [n, { kind: 'instant', fn }]),
  ...SPECIAL,
]);
