/**
 * Rule unit-test files, the format of `promtool test rules` (Prometheus docs "Unit testing for
 * rules"):
 *
 * ```yaml
 * rule_files: [alerts.yml]          # relative to the test file; globs allowed
 * evaluation_interval: 1m           # default 1m
 * group_eval_order: [g1, g2]        # optional partial order of rule groups
 * fuzzy_compare: false              # compare floats with one ulp of tolerance
 * tests:
 *   - name: my test                 # optional; selected by `--run`
 *     interval: 1m                  # step of input_series; default evaluation_interval
 *     start_timestamp: 1700000000   # RFC 3339 or Unix seconds; default 0
 *     external_labels: {dc: eu}
 *     external_url: http://x
 *     input_series:
 *       - series: 'up{job="a"}'
 *         values: '1 1 0x10 _ stale'
 *     alert_rule_test:
 *       - eval_time: 5m
 *         alertname: InstanceDown
 *         exp_alerts:
 *           - exp_labels: {severity: page}
 *             exp_annotations: {summary: …}
 *     promql_expr_test:
 *       - expr: up
 *         eval_time: 1m
 *         exp_samples:
 *           - labels: 'up{job="a"}'
 *             value: 1
 *             histogram: '{{…}}'     # a native histogram instead of value
 * ```
 *
 * Unknown fields are errors (upstream reads the file with `yaml.UnmarshalStrict`); the messages
 * name upstream's Go types (`field x not found in type main.testGroup`). Durations are
 * milliseconds; eval times are offsets from the test's start time.
 */
import { isAbsolute, join, dirname } from 'node:path';
import { parseApiTime, parseDuration, TimeParseError } from '../../model/time.js';
import { loadYamlFile, type YNode } from '../../config/yaml.js';

/** One `input_series` entry: series text and value sequence in the promqltest notation. */
export interface InputSeries {
  series: string;
  values: string;
  /** Where the entry is, for error messages. */
  node: YNode;
}

/** One expected alert of an `alert_rule_test`. */
export interface ExpectedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** One `alert_rule_test` entry. */
export interface AlertTestCase {
  /** Offset from the test start (ms). */
  evalTimeMs: number;
  alertname: string;
  expAlerts: ExpectedAlert[];
}

/** One expected sample of a `promql_expr_test`. */
export interface ExpectedSample {
  /** Series text as written (`name{l="v"}`, `{l="v"}` or empty). */
  labels: string;
  value: number;
  /** Native histogram literal (`{{…}}`), `''` when the sample is a float. */
  histogram: string;
}

/** One `promql_expr_test` entry. */
export interface PromqlTestCase {
  expr: string;
  /** Offset from the test start (ms). */
  evalTimeMs: number;
  expSamples: ExpectedSample[];
}

/** One entry of `tests`. */
export interface TestGroup {
  /** `name`, `''` when absent. */
  name: string;
  /** `interval` (ms); 0 = the file's evaluation interval. */
  intervalMs: number;
  inputSeries: InputSeries[];
  alertRuleTests: AlertTestCase[];
  promqlExprTests: PromqlTestCase[];
  externalLabels: Record<string, string>;
  externalURL: string;
  /** `start_timestamp` (ms since the epoch); 0 when absent. */
  startMs: number;
}

/** A parsed unit-test file. */
export interface UnitTestFile {
  file: string;
  /** `rule_files` entries joined with the test file's folder (patterns, not yet globbed). */
  ruleFiles: string[];
  /** `evaluation_interval` (ms), default 1 m. */
  evaluationIntervalMs: number;
  groupEvalOrder: string[];
  fuzzyCompare: boolean;
  tests: TestGroup[];
}

const FILE_FIELDS = ['rule_files', 'evaluation_interval', 'group_eval_order', 'tests', 'fuzzy_compare'];
const GROUP_FIELDS = ['interval', 'input_series', 'alert_rule_test', 'promql_expr_test', 'external_labels', 'external_url', 'name', 'start_timestamp'];
const SERIES_FIELDS = ['series', 'values'];
const ALERT_TEST_FIELDS = ['eval_time', 'alertname', 'exp_alerts'];
const ALERT_FIELDS = ['exp_labels', 'exp_annotations'];
const PROMQL_TEST_FIELDS = ['expr', 'eval_time', 'exp_samples'];
const SAMPLE_FIELDS = ['labels', 'value', 'histogram'];

/** Largest Go `time.Duration` in ms (2^63 − 1 ns): the range of `model.Duration` fields upstream. */
const MAX_GO_DURATION_MS = 9_223_372_036_854;

/** A duration field (`model.Duration`) in ms, at most Go's largest `time.Duration`. */
function duration(n: YNode | undefined): number {
  if (!n || n.isNull) return 0;
  const s = n.str();
  let ms: number;
  try {
    ms = parseDuration(s);
  } catch (e) {
    if (e instanceof TimeParseError) throw n.error(e.message);
    throw e;
  }
  if (ms > MAX_GO_DURATION_MS) throw n.error(`duration out of range: "${s}"`);
  return ms;
}

/** A YAML float (`float64` field): numbers, `.inf`, `-.inf`, `.nan` in YAML's spellings. */
function float(n: YNode | undefined): number {
  if (!n || n.isNull) return 0;
  const s = n.str().trim();
  const special: Record<string, number> = { '.inf': Infinity, '+.inf': Infinity, '-.inf': -Infinity, '.nan': NaN };
  const k = s.toLowerCase();
  if (k in special) return special[k]!;
  const v = Number(s.replace(/_/g, ''));
  if (s === '' || Number.isNaN(v)) throw n.error(`cannot unmarshal ${JSON.stringify(s)} into float64`);
  return v;
}

function str(n: YNode | undefined): string {
  return n ? n.str() : '';
}

function startTimestamp(n: YNode | undefined): number {
  if (!n || n.isNull) return 0;
  const s = n.str();
  try {
    return parseApiTime(s);
  } catch {
    throw n.error(`cannot parse "${s}" to a valid timestamp`);
  }
}

function parseGroup(n: YNode): TestGroup {
  const g = n.map(GROUP_FIELDS, 'main.testGroup');
  return {
    name: str(g.name),
    intervalMs: duration(g.interval),
    inputSeries: (g.input_series?.seq() ?? []).map((sn) => {
      const s = sn.map(SERIES_FIELDS, 'main.series');
      return { series: str(s.series), values: str(s.values), node: sn };
    }),
    alertRuleTests: (g.alert_rule_test?.seq() ?? []).map((an) => {
      const a = an.map(ALERT_TEST_FIELDS, 'main.alertTestCase');
      return {
        evalTimeMs: duration(a.eval_time),
        alertname: str(a.alertname),
        expAlerts: (a.exp_alerts?.seq() ?? []).map((en) => {
          const e = en.map(ALERT_FIELDS, 'main.alert');
          return { labels: e.exp_labels?.stringMap() ?? {}, annotations: e.exp_annotations?.stringMap() ?? {} };
        }),
      };
    }),
    promqlExprTests: (g.promql_expr_test?.seq() ?? []).map((pn) => {
      const p = pn.map(PROMQL_TEST_FIELDS, 'main.promqlTestCase');
      return {
        expr: str(p.expr),
        evalTimeMs: duration(p.eval_time),
        expSamples: (p.exp_samples?.seq() ?? []).map((sn) => {
          const s = sn.map(SAMPLE_FIELDS, 'main.sample');
          return { labels: str(s.labels), value: float(s.value), histogram: str(s.histogram) };
        }),
      };
    }),
    externalLabels: g.external_labels?.stringMap() ?? {},
    externalURL: str(g.external_url),
    startMs: startTimestamp(g.start_timestamp),
  };
}

/**
 * Reads a unit-test file. `rule_files` are joined with the file's folder (absolute ones kept).
 * @throws {ConfigError} for unreadable files, YAML errors, unknown fields and bad values.
 */
export function loadUnitTestFile(file: string): UnitTestFile {
  const root = loadYamlFile(file, false);
  const top = root.map(FILE_FIELDS, 'main.unitTestFile');
  const dir = dirname(file);
  const ruleFiles = (top.rule_files?.strings() ?? []).map((f) => (f !== '' && !isAbsolute(f) ? join(dir, f) : f));
  return {
    file,
    ruleFiles,
    evaluationIntervalMs: duration(top.evaluation_interval) || 60_000,
    groupEvalOrder: top.group_eval_order?.strings() ?? [],
    fuzzyCompare: top.fuzzy_compare && !top.fuzzy_compare.isNull ? top.fuzzy_compare.bool() : false,
    tests: (top.tests?.seq() ?? []).map(parseGroup),
  };
}
