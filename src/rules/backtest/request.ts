/**
 * Backtests run by the server for the UI (`POST /api/v1/backtest`, Lookout's own endpoint): the
 * rule-file text is evaluated over the server's own history (copied into a scratch storage, so
 * recording rules never write into the TSDB) and the outcome is answered as JSON. Evaluation runs
 * on the event loop, so a request may cover at most {@link MAX_EVALUATIONS} group evaluations;
 * longer backtests belong to `lookout backtest rules`.
 */
import { parseRuleFile } from '../../config/rules.js';
import { ConfigError } from '../../config/yaml.js';
import type { Route } from '../../alertmanager/route.js';
import { parseApiTime, TimeParseError } from '../../model/time.js';
import { Head } from '../../tsdb/head.js';
import type { Storage } from '../../tsdb/types.js';
import { backtestRules } from './evaluate.js';
import { simulateNotifications } from './notify.js';
import { loadFromStorage } from './source.js';

/** Largest number of group evaluations one request may run. */
export const MAX_EVALUATIONS = 50_000;

/** A request that cannot run: bad rules, times or range. The message says why. */
export class BacktestInputError extends Error {
  override name = 'BacktestInputError';
}

/** What a server-side backtest reads. */
export interface BacktestDeps {
  storage: Storage;
  /** The current Alertmanager routing tree, or null for no notification counts. */
  route: () => Route | null;
  /** `global.evaluation_interval` (ms). */
  defaultIntervalMs: number;
  lookbackDeltaMs?: number;
}

/** The JSON answer. Times are RFC 3339 (UTC). */
export interface BacktestAnswer {
  from: string;
  to: string;
  evaluations: number;
  history: { series: number; samples: number };
  alerts: {
    alertname: string;
    labels: Record<string, string>;
    firings: { start: string; end: string | null }[];
    flaps: number;
    firingSeconds: number;
  }[];
  notifications: { receiver: string; groupLabels: Record<string, string>; times: string[] }[] | null;
  failures: { group: string; rule: string; first: string; count: number; error: string }[];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function time(p: URLSearchParams, name: string): number {
  const v = p.get(name) ?? '';
  try {
    return parseApiTime(v);
  } catch (e) {
    if (e instanceof TimeParseError) throw new BacktestInputError(`invalid parameter "${name}": ${e.message}`);
    throw e;
  }
}

/**
 * Runs a backtest for parameters `rules` (rule-file YAML), `from` and `to` (RFC 3339 or Unix
 * seconds).
 * @throws {BacktestInputError} for bad rules, times, or a range with too many evaluations
 */
export function runBacktestRequest(p: URLSearchParams, deps: BacktestDeps): BacktestAnswer {
  const fromMs = time(p, 'from');
  const toMs = time(p, 'to');
  if (toMs < fromMs) throw new BacktestInputError('"to" is before "from"');
  let groups;
  try {
    groups = parseRuleFile('rules', p.get('rules') ?? '');
  } catch (e) {
    if (e instanceof ConfigError) throw new BacktestInputError(e.message);
    throw e;
  }
  const evaluations = groups.reduce((n, g) => n + Math.floor((toMs - fromMs) / (g.intervalMs || deps.defaultIntervalMs)) + 1, 0);
  if (evaluations > MAX_EVALUATIONS) {
    throw new BacktestInputError(`${evaluations} rule group evaluations needed, at most ${MAX_EVALUATIONS} per request: shorten the range or use lookout backtest rules`);
  }
  const scratch = new Head();
  const history = loadFromStorage({
    source: deps.storage,
    exprs: groups.flatMap((g) => g.rules.map((r) => r.expr)),
    recorded: new Set(groups.flatMap((g) => g.rules.filter((r) => r.record !== '').map((r) => r.record))),
    fromMs,
    toMs,
    storage: scratch,
    lookbackDeltaMs: deps.lookbackDeltaMs,
  });
  const r = backtestRules({ storage: scratch, groups, fromMs, toMs, defaultIntervalMs: deps.defaultIntervalMs, lookbackDeltaMs: deps.lookbackDeltaMs });
  const route = deps.route();
  return {
    from: iso(fromMs),
    to: iso(toMs),
    evaluations: r.evaluations,
    history: { series: history.series, samples: history.samples },
    alerts: r.alerts.map((a) => ({
      alertname: a.alertname,
      labels: a.labels,
      firings: a.firings.map((f) => ({ start: iso(f.startMs), end: f.endMs === null ? null : iso(f.endMs) })),
      flaps: a.firings.length - 1,
      firingSeconds: a.firings.reduce((n, f) => n + ((f.endMs ?? toMs) - f.startMs), 0) / 1000,
    })),
    notifications: route
      ? simulateNotifications(route, r.alerts, { toMs }).map((g) => ({ receiver: g.receiver, groupLabels: g.groupLabels, times: g.times.map(iso) }))
      : null,
    failures: r.failures.map((f) => ({ group: f.group, rule: f.rule, first: iso(f.firstAtMs), count: f.count, error: f.error })),
  };
}
