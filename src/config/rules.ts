/**
 * Rule files (`rule_files:` in prometheus.yml), as Prometheus's `model/rulefmt`:
 *
 * ```yaml
 * groups:
 *   - name: api            # unique in the file
 *     interval: 30s        # default: global evaluation_interval
 *     limit: 0             # max alerts / series per evaluation, 0 = no limit
 *     query_offset: 1m     # default: global rule_query_offset
 *     labels: {team: a}    # added to every rule of the group
 *     rules:
 *       - record: job:up:sum          # or alert: Name (exactly one of the two)
 *         expr: sum by (job) (up)
 *         for: 5m                     # alerts only
 *         keep_firing_for: 1m         # alerts only
 *         labels: {severity: page}    # templated for alerts
 *         annotations: {summary: …}   # alerts only, templated
 * ```
 *
 * Validation follows upstream (Prometheus 3.x, UTF-8 name validation by default): duplicate group
 * names, record XOR alert, expression syntax, metric/label/annotation names, and template syntax
 * of alert labels and annotations. Errors are {@link ConfigError}s whose reason is upstream's
 * message, e.g. `rules.yml:5:15: groups[0].rules[0].expr: group "g", rule 1, "x": could not
 * parse expression: 1:8: parse error: unexpected end of input`.
 */
import { isValidLabelName, isValidMetricName, isValidUTF8Name } from '../model/labels.js';
import { parseExpr, type PromQLFeatures } from '../promql/index.js';
import { prometheusFuncs, Template } from '../template/index.js';
import { globFiles } from './prometheus/glob.js';
import { ConfigError, loadYaml, loadYamlFile, type YNode } from './yaml.js';

/** One recording or alerting rule. Durations in milliseconds. */
export interface RuleConfig {
  /** Recording rule: name of the series written (`''` for alerting rules). */
  record: string;
  /** Alerting rule: the alert name (`''` for recording rules). */
  alert: string;
  expr: string;
  /** `for` (ms): how long an alert stays pending before it fires; 0 = fires at once. */
  forMs: number;
  /** `keep_firing_for` (ms): how long an alert keeps firing after its condition clears. */
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** 1-based line of the rule in its file. */
  line: number;
}

/** One rule group. Durations in milliseconds. */
export interface RuleGroupConfig {
  name: string;
  /** File the group was loaded from. */
  file: string;
  /** `interval` (ms); 0 means the global `evaluation_interval`. */
  intervalMs: number;
  /** `limit`: max alerts (alerting) or series (recording) per rule evaluation; 0 = none. */
  limit: number;
  /** `query_offset` (ms); null means the global `rule_query_offset`. */
  queryOffsetMs: number | null;
  /** Group `labels`, added to every rule's output (rule labels win). */
  labels: Record<string, string>;
  rules: RuleConfig[];
}

/** Options of {@link loadRuleFile}. */
export interface RuleFileOptions {
  /** Name validation: `utf8` (Prometheus 3.x default) or `legacy` (`[a-zA-Z_][a-zA-Z0-9_]*`). */
  nameValidation?: 'utf8' | 'legacy';
  /** Accept unknown fields (promtool `--ignore-unknown-fields`). */
  ignoreUnknownFields?: boolean;
  /**
   * PromQL features rule expressions may use (`--enable-feature`); default: every feature. As Prometheus, an
   * expression using a feature that is off is refused when the file loads, not at evaluation.
   */
  features?: PromQLFeatures;
  /**
   * Checks a rule's `expr` in another query language (Loki's ruler: LogQL); throws an Error whose
   * message is reported as `could not parse expression: <message>`. Default: PromQL with `features`.
   */
  checkExpr?: (expr: string) => void;
}

/** A rule file with one or more errors; `message` lists all of them, one per line. */
export class RuleFileError extends ConfigError {
  constructor(readonly all: ConfigError[]) {
    const first = all[0]!;
    super(first.file, first.line, first.column, first.field, first.reason);
    this.message = all.map((e) => e.message).join('\n');
  }
}

const GROUPS_FIELDS = ['groups'];
const GROUP_FIELDS = ['name', 'interval', 'query_offset', 'limit', 'rules', 'labels'];
const RULE_FIELDS = ['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];

const TEMPLATE_DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';
const TEMPLATE_FUNCS = prometheusFuncs({ externalURL: '' });

/** `rule_files` patterns expanded to files, and the patterns that name a file that is not there. */
export interface RuleFileExpansion {
  /** Matching files, in pattern order (each pattern's matches sorted, as Go's `filepath.Glob`). */
  files: string[];
  /** Patterns without a `*` that match no file: promtool treats them as names of missing files. */
  missing: string[];
}

/**
 * Expands `rule_files` patterns (already joined with the config file's folder) as Prometheus does.
 * A pattern without `*` that matches nothing is reported in `missing`: `promtool check config`
 * fails on it (`"x.yml" does not point to an existing file`); the Prometheus server drops it
 * silently (Lookout's server logs a warning).
 * @throws {BadPatternError} (from `prometheus/glob.ts`) for a malformed pattern
 */
export function expandRuleFiles(patterns: readonly string[]): RuleFileExpansion {
  const files: string[] = [];
  const missing: string[] = [];
  for (const p of patterns) {
    const matched = globFiles(p);
    if (matched.length === 0 && !p.includes('*')) missing.push(p);
    files.push(...matched);
  }
  return { files, missing };
}

/**
 * Reads and validates a rule file.
 * @throws {ConfigError} (a {@link RuleFileError} listing every problem) when the file cannot be
 *   read, is not valid YAML, or fails validation.
 */
export function loadRuleFile(path: string, opts: RuleFileOptions = {}): RuleGroupConfig[] {
  const root = loadYamlFile(path);
  return parseRules(root, path, opts);
}

/** Validates rule-file text already in memory (`file` names it in errors). See {@link loadRuleFile}. */
export function parseRuleFile(file: string, text: string, opts: RuleFileOptions = {}): RuleGroupConfig[] {
  return parseRules(loadYaml(file, text), file, opts);
}

function parseRules(root: YNode, file: string, opts: RuleFileOptions): RuleGroupConfig[] {
  const strict = !opts.ignoreUnknownFields;
  const legacy = opts.nameValidation === 'legacy';
  const labelNameOK = (n: string) => (legacy ? isValidLabelName(n) : isValidUTF8Name(n));
  const metricNameOK = (n: string) => (legacy ? isValidMetricName(n) : isValidUTF8Name(n));
  const errors: ConfigError[] = [];
  const groups: RuleGroupConfig[] = [];
  const seen = new Set<string>();

  const top = root.map(strict ? GROUPS_FIELDS : null, 'rulefmt.RuleGroups');
  const groupNodes = top.groups ? top.groups.seq() : [];
  for (const gn of groupNodes) {
    const g = gn.map(strict ? GROUP_FIELDS : null, 'rulefmt.RuleGroup');
    const name = g.name ? g.name.str() : '';
    if (name === '') errors.push(gn.error('Groupname must not be empty'));
    if (seen.has(name)) errors.push(gn.error(`groupname: "${name}" is repeated in the same file`));
    seen.add(name);
    const labels = g.labels ? g.labels.stringMap() : {};
    for (const k of Object.keys(labels)) {
      if (!labelNameOK(k) || k === '__name__') errors.push(g.labels!.error(`invalid label name: ${k}`));
    }
    const limit = g.limit && !g.limit.isNull ? g.limit.number() : 0;
    if (!Number.isInteger(limit)) throw g.limit!.error(`expected an integer, got ${limit}`);
    const group: RuleGroupConfig = {
      name,
      file,
      intervalMs: g.interval && !g.interval.isNull ? g.interval.duration() : 0,
      limit,
      queryOffsetMs: g.query_offset && !g.query_offset.isNull ? g.query_offset.duration() : null,
      labels,
      rules: [],
    };
    const ruleNodes = g.rules ? g.rules.seq() : [];
    ruleNodes.forEach((rn, i) => {
      const r = rn.map(strict ? RULE_FIELDS : null, 'rulefmt.Rule');
      const rule: RuleConfig = {
        record: r.record ? r.record.str() : '',
        alert: r.alert ? r.alert.str() : '',
        expr: r.expr ? r.expr.str() : '',
        forMs: r.for && !r.for.isNull ? r.for.duration() : 0,
        keepFiringForMs: r.keep_firing_for && !r.keep_firing_for.isNull ? r.keep_firing_for.duration() : 0,
        labels: r.labels ? r.labels.stringMap() : {},
        annotations: r.annotations ? r.annotations.stringMap() : {},
        line: rn.line,
      };
      const prefix = `group "${name}", rule ${i + 1}, "${rule.alert || rule.record}": `;
      const fail = (at: YNode, msg: string) => errors.push(at.error(prefix + msg));
      const recordAt = r.record ?? rn;
      if (rule.record && rule.alert) fail(recordAt, "only one of 'record' and 'alert' must be set");
      if (!rule.record && !rule.alert) fail(rn, "one of 'record' or 'alert' must be set");
      if (rule.expr === '') fail(r.expr ?? rn, "field 'expr' must be set in rule");
      else {
        try {
          if (opts.checkExpr) opts.checkExpr(rule.expr);
          else parseExpr(rule.expr, opts.features);
        } catch (e) {
          fail(r.expr!, `could not parse expression: ${(e as Error).message}`);
        }
      }
      if (rule.record) {
        if (Object.keys(rule.annotations).length > 0) fail(recordAt, "invalid field 'annotations' in recording rule");
        if (rule.forMs !== 0) fail(recordAt, "invalid field 'for' in recording rule");
        if (rule.keepFiringForMs !== 0) fail(recordAt, "invalid field 'keep_firing_for' in recording rule");
        if (!metricNameOK(rule.record)) fail(recordAt, `invalid recording rule name: ${rule.record}`);
        if (rule.record.includes('{') || rule.record.includes('}')) {
          fail(recordAt, `braces present in the recording rule name; should it be in expr?: ${rule.record}`);
        }
      }
      for (const k of Object.keys(rule.labels)) {
        if (!labelNameOK(k) || k === '__name__') fail(r.labels!, `invalid label name: ${k}`);
      }
      for (const k of Object.keys(rule.annotations)) {
        if (!labelNameOK(k)) fail(r.annotations!, `invalid annotation name: ${k}`);
      }
      if (rule.alert) {
        const check = (kind: string, at: YNode, k: string, text: string) => {
          try {
            new Template(TEMPLATE_FUNCS).parse(`__alert_${rule.alert}`, TEMPLATE_DEFS + text);
          } catch (e) {
            fail(at, `${kind} "${k}": ${(e as Error).message}`);
          }
        };
        for (const [k, v] of Object.entries(rule.labels)) check('label', r.labels!, k, v);
        for (const [k, v] of Object.entries(rule.annotations)) check('annotation', r.annotations!, k, v);
      }
      group.rules.push(rule);
    });
    groups.push(group);
  }
  if (errors.length > 0) throw new RuleFileError(errors);
  return groups;
}
