/**
 * Backtesting rules (beyond Prometheus): evaluates rule files over stored history, as the rules
 * manager would have run them, and records when each alert fired and resolved.
 *
 * Every group is evaluated at `from`, `from + interval`, … up to `to` (ms), groups interleaved in
 * time order (configuration order at equal times), with the same rule engine as `lookout server`
 * (recording rules write into the storage so later rules read them; alerting rules keep their
 * `for` / `keep_firing_for` state between evaluations and start as restored). An alert series is
 * firing from the first evaluation that reports it firing up to the first one that does not
 * (its resolve time).
 */
import type { RuleGroupConfig } from '../../config/rules.js';
import { toObject, type Labels } from '../../model/labels.js';
import { Engine } from '../../promql/index.js';
import type { Storage } from '../../tsdb/types.js';
import { AlertingRule } from '../alerting.js';
import { RuleManager } from '../manager.js';

/** One firing period of an alert series. Times in ms since the epoch. */
export interface FiringInterval {
  startMs: number;
  /** The evaluation at which it was no longer firing; null when still firing at `to`. */
  endMs: number | null;
}

/** An alert series (one label set) and its firing periods, in time order. */
export interface AlertHistory {
  alertname: string;
  /** Alert labels, `alertname` included. */
  labels: Record<string, string>;
  firings: FiringInterval[];
}

/** A rule that failed to evaluate: first failure and count. */
export interface RuleFailure {
  group: string;
  rule: string;
  firstAtMs: number;
  error: string;
  count: number;
}

/** Outcome of {@link backtestRules}. */
export interface BacktestResult {
  fromMs: number;
  toMs: number;
  /** Rule group evaluations run. */
  evaluations: number;
  /** Alert series that fired at least once, by alert name, then labels. */
  alerts: AlertHistory[];
  failures: RuleFailure[];
}

/** Options of {@link backtestRules}. */
export interface BacktestOptions {
  /** Holds the history (and receives recording-rule output). */
  storage: Storage;
  /** Rule files, already globbed. */
  ruleFiles?: string[];
  /** Rule groups already loaded (e.g. from text), evaluated after those of `ruleFiles`. */
  groups?: readonly RuleGroupConfig[];
  fromMs: number;
  toMs: number;
  /** Interval (ms) of groups without `interval` (`global.evaluation_interval`); default 1 m. */
  defaultIntervalMs?: number;
  /** Lookback delta (ms) of the engine; default 5 m. */
  lookbackDeltaMs?: number;
  externalLabels?: Record<string, string>;
}

function labelsKey(ls: Labels): string {
  return ls.join('\u0000');
}

/**
 * Evaluates the rule files over `[fromMs, toMs]`.
 * @throws {ConfigError} for a bad rule file.
 */
export function backtestRules(opts: BacktestOptions): BacktestResult {
  const engine = new Engine({ lookbackDeltaMs: opts.lookbackDeltaMs ?? 300_000 });
  const manager = new RuleManager({
    engine,
    storage: opts.storage,
    notifier: { send: () => undefined },
    externalLabels: opts.externalLabels ?? {},
    externalURL: '',
  });
  manager.update(opts.defaultIntervalMs ?? 60_000, opts.ruleFiles ?? [], undefined, opts.groups ?? []);
  const groups = manager.groupList();
  for (const g of groups) for (const r of g.rules) if (r instanceof AlertingRule) r.restored = true;

  const schedule: { t: number; order: number }[] = [];
  groups.forEach((g, order) => {
    for (let t = opts.fromMs; t <= opts.toMs; t += g.intervalMs) schedule.push({ t, order });
  });
  schedule.sort((a, b) => a.t - b.t || a.order - b.order);

  const histories = new Map<string, AlertHistory>();
  const firing = new Map<string, Set<string>>();
  const failures = new Map<string, RuleFailure>();
  for (const { t, order } of schedule) {
    const g = groups[order]!;
    g.eval(t);
    g.rules.forEach((rule, i) => {
      if (rule.status.health === 'err') {
        const k = `${g.key}\u0000${i}`;
        const f = failures.get(k);
        if (f) f.count++;
        else failures.set(k, { group: g.name, rule: rule.name, firstAtMs: t, error: rule.status.lastError, count: 1 });
      }
      if (!(rule instanceof AlertingRule)) return;
      const ruleKey = `${g.key}\u0000${i}`;
      const before = firing.get(ruleKey) ?? new Set<string>();
      const now = new Set<string>();
      for (const a of rule.activeAlerts()) {
        if (a.state !== 'firing') continue;
        const k = labelsKey(a.labels);
        now.add(k);
        if (before.has(k)) continue;
        const hk = `${ruleKey}\u0000${k}`;
        let h = histories.get(hk);
        if (!h) {
          h = { alertname: rule.name, labels: toObject(a.labels), firings: [] };
          histories.set(hk, h);
        }
        h.firings.push({ startMs: t, endMs: null });
      }
      for (const k of before) {
        if (now.has(k)) continue;
        const h = histories.get(`${ruleKey}\u0000${k}`)!;
        h.firings[h.firings.length - 1]!.endMs = t;
      }
      firing.set(ruleKey, now);
    });
  }
  const alerts = [...histories.values()].sort(
    (a, b) => (a.alertname < b.alertname ? -1 : a.alertname > b.alertname ? 1 : 0) || JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)),
  );
  return { fromMs: opts.fromMs, toMs: opts.toMs, evaluations: schedule.length, alerts, failures: [...failures.values()] };
}
