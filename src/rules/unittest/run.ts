/**
 * Runs rule unit tests as `promtool test rules` (Prometheus 3.x `cmd/promtool/unittest.go`):
 * for each test group, a fresh in-memory head is filled lazily with the input series while the
 * rule groups (from `rule_files`, ordered by `group_eval_order`) are evaluated every
 * `evaluation_interval` from the start time up to the largest `eval_time` of the group. Alerts are
 * checked at the evaluation whose interval contains their `eval_time` (firing alerts only);
 * PromQL expressions are evaluated at their `eval_time` after all evaluations. A rule evaluation
 * error ends the group. Failure messages have upstream's text.
 *
 * Engine settings as upstream's lazy loader: lookback 5m, at most 10,000 samples per query,
 * 100 s timeout, subqueries without a step use the evaluation interval; `@` and negative offsets
 * are always on (3.x).
 */
import { compare, fromObject, toGoString, type Labels } from '../../model/labels.js';
import { matchesAll } from '../../model/matcher.js';
import { compileUnanchored, type Regex } from '../../model/regex.js';
import { formatDuration } from '../../model/time.js';
import { goQuote } from '../../model/goquote.js';
import { ConfigError } from '../../config/yaml.js';
import { expandRuleFiles } from '../../config/rules.js';
import { BadPatternError } from '../../config/prometheus/glob.js';
import { Engine, parseExpr, parseSeriesDesc, walk, type Expr } from '../../promql/index.js';
import { formatFloat, GoDuration } from '../../template/index.js';
import { Head } from '../../tsdb/head.js';
import { AlertingRule } from '../alerting.js';
import type { Group } from '../group.js';
import { RuleManager } from '../manager.js';
import {
  alertsEqual,
  alertsJSON,
  alertsString,
  indentLines,
  lineDiff,
  samplesEqual,
  samplesString,
  sortAlerts,
  type LabelsAndAnnotations,
  type ParsedSample,
} from './compare.js';
import { loadUnitTestFile, type TestGroup, type UnitTestFile } from './file.js';
import { LazyLoader } from './loader.js';

/** Options of {@link runUnitTestFile}. */
export interface UnitTestOptions {
  /** `--run`: only test groups whose name matches one of these regular expressions (unanchored). */
  run?: readonly string[];
  /** `--ignore-unknown-fields`: accept unknown fields in the rule files. */
  ignoreUnknownFields?: boolean;
  /** `--diff`: show alert mismatches as a line diff of their JSON. */
  diff?: boolean;
  /** `--debug`: progress and a dump of all data of each test group, written to `log`. */
  debug?: boolean;
  /**
   * Checks that need native histograms (expected `histogram:` samples, or expressions selecting
   * input series given with `{{…}}` values), which Lookout cannot store: `error` (default) fails
   * them, `skip` lists them in {@link TestGroupResult.skipped} instead.
   */
  nativeHistograms?: 'error' | 'skip';
  /** Receives warnings and debug lines (default: none). */
  log?: (line: string) => void;
}

/** Outcome of one test group. */
export interface TestGroupResult {
  /** `name`, or `unnamed#<index>`. */
  name: string;
  /** Failure messages, in upstream's text. */
  errors: string[];
  /** Checks not run (native histograms with `nativeHistograms: 'skip'`), one line each. */
  skipped: string[];
}

/** Outcome of one unit-test file. */
export interface UnitTestFileResult {
  file: string;
  /** A problem that stopped the whole file (unreadable, bad YAML, repeated group name). */
  abort: string | null;
  groups: TestGroupResult[];
  /** Wall-clock start of the run (ms). */
  startedAt: number;
}

/** Whether a file passed: no abort and no group errors. */
export function filePassed(r: UnitTestFileResult): boolean {
  return r.abort === null && r.groups.every((g) => g.errors.length === 0);
}

/** Every failure message of a file, in order (what promtool prints after `FAILED:`). */
export function fileErrors(r: UnitTestFileResult): string[] {
  return r.abort !== null ? [r.abort] : r.groups.flatMap((g) => g.errors);
}

/** The histogram-unsupported message. */
const NO_HISTOGRAMS = 'native histogram samples are not supported by Lookout (it stores float samples only)';

/**
 * Runs every test group of a unit-test file.
 * @throws {RegexSyntaxError} for an invalid `run` pattern (checked before anything runs).
 */
export function runUnitTestFile(file: string, opts: UnitTestOptions = {}): UnitTestFileResult {
  const run: Regex | null = opts.run && opts.run.length > 0 ? compileUnanchored(opts.run.join('|')) : null;
  const result: UnitTestFileResult = { file, abort: null, groups: [], startedAt: Date.now() };
  let input: UnitTestFile;
  let ruleFiles: string[];
  try {
    input = loadUnitTestFile(file);
    ruleFiles = globRuleFiles(input.ruleFiles, opts.log);
  } catch (e) {
    if (!(e instanceof ConfigError) && !(e instanceof BadPatternError)) throw e;
    result.abort = e.message;
    return result;
  }
  const order = new Map<string, number>();
  for (const [i, name] of input.groupEvalOrder.entries()) {
    if (order.has(name)) {
      result.abort = `group name repeated in evaluation order: ${name}`;
      return result;
    }
    order.set(name, i);
  }
  input.tests.forEach((tg, i) => {
    if (run && !run.test(tg.name)) return;
    const name = tg.name !== '' ? tg.name : `unnamed#${i}`;
    const r: TestGroupResult = { name, errors: [], skipped: [] };
    const started = performance.now();
    if (opts.debug) opts.log?.(`DEBUG: Starting test ${name}`);
    runGroup(tg, input, ruleFiles, order, opts, r);
    if (opts.debug) opts.log?.(`DEBUG: Test ${name} finished, took ${GoDuration.fromMs(performance.now() - started).String()}`);
    result.groups.push(r);
  });
  return result;
}

/** Globs `rule_files` patterns; a pattern matching nothing gives a warning, as upstream. */
function globRuleFiles(patterns: readonly string[], log?: (line: string) => void): string[] {
  const out: string[] = [];
  for (const p of patterns) {
    const { files } = expandRuleFiles([p]);
    if (files.length === 0) log?.(`  WARNING: no file match pattern ${p}`);
    out.push(...files);
  }
  return out;
}

/** Largest eval time of the group's alert and PromQL tests (ms offset). */
function maxEvalTime(tg: TestGroup): number {
  let max = 0;
  for (const a of tg.alertRuleTests) max = Math.max(max, a.evalTimeMs);
  for (const p of tg.promqlExprTests) max = Math.max(max, p.evalTimeMs);
  return max;
}

/** Groups in `group_eval_order` order; groups not listed rank first, each keeping file order. */
function orderedGroups(groups: Group[], order: Map<string, number>): Group[] {
  return groups
    .map((g, i) => ({ g, i, rank: order.get(g.name) ?? 0 }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.g);
}

function runGroup(tg: TestGroup, input: UnitTestFile, ruleFiles: string[], order: Map<string, number>, opts: UnitTestOptions, r: TestGroupResult): void {
  const evalInterval = input.evaluationIntervalMs;
  const interval = tg.intervalMs || evalInterval;
  const fuzzy = input.fuzzyCompare;
  const head = new Head();
  const engine = new Engine({ lookbackDeltaMs: 300_000, maxSamples: 10_000, timeoutMs: 100_000, noStepSubqueryIntervalMs: evalInterval });
  let loader: LazyLoader;
  try {
    loader = new LazyLoader(head, tg.inputSeries, tg.startMs, interval);
  } catch (e) {
    r.errors.push((e as Error).message);
    return;
  }
  const manager = new RuleManager({
    engine,
    storage: head,
    notifier: { send: () => undefined },
    externalLabels: tg.externalLabels,
    externalURL: tg.externalURL,
    ruleFileOptions: { ignoreUnknownFields: opts.ignoreUnknownFields ?? false },
  });
  try {
    manager.update(interval, ruleFiles);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    r.errors.push(e.message);
    return;
  }
  const groups = orderedGroups(manager.groupList(), order);
  for (const g of groups) for (const rule of g.rules) if (rule instanceof AlertingRule) rule.restored = true;

  for (const a of tg.alertRuleTests) {
    if (a.alertname === '') {
      const where = tg.name !== '' ? ` (in TestGroup ${tg.name})` : '';
      r.errors.push(`an item under alert_rule_test misses required attribute alertname at eval_time ${formatDuration(a.evalTimeMs)}${where}`);
      return;
    }
  }
  const alertEvalTimes = [...new Set(tg.alertRuleTests.map((a) => a.evalTimeMs))].sort((a, b) => a - b);
  const mint = tg.startMs;
  const maxt = mint + maxEvalTime(tg);
  const testName = tg.name !== '' ? `    name: ${tg.name},\n` : '';
  let curr = 0;

  for (let ts = mint; ts <= maxt; ts += evalInterval) {
    for (const msg of loader.appendTill(ts)) r.errors.push(msg);
    const evalErrors: string[] = [];
    for (const g of groups) {
      g.eval(ts);
      for (const rule of g.rules) {
        if (rule.status.health === 'err') {
          evalErrors.push(`    rule: ${rule.name}, time: ${GoDuration.fromMs(ts).String()}, err: ${rule.status.lastError}`);
        }
      }
    }
    r.errors.push(...evalErrors);
    if (evalErrors.length > 0) return;

    while (curr < alertEvalTimes.length && ts - mint <= alertEvalTimes[curr]! && alertEvalTimes[curr]! < ts + evalInterval - mint) {
      const t = alertEvalTimes[curr]!;
      const cases = tg.alertRuleTests.filter((a) => a.evalTimeMs === t);
      const wanted = new Set(cases.map((c) => c.alertname));
      const got = new Map<string, LabelsAndAnnotations[]>();
      for (const g of groups) {
        for (const rule of g.rules) {
          if (!(rule instanceof AlertingRule) || !wanted.has(rule.name)) continue;
          const list = got.get(rule.name) ?? [];
          for (const a of rule.activeAlerts()) {
            if (a.state === 'firing') list.push({ labels: a.labels, annotations: fromObject(a.annotations) });
          }
          got.set(rule.name, list);
        }
      }
      for (const c of cases) {
        const gotAlerts = sortAlerts([...(got.get(c.alertname) ?? [])]);
        const expAlerts = sortAlerts(
          c.expAlerts.map((e) => ({ labels: fromObject({ ...e.labels, alertname: c.alertname }), annotations: fromObject(e.annotations) })),
        );
        if (alertsEqual(expAlerts, gotAlerts)) continue;
        const prefix = `${testName}    alertname: ${c.alertname}, time: ${formatDuration(c.evalTimeMs)}, \n`;
        if (opts.diff) {
          r.errors.push(`${prefix}        diff: ${indentLines(lineDiff(alertsJSON(expAlerts), alertsJSON(gotAlerts)), '            ')}`);
        } else {
          const exp = indentLines(alertsString(expAlerts), '            ');
          const gotText = indentLines(alertsString(gotAlerts), '            ');
          r.errors.push(`${prefix}        exp:${exp}, \n        got:${gotText}`);
        }
      }
      curr++;
    }
  }

  for (const tc of tg.promqlExprTests) checkExpr(tc, tg, loader, engine, head, mint, fuzzy, opts, r);
  if (opts.debug) debugDump(engine, head, mint, maxEvalTime(tg), opts.log);
}

/** Whether `expr` selects one of the input series given as native histograms. */
function selectsHistograms(expr: Expr, histogramSeries: readonly Labels[]): boolean {
  if (histogramSeries.length === 0) return false;
  let found = false;
  walk(expr, (n) => {
    if (n.type === 'VectorSelector' && histogramSeries.some((ls) => matchesAll(n.matchers, ls))) found = true;
  });
  return found;
}

function checkExpr(
  tc: TestGroup['promqlExprTests'][number],
  tg: TestGroup,
  loader: LazyLoader,
  engine: Engine,
  head: Head,
  mint: number,
  fuzzy: boolean,
  opts: UnitTestOptions,
  r: TestGroupResult,
): void {
  const where = `    expr: ${goQuote(tc.expr)}, time: ${formatDuration(tc.evalTimeMs)}`;
  let parsed: Expr | null = null;
  try {
    parsed = parseExpr(tc.expr);
  } catch {
    // The query below reports the parse error in upstream's words.
  }
  if (tc.expSamples.some((s) => s.histogram !== '') || (parsed && selectsHistograms(parsed, loader.histogramSeries))) {
    if (opts.nativeHistograms === 'skip') r.skipped.push(`${tg.name || 'unnamed'}: ${where.trim()}: ${NO_HISTOGRAMS}`);
    else r.errors.push(`${where}, err: ${NO_HISTOGRAMS}`);
    return;
  }
  let got: ParsedSample[];
  try {
    const v = engine.instantQuery(head, parsed ?? tc.expr, mint + tc.evalTimeMs).value;
    if (v.type === 'vector') got = v.samples.map((s) => ({ labels: s.labels, value: s.v, histogram: '' }));
    else if (v.type === 'scalar') got = [{ labels: [], value: v.v, histogram: '' }];
    else throw new Error('rule result is not a vector or scalar');
  } catch (e) {
    r.errors.push(`${where}, err: ${(e as Error).message}`);
    return;
  }
  const exp: ParsedSample[] = [];
  for (const s of tc.expSamples) {
    try {
      exp.push({ labels: s.labels.trim() === '' ? [] : parseSeriesDesc(s.labels).labels, value: s.value, histogram: '' });
    } catch (e) {
      r.errors.push(`${where}, err: labels ${goQuote(s.labels)}: ${(e as Error).message}`);
      return;
    }
  }
  exp.sort((a, b) => compare(a.labels, b.labels));
  got.sort((a, b) => compare(a.labels, b.labels));
  if (!samplesEqual(exp, got, fuzzy)) {
    r.errors.push(`${where},\n        exp: ${samplesString(exp)}\n        got: ${samplesString(got)}`);
  }
}

/** `--debug`: every series (input and rule output) up to the group's last eval time, as upstream. */
function debugDump(engine: Engine, head: Head, mint: number, maxOffset: number, log?: (line: string) => void): void {
  if (!log) return;
  const seconds = Math.floor((maxOffset + 1000) / 1000);
  const expr = `{__name__=~".+"}[${seconds}s]`;
  try {
    const v = engine.instantQuery(head, expr, mint + seconds * 1000).value;
    if (v.type !== 'matrix') {
      log(`DEBUG: Got unexpected type ${v.type}`);
      return;
    }
    log(`DEBUG: Dump of all data (input_series and rules) at ${GoDuration.fromMs(seconds * 1000).String()}:`);
    const lines: string[] = [];
    for (const s of v.series) {
      const points: string[] = [];
      for (let i = 0; i < s.ts.length; i++) points.push(`${formatFloat(s.vs[i]!, 'f', -1)} @[${s.ts[i]}]`);
      lines.push(`${toGoString(s.labels)} =>\n${points.join('\n')}`);
    }
    log(lines.join('\n'));
  } catch (e) {
    log(`DEBUG: Failed querying, expr: ${goQuote(expr)}, err: ${(e as Error).message}`);
  }
}

