/**
 * PromQL conformance runner: executes upstream's promqltest `.test` scripts (format described in
 * `shared/conformance/promql/FORMAT.md`) against Lookout's engine over a fresh `Head`.
 *
 * Run: `npx tsx test/conformance/promql.ts [DIR_OR_FILE...]` (default: `../shared/conformance/promql`
 * beside the repository). Prints each file's passed/failed/skipped evals and every failure
 * (expression, expected, actual), then `native histograms: N passed, N failed`, and last
 * `N passed, N failed, N skipped` over float-sample evals; exits 1 if any float eval failed.
 *
 * As upstream's harness, each instant eval is also re-run with `@ <eval time>` added to its
 * selectors at several evaluation times, and as a range query around the eval time. The engine
 * runs with `ALL_FEATURES` (every experimental PromQL feature upstream's harness enables).
 *
 * Classification: an eval is a *native-histogram* eval when one of its selectors matches a series
 * that was loaded (since the last `clear`) with native histogram samples (`{{…}}` values, or the
 * histograms `load_with_nhcb` derives from classic `_bucket` series), or its expected result holds
 * histograms: Lookout stores float samples only, so those are counted apart. Evals over data with sample
 * start timestamps (`@st` lines) are *skipped*: the storage seam has no start timestamps.
 */
import { get as labelOf, compare, key, LabelsBuilder, METRIC_NAME, toString as labelsToString, type Labels } from '../../src/model/labels.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { goUnquote } from '../../src/model/goquote.js';
import { matchesAll } from '../../src/model/matcher.js';
import { compileUnanchored, type Regex } from '../../src/model/regex.js';
import { parseDuration } from '../../src/model/time.js';
import { walk, type Expr } from '../../src/promql/ast.js';
import { Engine } from '../../src/promql/engine.js';
import { PromQLError } from '../../src/promql/errors.js';
import { ALL_FEATURES } from '../../src/promql/features.js';
import { almostEqual } from '../../src/promql/functions/math.js';
import { AT_MODIFIER_UNSAFE_FUNCTIONS } from '../../src/promql/functions/signatures.js';
import { parseNumber } from '../../src/promql/literals.js';
import { parseExpr } from '../../src/promql/parser.js';
import { parseSeriesDesc, SeriesPoint, type SeriesDescription } from '../../src/promql/series-desc.js';
import type { QueryResult, QueryValue } from '../../src/promql/value.js';
import type { Storage } from '../../src/tsdb/types.js';
import { Head } from '../../src/tsdb/head.js';

/** Relative tolerance of value comparisons (upstream `defaultEpsilon`). */
const EPSILON = 1e-6;
/** Engine settings the files assume (FORMAT.md §7). */
const ENGINE = { lookbackDeltaMs: 300_000, maxSamples: 10_000, noStepSubqueryIntervalMs: 60_000, features: ALL_FEATURES };
/** Functions whose presence excludes the instant-vs-range consistency check (upstream regex). */
const QUERY_CONTEXT_FUNCS = /(start|end|range|step)\(\)/;

/** Outcome of one `eval` command. */
export interface EvalOutcome {
  file: string;
  /** 1-based line of the eval command. */
  line: number;
  expr: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Native-histogram eval (counted apart from float evals). */
  nativeHistogram: boolean;
  /** Why it failed or was skipped. */
  message?: string;
}

/** Totals of one file. */
export interface FileReport {
  file: string;
  outcomes: EvalOutcome[];
  /** Problems outside evals (bad commands, rejected samples). */
  notes: string[];
}

interface ExpectLine {
  message?: string;
  regex?: Regex;
}

interface ExpectedSeries {
  labels: Labels;
  desc: SeriesDescription;
  /** 1-based position among the result lines (for ordered checks). */
  pos: number;
}

interface EvalCmd {
  kind: 'eval';
  line: number;
  expr: string;
  instant: boolean;
  /** Instant: evaluation time. Range (and `expect range vector`): start, end, step. */
  at: number;
  start: number;
  end: number;
  step: number;
  fail: boolean;
  failMessage?: string;
  failRegex?: Regex;
  warn: ExpectLine[];
  info: ExpectLine[];
  anyWarn: boolean;
  anyInfo: boolean;
  noWarn: boolean;
  noInfo: boolean;
  ordered: boolean;
  expectScalar: number | null;
  expectedString: string | null;
  expected: Map<string, ExpectedSeries>;
  excludeFromRange: boolean;
  histogramExpected: boolean;
}

interface LoadCmd {
  kind: 'load';
  line: number;
  stepMs: number;
  series: Map<string, SeriesDescription>;
  /** Label sets of series that hold native histograms after this load. */
  histogramSeries: Labels[];
  startTimestamps: boolean;
}

type Command =
  | EvalCmd
  | LoadCmd
  | { kind: 'clear'; line: number }
  | { kind: 'error'; line: number; message: string; isEval: boolean };

const PAT_LOAD = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const PAT_EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const PAT_EVAL_RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const PAT_EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const PAT_EXPECT_RANGE = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/;

/** Trimmed lines with comment lines blanked (a comment ends a command block, as upstream). */
function getLines(input: string): string[] {
  return input.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
}

function parseExpectLine(line: string): { type: string; e: ExpectLine } {
  const m = PAT_EXPECT.exec(line);
  if (!m) throw new Error('invalid expect statement, must match `expect <type> <match_type>: <string>` format');
  const e: ExpectLine = {};
  if (m[2] === 'msg') e.message = m[3]!.trim();
  else if (m[2] === 'regex') e.regex = compileUnanchored(m[3]!.trim());
  return { type: m[1]!, e };
}

function parseLoad(lines: string[], i: number): [number, LoadCmd] {
  const m = PAT_LOAD.exec(lines[i]!);
  if (!m) throw new Error('invalid load command. (load[_with_nhcb] <step:duration>)');
  const cmd: LoadCmd = {
    kind: 'load',
    line: i + 1,
    stepMs: parseDuration(m[2]!),
    series: new Map(),
    histogramSeries: [],
    startTimestamps: false,
  };
  const nhcb = m[1] === 'with_nhcb';
  while (i + 1 < lines.length && lines[i + 1] !== '') {
    i++;
    const def = lines[i]!;
    if (/^[^\s]*@st\s/.test(def)) {
      cmd.startTimestamps = true;
      continue;
    }
    const desc = parseSeriesDesc(def);
    if (desc.kinds.includes(SeriesPoint.Histogram)) cmd.histogramSeries.push(desc.labels);
    const name = labelOf(desc.labels, METRIC_NAME);
    if (nhcb && name.endsWith('_bucket')) {
      const b = new LabelsBuilder(desc.labels).del('le');
      cmd.histogramSeries.push(b.set(METRIC_NAME, name.slice(0, -'_bucket'.length)).labels());
    }
    cmd.series.set(key(desc.labels), desc);
  }
  return [i, cmd];
}

function parseEval(lines: string[], i: number): [number, EvalCmd] {
  const header = lines[i]!;
  const mi = PAT_EVAL_INSTANT.exec(header);
  const mr = mi ? null : PAT_EVAL_RANGE.exec(header);
  if (!mi && !mr) throw new Error("invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] instant [at <offset:duration>] <query>' or 'eval[_fail|_warn] range from <from> to <to> step <step> <query>'");
  const mod = (mi ? mi[1] : mr![1]) ?? '';
  const cmd: EvalCmd = {
    kind: 'eval',
    line: i + 1,
    expr: mi ? mi[3]! : mr![5]!,
    instant: !!mi,
    at: 0,
    start: 0,
    end: 0,
    step: 0,
    fail: mod === 'fail',
    warn: [],
    info: [],
    anyWarn: mod === 'warn',
    anyInfo: mod === 'info',
    noWarn: false,
    noInfo: false,
    ordered: mod === 'ordered',
    expectScalar: null,
    expectedString: null,
    expected: new Map(),
    excludeFromRange: false,
    histogramExpected: false,
  };
  if (mi) {
    cmd.at = parseDuration(mi[2] ?? '0');
  } else {
    cmd.start = parseDuration(mr![2]!);
    cmd.end = parseDuration(mr![3]!);
    cmd.step = parseDuration(mr![4]!);
    if (cmd.end < cmd.start) throw new Error('invalid test definition, end timestamp is before start timestamp');
  }
  let pos = 1;
  while (i + 1 < lines.length && lines[i + 1] !== '') {
    i++;
    const def = lines[i]!;
    if (cmd.fail && def.startsWith('expected_fail_message')) {
      cmd.failMessage = def.slice('expected_fail_message'.length).trim();
      break;
    }
    if (cmd.fail && def.startsWith('expected_fail_regexp')) {
      cmd.failRegex = compileUnanchored(def.slice('expected_fail_regexp'.length).trim());
      break;
    }
    if (def.startsWith('expect range vector')) {
      const m = PAT_EXPECT_RANGE.exec(def);
      if (!m) throw new Error(`invalid range vector definition ${JSON.stringify(def)}`);
      cmd.start = parseDuration(m[1]!);
      cmd.end = parseDuration(m[2]!);
      cmd.step = parseDuration(m[3]!);
      cmd.at = cmd.end;
      cmd.excludeFromRange = true;
      continue;
    }
    if (def.startsWith('expect string')) {
      cmd.expectedString = goUnquote(def.slice('expect string'.length).trim());
      cmd.excludeFromRange = true;
      continue;
    }
    if (def.split(' ')[0] === 'expect') {
      const { type, e } = parseExpectLine(def);
      switch (type) {
        case 'fail':
          cmd.fail = true;
          if (e.message !== undefined) cmd.failMessage = e.message;
          if (e.regex) cmd.failRegex = e.regex;
          break;
        case 'warn':
          cmd.warn.push(e);
          break;
        case 'info':
          cmd.info.push(e);
          break;
        case 'no_warn':
          cmd.noWarn = true;
          break;
        case 'no_info':
          cmd.noInfo = true;
          break;
        case 'ordered':
          cmd.ordered = true;
          break;
      }
      continue;
    }
    const num = parseNumber(def);
    if (num !== null) {
      cmd.expectScalar = num;
      break;
    }
    const desc = parseSeriesDesc(def);
    if (desc.kinds.length > 1 && cmd.instant && !cmd.excludeFromRange) {
      throw new Error('expecting multiple values in instant evaluation not allowed');
    }
    if (desc.kinds.includes(SeriesPoint.Histogram)) cmd.histogramExpected = true;
    cmd.expected.set(key(desc.labels), { labels: desc.labels, desc, pos: pos++ });
  }
  return [i, cmd];
}

/** Parses a test file into commands; a malformed block becomes an `error` command. */
function parseCommands(input: string): Command[] {
  const lines = getLines(input);
  const cmds: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const word = l.split(/[\t ]+/, 1)[0]!.toLowerCase();
    const start = i;
    try {
      if (word === 'clear') cmds.push({ kind: 'clear', line: i + 1 });
      else if (word.startsWith('load')) {
        const [end, cmd] = parseLoad(lines, i);
        i = end;
        cmds.push(cmd);
      } else if (word.startsWith('eval')) {
        const [end, cmd] = parseEval(lines, i);
        i = end;
        cmds.push(cmd);
      } else {
        cmds.push({ kind: 'error', line: i + 1, message: `invalid command ${JSON.stringify(l)}`, isEval: false });
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      cmds.push({ kind: 'error', line: start + 1, message, isEval: word.startsWith('eval') });
      while (i + 1 < lines.length && lines[i + 1] !== '') i++;
    }
  }
  return cmds;
}

/** Thrown inside an eval to report a mismatch. */
class Mismatch extends Error {}

function fmtValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

function fmtExpected(cmd: EvalCmd): string {
  if (cmd.expectedString !== null) return `string ${JSON.stringify(cmd.expectedString)}`;
  if (cmd.expectScalar !== null) return `scalar ${fmtValue(cmd.expectScalar)}`;
  if (cmd.fail) return 'an error';
  if (cmd.expected.size === 0) return '(empty)';
  return [...cmd.expected.values()]
    .map((e) => {
      const vals: string[] = [];
      for (let i = 0; i < e.desc.kinds.length; i++) {
        const k = e.desc.kinds[i]!;
        vals.push(k === SeriesPoint.Omitted ? '_' : k === SeriesPoint.Histogram ? '{{…}}' : fmtValue(e.desc.values[i]!));
      }
      return `${labelsToString(e.labels) || '{}'} ${vals.join(' ')}`;
    })
    .join('; ');
}

function fmtActual(v: QueryValue): string {
  switch (v.type) {
    case 'scalar':
      return `scalar ${fmtValue(v.v)}`;
    case 'string':
      return `string ${JSON.stringify(v.v)}`;
    case 'vector':
      return v.samples.length === 0 ? '(empty)' : v.samples.map((s) => `${labelsToString(s.labels) || '{}'} ${fmtValue(s.v)}`).join('; ');
    case 'matrix':
      return v.series.length === 0
        ? '(empty)'
        : v.series
            .map((s) => `${labelsToString(s.labels) || '{}'} ${Array.from(s.ts, (t, i) => `${fmtValue(s.vs[i]!)}@${t / 1000}s`).join(' ')}`)
            .join('; ');
  }
}

function checkAnnotations(cmd: EvalCmd, res: QueryResult): void {
  const check = (kind: string, expected: ExpectLine[], actual: string[], any: boolean, none: boolean) => {
    if (any && actual.length === 0) throw new Mismatch(`expected ${kind} annotations but got none`);
    if (expected.length > 0) {
      if (actual.length === 0) throw new Mismatch(`expected ${kind} annotations but none were found`);
      const matches = (e: ExpectLine, a: string) => (e.message !== undefined ? e.message === a : e.regex ? e.regex.test(a) : true);
      for (const e of expected) {
        if (!actual.some((a) => matches(e, a))) {
          throw new Mismatch(`expected ${kind} annotation ${e.message ?? e.regex?.source ?? ''} not found; got ${JSON.stringify(actual)}`);
        }
      }
      for (const a of actual) {
        if (!expected.some((e) => matches(e, a))) throw new Mismatch(`unexpected ${kind} annotation ${JSON.stringify(a)}`);
      }
    }
    if (none && actual.length > 0) throw new Mismatch(`unexpected ${kind} annotations: ${JSON.stringify(actual)}`);
  };
  check('warn', cmd.warn, res.warnings, cmd.anyWarn, cmd.noWarn);
  check('info', cmd.info, res.infos, cmd.anyInfo, cmd.noInfo);
}

function checkFailure(cmd: EvalCmd, err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  if (cmd.failMessage !== undefined && cmd.failMessage !== msg) {
    throw new Mismatch(`expected error ${JSON.stringify(cmd.failMessage)}, got ${JSON.stringify(msg)}`);
  }
  if (cmd.failRegex && !cmd.failRegex.test(msg)) {
    throw new Mismatch(`expected error matching ${JSON.stringify(cmd.failRegex.source)}, got ${JSON.stringify(msg)}`);
  }
}

function compareResult(cmd: EvalCmd, v: QueryValue): void {
  const mismatch = (why: string) => new Mismatch(`${why}\n      expected: ${fmtExpected(cmd)}\n      actual:   ${fmtActual(v)}`);
  switch (v.type) {
    case 'matrix': {
      if (cmd.ordered) throw mismatch('expected ordered result, but query returned a matrix');
      if (cmd.expectScalar !== null) throw mismatch('expected scalar result, but got matrix');
      for (let i = 1; i < v.series.length; i++) {
        if (compare(v.series[i - 1]!.labels, v.series[i]!.labels) > 0) throw mismatch('matrix results should always be sorted by labels');
      }
      const seen = new Set<string>();
      for (const s of v.series) {
        const k = key(s.labels);
        const exp = cmd.expected.get(k);
        if (!exp) throw mismatch(`unexpected metric ${labelsToString(s.labels) || '{}'} in result`);
        seen.add(k);
        const ts: number[] = [];
        const vals: number[] = [];
        for (let i = 0; i < exp.desc.kinds.length; i++) {
          const t = cmd.start + i * cmd.step;
          if (t > cmd.end) throw mismatch(`expected ${exp.desc.kinds.length} points, but query time range cannot return this many points`);
          if (exp.desc.kinds[i] === SeriesPoint.Float) {
            ts.push(t);
            vals.push(exp.desc.values[i]!);
          }
        }
        if (exp.desc.kinds.includes(SeriesPoint.Histogram)) throw mismatch('expected histogram points (not supported)');
        if (ts.length !== s.ts.length) throw mismatch(`expected ${ts.length} points for ${labelsToString(s.labels) || '{}'}, got ${s.ts.length}`);
        for (let i = 0; i < ts.length; i++) {
          if (ts[i] !== s.ts[i]) throw mismatch(`point ${i} of ${labelsToString(s.labels) || '{}'} at ${s.ts[i]! / 1000}s, expected at ${ts[i]! / 1000}s`);
          if (!almostEqual(s.vs[i]!, vals[i]!, EPSILON)) throw mismatch(`value at ${ts[i]! / 1000}s of ${labelsToString(s.labels) || '{}'}`);
        }
      }
      for (const k of cmd.expected.keys()) if (!seen.has(k)) throw mismatch(`expected metric ${labelsToString(cmd.expected.get(k)!.labels) || '{}'} not found`);
      return;
    }
    case 'vector': {
      if (cmd.expectScalar !== null) throw mismatch('expected scalar result, but got vector');
      const seen = new Set<string>();
      v.samples.forEach((s, idx) => {
        const k = key(s.labels);
        const exp = cmd.expected.get(k);
        if (!exp) throw mismatch(`unexpected metric ${labelsToString(s.labels) || '{}'} in result`);
        if (cmd.ordered && exp.pos !== idx + 1) throw mismatch(`expected ${labelsToString(s.labels) || '{}'} at position ${exp.pos} but was at ${idx + 1}`);
        if (exp.desc.kinds[0] === SeriesPoint.Histogram) throw mismatch('expected a histogram (not supported)');
        if (!almostEqual(exp.desc.values[0]!, s.v, EPSILON)) throw mismatch(`value of ${labelsToString(s.labels) || '{}'}`);
        seen.add(k);
      });
      for (const k of cmd.expected.keys()) if (!seen.has(k)) throw mismatch(`expected metric ${labelsToString(cmd.expected.get(k)!.labels) || '{}'} not found`);
      return;
    }
    case 'scalar':
      if (cmd.expectScalar === null) throw mismatch('expected vector or matrix result, but got scalar');
      if (!almostEqual(cmd.expectScalar, v.v, EPSILON)) throw mismatch('scalar value');
      return;
    case 'string':
      if (cmd.expectedString !== v.v) throw mismatch('string value');
      return;
  }
}

/** Upstream `atModifierTestCases`: `@ <eval time>` on every selector outside `@` subqueries. */
function atModifierCases(exprText: string, t: number): { expr: Expr; t: number }[] {
  const times = t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, Math.trunc(t / 5), t, 10 * t];
  const expr = parseExpr(exprText);
  let unsafe = false;
  walk(expr, (node, path) => {
    if (path.some((p) => p.type === 'SubqueryExpr' && (p.at !== null || p.atMode !== null))) return;
    switch (node.type) {
      case 'VectorSelector':
      case 'SubqueryExpr':
        if (node.at === null) {
          node.at = t;
          node.atMode = null;
        }
        break;
      case 'MatrixSelector':
        if (node.vs.at === null) {
          node.vs.at = t;
          node.vs.atMode = null;
        }
        break;
      case 'Call':
        if (AT_MODIFIER_UNSAFE_FUNCTIONS.has(node.func.name)) unsafe = true;
        break;
      default:
        break;
    }
  });
  if (unsafe) return [];
  return times.map((et) => ({ expr, t: et }));
}

function runInstant(cmd: EvalCmd, engine: Engine, storage: Storage, q: string | Expr, t: number): void {
  let res: QueryResult;
  try {
    res = engine.instantQuery(storage, q, t);
  } catch (e) {
    if (cmd.fail) return checkFailure(cmd, e);
    throw new Mismatch(`error evaluating query at ${t / 1000}s: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (cmd.fail) throw new Mismatch(`expected error evaluating query at ${t / 1000}s but got none; actual: ${fmtActual(res.value)}`);
  checkAnnotations(cmd, res);
  try {
    compareResult(cmd, res.value);
  } catch (e) {
    if (e instanceof Mismatch && t !== cmd.at) e.message = `(with @ modifiers, at ${t / 1000}s) ${e.message}`;
    throw e;
  }
  if (cmd.excludeFromRange || QUERY_CONTEXT_FUNCS.test(cmd.expr)) return;
  let range: QueryResult;
  try {
    range = engine.rangeQuery(storage, q, t - 60_000, t + 60_000, 60_000);
  } catch (e) {
    throw new Mismatch(`error evaluating query in range mode: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (cmd.ordered || range.value.type !== 'matrix') return;
  const samples = [];
  for (let i = 0; i < range.value.series.length; i++) {
    const s = range.value.series[i]!;
    if (i > 0 && compare(range.value.series[i - 1]!.labels, s.labels) > 0) throw new Mismatch('range-mode matrix not sorted by labels');
    const at = s.ts.indexOf(t);
    if (at >= 0) samples.push({ labels: s.labels, t, v: s.vs[at]! });
  }
  const asInstant: QueryValue =
    res.value.type === 'scalar' ? { type: 'scalar', t, v: samples[0]?.v ?? NaN } : { type: 'vector', samples };
  try {
    compareResult(cmd, asInstant);
  } catch (e) {
    if (e instanceof Mismatch) e.message = `(range mode) ${e.message}`;
    throw e;
  }
}

function runEval(cmd: EvalCmd, engine: Engine, storage: Storage): void {
  if (!cmd.instant) {
    let res: QueryResult;
    try {
      res = engine.rangeQuery(storage, cmd.expr, cmd.start, cmd.end, cmd.step);
    } catch (e) {
      if (cmd.fail) return checkFailure(cmd, e);
      throw new Mismatch(`error evaluating query: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (cmd.fail) throw new Mismatch(`expected error evaluating query but got none; actual: ${fmtActual(res.value)}`);
    checkAnnotations(cmd, res);
    return compareResult(cmd, res.value);
  }
  runInstant(cmd, engine, storage, cmd.expr, cmd.at);
  for (const c of atModifierCases(cmd.expr, cmd.at)) runInstant(cmd, engine, storage, c.expr, c.t);
}

function load(cmd: LoadCmd, storage: Head, notes: string[], file: string): void {
  const app = storage.appender();
  let rejected = 0;
  for (const desc of cmd.series.values()) {
    const ref = app.seriesRef(desc.labels);
    for (let i = 0; i < desc.kinds.length; i++) {
      if (desc.kinds[i] !== SeriesPoint.Float) continue;
      if (app.append(ref, i * cmd.stepMs, desc.values[i]!) !== 0) rejected++;
    }
  }
  app.commit();
  if (rejected > 0) notes.push(`${file}:${cmd.line}: ${rejected} samples rejected by the storage`);
}

/** Whether a selector of `expr` matches one of the native-histogram series. */
function readsHistograms(expr: string, histogramSeries: Labels[]): boolean {
  if (histogramSeries.length === 0) return false;
  let found = false;
  try {
    walk(parseExpr(expr), (node) => {
      if (node.type === 'VectorSelector' && histogramSeries.some((ls) => matchesAll(node.matchers, ls))) found = true;
    });
  } catch {
    return false;
  }
  return found;
}

/** Runs one `.test` file. */
export function runFile(path: string): FileReport {
  const file = basename(path);
  const outcomes: EvalOutcome[] = [];
  const notes: string[] = [];
  const engine = new Engine(ENGINE);
  let storage = new Head();
  let histogramSeries: Labels[] = [];
  let startTimestamps = false;
  for (const cmd of parseCommands(readFileSync(path, 'utf8'))) {
    switch (cmd.kind) {
      case 'error':
        notes.push(`${file}:${cmd.line}: ${cmd.message}`);
        if (cmd.isEval) outcomes.push({ file, line: cmd.line, expr: '', status: 'failed', nativeHistogram: false, message: cmd.message });
        break;
      case 'clear':
        storage = new Head();
        histogramSeries = [];
        startTimestamps = false;
        break;
      case 'load':
        load(cmd, storage, notes, file);
        histogramSeries = histogramSeries.concat(cmd.histogramSeries);
        startTimestamps ||= cmd.startTimestamps;
        break;
      case 'eval': {
        const nativeHistogram = cmd.histogramExpected || readsHistograms(cmd.expr, histogramSeries);
        const base = { file, line: cmd.line, expr: cmd.expr, nativeHistogram };
        if (startTimestamps) {
          outcomes.push({ ...base, status: 'skipped', message: 'data has sample start timestamps (@st), which the storage does not hold' });
          break;
        }
        try {
          runEval(cmd, engine, storage);
          outcomes.push({ ...base, status: 'passed' });
        } catch (e) {
          const msg = e instanceof Mismatch ? e.message : e instanceof PromQLError ? `parse: ${e.message}` : `crash: ${(e as Error).stack ?? e}`;
          outcomes.push({ ...base, status: 'failed', message: msg });
        }
        break;
      }
    }
  }
  return { file, outcomes, notes };
}

/** `.test` files of the given files/directories, sorted by name. */
export function testFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (f.endsWith('.test')) out.push(join(p, f));
    } else out.push(p);
  }
  return out;
}

/** The shared corpus beside the repository: `<repo>/../shared/conformance/promql`. */
export const DEFAULT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'conformance', 'promql');

/** Totals over float evals and native-histogram evals (skipped counts float evals only). */
export function totals(reports: FileReport[]): { passed: number; failed: number; skipped: number; nhPassed: number; nhFailed: number } {
  const t = { passed: 0, failed: 0, skipped: 0, nhPassed: 0, nhFailed: 0 };
  for (const r of reports) {
    for (const o of r.outcomes) {
      if (o.nativeHistogram) {
        if (o.status === 'passed') t.nhPassed++;
        else if (o.status === 'failed') t.nhFailed++;
      } else if (o.status === 'passed') t.passed++;
      else if (o.status === 'failed') t.failed++;
      else t.skipped++;
    }
  }
  return t;
}

function main(): void {
  const args = process.argv.slice(2);
  const reports = testFiles(args.length > 0 ? args : [DEFAULT_DIR]).map(runFile);
  for (const r of reports) {
    const f = r.outcomes.filter((o) => !o.nativeHistogram);
    const count = (s: string) => f.filter((o) => o.status === s).length;
    const nh = r.outcomes.length - f.length;
    console.log(`${r.file}: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped${nh ? ` (+${nh} native-histogram evals)` : ''}`);
    for (const n of r.notes) console.log(`  note: ${n}`);
    for (const o of f) {
      if (o.status !== 'failed') continue;
      console.log(`  FAIL ${o.file}:${o.line}: ${o.expr}\n    ${o.message}`);
    }
  }
  const t = totals(reports);
  console.log(`native histograms: ${t.nhPassed} passed, ${t.nhFailed} failed`);
  console.log(`${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
  process.exitCode = t.failed > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
