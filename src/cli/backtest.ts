/**
 * `lookout backtest rules FILE... --from T --to T (--url URL | --storage.tsdb.path DIR)`: evaluates
 * rule files over the history held by a server with the Prometheus HTTP API (a running Lookout or
 * Prometheus) or by a Lookout data directory (read-only, so also that of a running server), and
 * prints when each alert would have fired and resolved, how often it flapped, and (with
 * `--alertmanager.config.file`) how many notifications its routing and grouping would have sent.
 * See `src/rules/backtest/`. Times are RFC 3339 or Unix seconds.
 */
import { loadAlertmanagerConfig } from '../config/alertmanager.js';
import { expandRuleFiles, loadRuleFile } from '../config/rules.js';
import { Route } from '../alertmanager/route.js';
import { parseApiTime, parseDuration, TimeParseError } from '../model/time.js';
import { backtestRules } from '../rules/backtest/evaluate.js';
import { simulateNotifications } from '../rules/backtest/notify.js';
import { backtestReport } from '../rules/backtest/report.js';
import { loadFromPrometheusAPI, loadFromStorage, type FetchStats } from '../rules/backtest/source.js';
import { logger } from '../log.js';
import { Head } from '../tsdb/head.js';
import { ReadOnlyTSDB } from '../tsdb/readonly.js';
import { bool, FlagError, parseFlags, str, type FlagSpecs } from './flags.js';

/** Flags of `lookout backtest rules`. */
export const BACKTEST_FLAGS: FlagSpecs = {
  from: { default: '', help: 'Start of the backtest: RFC 3339 or Unix seconds (required).' },
  to: { default: '', help: 'End of the backtest: RFC 3339 or Unix seconds (default: now).' },
  url: { default: '', help: 'Base URL of a server with the Prometheus HTTP API holding the history, e.g. http://127.0.0.1:9090.' },
  'storage.tsdb.path': { default: '', help: 'Lookout data directory holding the history (read-only; instead of --url).' },
  'evaluation-interval': { default: '1m', help: 'Evaluation interval of rule groups without their own interval.' },
  'alertmanager.config.file': { default: '', help: 'Alertmanager configuration whose routing and grouping the notification counts follow.' },
  'send-resolved': { default: true, help: 'Count resolved notifications (receivers with send_resolved).' },
  json: { default: false, help: 'Print the result as JSON instead of text.' },
};

function time(flag: string, value: string): number {
  try {
    return parseApiTime(value);
  } catch (e) {
    if (e instanceof TimeParseError) throw new FlagError(`--${flag}: ${e.message}`);
    throw e;
  }
}

/**
 * Runs the command on `argv` (flags and files after `backtest rules`).
 * @param now current time (ms), the default of `--to`
 * @returns the exit code: 0 (the report is printed), 1 when rules failed to evaluate
 * @throws {FlagError} for bad or missing flags; {ConfigError} for bad rule or Alertmanager files;
 *   {FetchError} when the server cannot be queried
 */
export async function backtest(argv: string[], out: (line: string) => void, now = Date.now()): Promise<number> {
  const flags = parseFlags(argv, BACKTEST_FLAGS);
  if (flags.positionals.length === 0) throw new FlagError('missing rule files: lookout backtest rules FILE... --from T --url URL');
  if (!str(flags, 'from')) throw new FlagError('--from is required');
  const url = str(flags, 'url');
  const tsdbPath = str(flags, 'storage.tsdb.path');
  if ((url === '') === (tsdbPath === '')) throw new FlagError('exactly one of --url and --storage.tsdb.path is required');
  const fromMs = time('from', str(flags, 'from'));
  const toMs = str(flags, 'to') ? time('to', str(flags, 'to')) : now;
  if (toMs < fromMs) throw new FlagError('--to is before --from');
  let intervalMs: number;
  try {
    intervalMs = parseDuration(str(flags, 'evaluation-interval'));
  } catch (e) {
    throw new FlagError(`--evaluation-interval: ${(e as Error).message}`);
  }
  const { files, missing } = expandRuleFiles(flags.positionals);
  if (missing.length > 0) throw new FlagError(`no such rule file: ${missing.join(', ')}`);
  const groups = files.flatMap((f) => loadRuleFile(f));
  const amFile = str(flags, 'alertmanager.config.file');
  const route = amFile ? new Route(loadAlertmanagerConfig(amFile).route) : null;

  const head = new Head();
  const needs = {
    exprs: groups.flatMap((g) => g.rules.map((r) => r.expr)),
    recorded: new Set(groups.flatMap((g) => g.rules.filter((r) => r.record !== '').map((r) => r.record))),
    fromMs,
    toMs,
    storage: head,
  };
  let fetched: FetchStats;
  if (url !== '') fetched = await loadFromPrometheusAPI({ url, ...needs });
  else {
    const db = ReadOnlyTSDB.open(tsdbPath, logger('tsdb'));
    try {
      fetched = loadFromStorage({ source: db, ...needs });
    } finally {
      db.close();
    }
  }
  const result = backtestRules({ storage: head, ruleFiles: files, fromMs, toMs, defaultIntervalMs: intervalMs });
  const notifications = route ? simulateNotifications(route, result.alerts, { toMs, sendResolved: bool(flags, 'send-resolved') }) : null;
  if (bool(flags, 'json')) out(JSON.stringify({ history: fetched, ...result, notifications }, null, 2));
  else {
    out(`History: ${fetched.series} series, ${fetched.samples} samples from ${url || tsdbPath}.`);
    for (const line of backtestReport(result, notifications, amFile)) out(line);
  }
  return result.failures.length > 0 ? 1 : 0;
}
