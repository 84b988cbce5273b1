/**
 * Loki's ruler: alerting and recording rules whose expressions are LogQL metric queries, in rule
 * files of the Prometheus rule-file shape (`groups: [{name, interval, limit, labels, rules: [{alert|
 * record, expr, for, keep_firing_for, labels, annotations}]}]`), read from `--logs.rule-files`.
 *
 * The groups run inside the same {@link RuleManager} as the PromQL rules (`src/rules/`): same
 * scheduling, `for`/`keep_firing_for` state, templating of labels and annotations, `ALERTS`
 * series, notifier and Alertmanager. Only evaluation differs: each rule's expression is evaluated
 * at the group's evaluation time by LogQL's instant evaluator over the log store. Recording-rule
 * results are written to the TSDB as series through the group's Appender (Loki remote-writes
 * them to Prometheus; here they land in the same process's TSDB).
 */
import { expandRuleFiles, loadRuleFile } from '../../config/rules.js';
import type { ExtraRuleGroup } from '../../rules/manager.js';
import type { QueryFunc, RuleSample } from '../../rules/rule.js';
import { evaluateInstant, parseLogQL, type Expr } from '../logql/index.js';
import type { LogReader } from '../types.js';

/** Upstream's complaint about a log (non-metric) query used as a rule expression. */
export const NOT_A_METRIC_QUERY = 'only metric queries (e.g. count_over_time, rate) can be used in rules';

/**
 * Checks a rule expression: it must parse as LogQL and be a metric query.
 * @throws {Error} with the parser's message or {@link NOT_A_METRIC_QUERY}
 */
export function checkLogQLRuleExpr(expr: string): void {
  if (parseLogQL(expr).kind === 'log') throw new Error(NOT_A_METRIC_QUERY);
}

/** Parsed expressions kept per {@link logqlQueryFunc}; rule expressions are few, template queries may not be. */
const PARSE_CACHE_SIZE = 1000;

/**
 * A {@link QueryFunc} over the log store: the query is LogQL text (as rules of an
 * {@link ExtraRuleGroup} with `queryFunc` hand it over) evaluated as an instant query at `t` (ms).
 * @throws {LogQLParseError | LogQLExecError} from LogQL; {@link NOT_A_METRIC_QUERY} for a log query
 */
export function logqlQueryFunc(reader: LogReader): QueryFunc {
  const parsed = new Map<string, Expr>();
  return (query, t) => {
    if (typeof query !== 'string') throw new Error('a LogQL rule got a PromQL expression');
    let expr = parsed.get(query);
    if (!expr) {
      expr = parseLogQL(query);
      if (parsed.size >= PARSE_CACHE_SIZE) parsed.clear();
      parsed.set(query, expr);
    }
    if (expr.kind === 'log') throw new Error(NOT_A_METRIC_QUERY);
    const samples = evaluateInstant(reader, expr, t);
    const out: RuleSample[] = new Array(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = { labels: samples[i]!.labels, t, v: samples[i]!.value };
    return out;
  };
}

/** LogQL rule groups read from rule files, and the patterns that named a file that is not there. */
export interface LogRuleGroups {
  readonly groups: ExtraRuleGroup[];
  readonly missing: string[];
}

/**
 * Reads the rule files matching `patterns` (Go globs, as `rule_files`) as LogQL rules evaluated
 * over `reader`. Every group shares one query function.
 * @throws {ConfigError} (a `RuleFileError` listing every problem) for a bad file; `BadPatternError`
 *   for a malformed pattern
 */
export function loadLogRuleGroups(patterns: readonly string[], reader: LogReader): LogRuleGroups {
  const { files, missing } = expandRuleFiles(patterns);
  const queryFunc = logqlQueryFunc(reader);
  const groups: ExtraRuleGroup[] = [];
  for (const f of new Set(files)) {
    for (const g of loadRuleFile(f, { checkExpr: checkLogQLRuleExpr })) groups.push({ ...g, queryFunc });
  }
  return { groups, missing };
}
