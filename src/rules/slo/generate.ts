/**
 * Rules generated from SLOs (`config.ts`), after the Google SRE workbook's "Alerting on SLOs"
 * (multiwindow, multi-burn-rate alerts). Per SLO, one rule group `slo:<service>:<name>` holds:
 *
 * - `slo:sli_error:ratio_rate<W>` for W in 5m, 30m, 1h, 2h, 6h, 1d, 3d and the SLO's window: the
 *   ratio of bad events, `1 - good / total`, over W;
 * - `slo:objective:ratio`: the objective as a ratio (`vector(0.995)`);
 * - `slo:error_budget:remaining_ratio`: `1 - error ratio over the window / (1 - objective)`, the
 *   share of the error budget left (negative once it is spent);
 * - alert `ErrorBudgetBurn` with `severity: page` when the error ratio exceeds 14.4 × budget over
 *   both 1h and 5m, or 6 × budget over both 6h and 30m; and with `severity: ticket` for 3 × over
 *   1d and 2h, or 1 × over 3d and 6h.
 *
 * Every series and alert carries the labels `service` and `slo`; the SLO's `labels` and
 * `annotations` are added to the alerts. Burn rates are the workbook's for a 30-day window and do
 * not scale with `window`.
 */
import { existsSync } from 'node:fs';
import { stringify } from 'yaml';
import { parseRuleFile, type RuleGroupConfig } from '../../config/rules.js';
import { parseExpr } from '../../promql/index.js';
import { loadSloFile, WINDOW_PLACEHOLDER, type SloConfig, type SloFile } from './config.js';

/** The workbook's alert conditions: burn rate over a long and a short window. */
export const BURN_RATE_ALERTS: readonly { severity: 'page' | 'ticket'; long: string; short: string; burnRate: string }[] = [
  { severity: 'page', long: '1h', short: '5m', burnRate: '14.4' },
  { severity: 'page', long: '6h', short: '30m', burnRate: '6' },
  { severity: 'ticket', long: '1d', short: '2h', burnRate: '3' },
  { severity: 'ticket', long: '3d', short: '6h', burnRate: '1' },
];

/** Windows of the error-ratio recording rules (the SLO's own window is added). */
export const RATE_WINDOWS: readonly string[] = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

/** A rule as written in a rule file. */
export interface GeneratedRule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rule group as written in a rule file. */
export interface GeneratedGroup {
  name: string;
  rules: GeneratedRule[];
}

function good(slo: SloConfig, window: string): string {
  const { sli } = slo;
  if (sli.kind === 'events') return sli.good.split(WINDOW_PLACEHOLDER).join(window);
  const sel = [sli.matchers.trim(), `le=${JSON.stringify(sli.le)}`].filter((s) => s !== '').join(', ');
  return `sum(rate(${sli.metric}_bucket{${sel}}[${window}]))`;
}

function total(slo: SloConfig, window: string): string {
  const { sli } = slo;
  if (sli.kind === 'events') return sli.total.split(WINDOW_PLACEHOLDER).join(window);
  return `sum(rate(${sli.metric}_count${sli.matchers.trim() !== '' ? `{${sli.matchers.trim()}}` : ''}[${window}]))`;
}

/** The rule group of one SLO. */
export function sloRuleGroup(slo: SloConfig): GeneratedGroup {
  const ids = { service: slo.service, slo: slo.name };
  const sel = `{service=${JSON.stringify(slo.service)}, slo=${JSON.stringify(slo.name)}}`;
  const budget = `(1 - ${slo.objectiveRatio})`;
  const windows = RATE_WINDOWS.includes(slo.window) ? RATE_WINDOWS : [...RATE_WINDOWS, slo.window];
  const rules: GeneratedRule[] = windows.map((w) => ({
    record: `slo:sli_error:ratio_rate${w}`,
    expr: `1 - (${good(slo, w)}) / (${total(slo, w)})`,
    labels: { ...ids },
  }));
  rules.push({ record: 'slo:objective:ratio', expr: `vector(${slo.objectiveRatio})`, labels: { ...ids } });
  rules.push({
    record: 'slo:error_budget:remaining_ratio',
    expr: `1 - slo:sli_error:ratio_rate${slo.window}${sel} / ${budget}`,
    labels: { ...ids },
  });
  for (const severity of ['page', 'ticket'] as const) {
    const conds = BURN_RATE_ALERTS.filter((a) => a.severity === severity);
    const expr = conds
      .map(
        (c) =>
          `(slo:sli_error:ratio_rate${c.long}${sel} > (${c.burnRate} * ${budget}) and slo:sli_error:ratio_rate${c.short}${sel} > (${c.burnRate} * ${budget}))`,
      )
      .join(' or ');
    const how = conds.map((c) => `${c.burnRate}x over ${c.long} and ${c.short}`).join(', or ');
    rules.push({
      alert: 'ErrorBudgetBurn',
      expr,
      labels: { ...slo.labels, ...ids, severity },
      annotations: {
        summary: `{{ $labels.service }} is burning the error budget of SLO {{ $labels.slo }} too fast`,
        description: `Objective ${slo.objectivePercent}% over ${slo.window}. The error ratio ({{ $value | humanizePercentage }}) is above the budget times ${how}.`,
        ...slo.annotations,
      },
    });
  }
  for (const r of rules) {
    try {
      parseExpr(r.expr);
    } catch (e) {
      throw slo.node.error(`generated ${r.record ? `recording rule ${r.record}` : `alert ${r.alert}`} does not parse: ${(e as Error).message}: ${r.expr}`);
    }
  }
  return { name: `slo:${slo.service}:${slo.name}`, rules };
}

/**
 * The rule file generated from an SLO file, as YAML text (loadable by Lookout, Prometheus and
 * promtool).
 * @throws {ConfigError} when a generated expression does not parse (located at the SLO entry).
 */
export function sloRulesYaml(file: SloFile): string {
  const groups = file.slos.map(sloRuleGroup);
  return stringify({ groups }, { lineWidth: 0 });
}

/**
 * The generated groups, validated as a rule file named after the SLO file.
 * @throws {ConfigError} as {@link sloRulesYaml}, or from rule-file validation.
 */
export function sloRuleGroups(file: SloFile): RuleGroupConfig[] {
  if (file.slos.length === 0) return [];
  return parseRuleFile(file.file, sloRulesYaml(file));
}

/**
 * The generated groups of the SLO file at `path` (`--slo.file`). A missing file gives no groups
 * unless `mustExist` (the flag was given explicitly).
 * @throws {ConfigError} for a bad SLO file, or a missing one when `mustExist`.
 */
export function sloFileGroups(path: string, mustExist: boolean): RuleGroupConfig[] {
  if (!mustExist && !existsSync(path)) return [];
  return sloRuleGroups(loadSloFile(path));
}
