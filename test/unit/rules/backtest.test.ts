/**
 * Backtests: rule evaluation over stored history (firing periods and flaps checked by hand),
 * Alertmanager notification counts from routing and grouping, history fetched from a
 * Prometheus-API server, and the `lookout backtest rules` report.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAlertmanagerConfig } from '../../../src/config/alertmanager.js';
import { Route } from '../../../src/alertmanager/route.js';
import { backtest } from '../../../src/cli/backtest.js';
import { FlagError } from '../../../src/cli/flags.js';
import { fromObject } from '../../../src/model/labels.js';
import { Engine } from '../../../src/promql/index.js';
import { backtestRules, type AlertHistory } from '../../../src/rules/backtest/evaluate.js';
import { simulateNotifications } from '../../../src/rules/backtest/notify.js';
import { BacktestInputError, MAX_EVALUATIONS, runBacktestRequest } from '../../../src/rules/backtest/request.js';
import { FetchError, fetchSelectors, loadFromPrometheusAPI, loadFromStorage, lookbehindMs } from '../../../src/rules/backtest/source.js';
import { buildApp } from '../../../src/web/server.js';
import { parseExpr } from '../../../src/promql/index.js';
import { Logger } from '../../../src/log.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { Head } from '../../../src/tsdb/head.js';

class Quiet extends Logger {
  override info(): void {}
  override warn(): void {}
}

const M = 60_000;
const T0 = Date.UTC(2026, 10, 1); // 2026-11-01T00:00:00Z

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-backtest-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

/** `errors{job="api"}` every minute from T0 - 10m to T0 + 20m: 10 during minutes 5–9 and 14–15, else 0. */
function history(): Head {
  const head = new Head();
  const app = head.appender();
  const ref = app.seriesRef(fromObject({ __name__: 'errors', job: 'api' }));
  for (let m = -10; m <= 20; m++) app.append(ref, T0 + m * M, (m >= 5 && m <= 9) || m === 14 || m === 15 ? 10 : 0);
  app.commit();
  return head;
}

const RULES = `groups:
  - name: api
    rules:
      - record: errors:doubled
        expr: errors * 2
      - alert: ErrorsHigh
        expr: errors > 5
        for: 2m
        labels: {severity: page}
      - alert: ErrorsHighNow
        expr: errors > 5
      - alert: DoubledHigh
        expr: errors:doubled > 15
`;

describe('backtestRules', () => {
  it('finds when each alert fired and resolved', () => {
    const d = dir({ 'rules.yml': RULES });
    const r = backtestRules({ storage: history(), ruleFiles: [join(d, 'rules.yml')], fromMs: T0, toMs: T0 + 20 * M });
    expect(r.evaluations).toBe(21);
    expect(r.failures).toEqual([]);
    const brief = (a: AlertHistory) => [a.alertname, a.labels, a.firings.map((f) => [(f.startMs - T0) / M, f.endMs === null ? null : (f.endMs - T0) / M])];
    // ErrorsHigh: pending at 5m, fires at 7m (5m + for), resolves at 10m; pending again at 14m but
    // back to 0 at 16m before `for` elapses. The others fire at once, twice (one flap).
    expect(r.alerts.map(brief)).toEqual([
      ['DoubledHigh', { alertname: 'DoubledHigh', job: 'api' }, [[5, 10], [14, 16]]],
      ['ErrorsHigh', { alertname: 'ErrorsHigh', job: 'api', severity: 'page' }, [[7, 10]]],
      ['ErrorsHighNow', { alertname: 'ErrorsHighNow', job: 'api' }, [[5, 10], [14, 16]]],
    ]);
  });

  it('reports alerts still firing at the end and rules that fail', () => {
    const d = dir({ 'rules.yml': 'groups:\n  - name: g\n    interval: 2m\n    rules:\n      - alert: Up\n        expr: errors >= 0\n      - record: bad\n        expr: errors + on() group_left() (label_replace(vector(1), \"a\", \"1\", \"\", \"\") or label_replace(vector(1), \"a\", \"2\", \"\", \"\"))\n' });
    const r = backtestRules({ storage: history(), ruleFiles: [join(d, 'rules.yml')], fromMs: T0, toMs: T0 + 5 * M });
    expect(r.evaluations).toBe(3);
    expect(r.alerts.map((a) => a.firings)).toEqual([[{ startMs: T0, endMs: null }]]);
    expect(r.failures.map((f) => [f.group, f.rule, f.firstAtMs - T0, f.count])).toEqual([['g', 'bad', 0, 3]]);
    expect(r.failures[0]!.error).toContain('found duplicate series for the match group {} on the right hand-side of the operation');
  });
});

describe('simulateNotifications', () => {
  const am = (route: string) =>
    new Route(parseAlertmanagerConfig(`route:\n${route}\nreceivers:\n  - name: team\n  - name: pager\n`, 'am.yml').route);
  const alert = (name: string, labels: Record<string, string>, firings: [number, number | null][]): AlertHistory => ({
    alertname: name,
    labels: { alertname: name, ...labels },
    firings: firings.map(([s, e]) => ({ startMs: T0 + s, endMs: e === null ? null : T0 + e })),
  });
  const root = am('  receiver: team\n  group_by: [alertname]\n  group_wait: 30s\n  group_interval: 5m\n  repeat_interval: 1h');

  it('notifies after group_wait, on resolution, again for a new group, and at repeat_interval', () => {
    const a = alert('A', {}, [
      [0, 12 * M],
      [20 * M, null],
    ]);
    const [g] = simulateNotifications(root, [a], { toMs: T0 + 120 * M });
    // 0:30 first; 15:30 all resolved (A resolved at 12m); group gone, A again at 20m → 20:30;
    // unchanged afterwards until repeat_interval: 80:30; 140:30 is after the end.
    expect(g!.times.map((t) => (t - T0) / 1000)).toEqual([30, 930, 1230, 4830]);
    expect([g!.receiver, g!.route, g!.groupLabels]).toEqual(['team', '{}', { alertname: 'A' }]);
    const quiet = simulateNotifications(root, [a], { toMs: T0 + 120 * M, sendResolved: false });
    expect(quiet[0]!.times.map((t) => (t - T0) / 1000)).toEqual([30, 1230, 4830]);
  });

  it('keeps an emptied group until the next 30 s clean-up tick: an alert arriving before joins it', () => {
    const tree = am('  receiver: team\n  group_wait: 30s\n  group_interval: 1m\n  repeat_interval: 1h');
    const times = (refireAt: number) =>
      simulateNotifications(tree, [alert('X', {}, [[0, M], [refireAt, 5 * M]])], { toMs: T0 + 10 * M })[0]!.times.map((t) => (t - T0) / 1000);
    // Resolved notification at 1:30 empties the group; clean-up at 2:00. Back at 1:40: the old
    // group's next flush (2:30), then resolved at 5:30. Back at 2:10: a new group, flushed at 2:40.
    expect(times(100_000)).toEqual([30, 90, 150, 330]);
    expect(times(130_000)).toEqual([30, 90, 160, 340]);
  });

  it('groups by group_by labels per route node, following continue', () => {
    const tree = am(
      '  receiver: team\n  group_by: [alertname]\n  group_wait: 30s\n  group_interval: 5m\n  repeat_interval: 1h\n  routes:\n    - receiver: pager\n      matchers: [severity="page"]\n      group_by: [severity]\n      continue: true',
    );
    const alerts = [
      alert('A', { severity: 'page', i: '1' }, [[0, 10 * M]]),
      alert('A', { severity: 'page', i: '2' }, [[2 * M, 10 * M]]),
      alert('B', { severity: 'page' }, [[M, 3 * M]]),
      alert('C', {}, [[10 * M, 11 * M]]),
      alert('D', {}, [[0, 10 * 1000]]),
    ];
    const groups = simulateNotifications(tree, alerts, { toMs: T0 + 60 * M });
    expect(groups.map((g) => [g.receiver, g.groupLabels, g.times.map((t) => (t - T0) / 1000)])).toEqual([
      // alerts without severity=page stay at the root: C (10:30 firing, 15:30 resolved); D fired and
      // resolved before group_wait ended: nothing.
      ['team', { alertname: 'C' }, [630, 930]],
      ['team', { alertname: 'D' }, []],
      // pager, one group for severity=page: A1 at 0:30; A2 and B join (5:30); B resolved (10:30, with A1 and A2
      // resolved at 10m too: all resolved).
      ['pager', { severity: 'page' }, [30, 330, 630]],
    ]);
  });
});

/** A Prometheus API `query` endpoint answering from `head` with Lookout's engine. */
function apiFetch(head: Head, seen: string[] = []): typeof fetch {
  const engine = new Engine({ lookbackDeltaMs: 300_000 });
  return (async (input: string | URL | Request) => {
    const u = new URL(String(input));
    const q = u.searchParams.get('query')!;
    seen.push(q);
    if (q.includes('broken')) return Response.json({ status: 'error', errorType: 'bad_data', error: 'broken on purpose' }, { status: 400 });
    const v = engine.instantQuery(head, q, Math.round(Number(u.searchParams.get('time')) * 1000)).value;
    if (v.type !== 'matrix') throw new Error('not a matrix');
    const result = v.series.map((s) => ({
      metric: Object.fromEntries(Array.from({ length: s.labels.length / 2 }, (_, i) => [s.labels[2 * i], s.labels[2 * i + 1]])),
      values: Array.from(s.ts, (t, i) => [t / 1000, String(s.vs[i])]),
    }));
    return Response.json({ status: 'success', data: { resultType: 'matrix', result } });
  }) as typeof fetch;
}

describe('loadFromPrometheusAPI', () => {
  it('looks back by lookback delta plus ranges and offsets, and skips recorded series', () => {
    const e = parseExpr('rate(a[10m] offset 1h) + max_over_time(b[30m:1m]) + c:rec');
    expect(lookbehindMs(e, 300_000)).toBe(300_000 + 600_000 + 3_600_000 + 1_800_000);
    expect(fetchSelectors(e, new Set(['c:rec']))).toEqual(['{__name__="a"}', '{__name__="b"}']);
  });

  it('fetches the history hour by hour into a storage', async () => {
    const seen: string[] = [];
    const into = new Head();
    const stats = await loadFromPrometheusAPI({
      url: 'http://history.example/',
      exprs: ['errors > 5', 'errors:doubled > 15'],
      recorded: new Set(['errors:doubled']),
      fromMs: T0,
      toMs: T0 + 20 * M,
      storage: into,
      chunkMs: 10 * M,
      fetch: apiFetch(history(), seen),
    });
    // 5 minutes before `from` (the lookback), in 10-minute queries: (-5, 5], (5, 15], (15, 20].
    expect(seen).toEqual(['{__name__="errors"}[600000ms]', '{__name__="errors"}[600000ms]', '{__name__="errors"}[300000ms]']);
    expect(stats).toEqual({ selectors: ['{__name__="errors"}'], series: 1, samples: 25, startMs: T0 - 5 * M });
    const got = new Engine({ lookbackDeltaMs: 300_000 }).instantQuery(into, 'sum_over_time(errors[30m])', T0 + 20 * M).value;
    expect(got.type === 'vector' && got.samples.map((s) => s.v)).toEqual([70]);
  });

  it('fails with the server error', async () => {
    const run = loadFromPrometheusAPI({ url: 'http://x', exprs: ['broken'], recorded: new Set(), fromMs: T0, toMs: T0, storage: new Head(), fetch: apiFetch(history()) });
    await expect(run).rejects.toThrow(new FetchError('querying http://x/api/v1/query?query=%7B__name__%3D%22broken%22%7D%5B300000ms%5D&time=1793491200.000: broken on purpose'));
  });
});

describe('lookout backtest rules', () => {
  let url = '';
  const server = createServer((req, res) => {
    void apiFetch(history())(`http://localhost${req.url}`).then(async (r) => {
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(() => void server.close());

  it('prints firing periods, flaps and notification counts', async () => {
    const d = dir({
      'rules.yml': RULES,
      'am.yml': 'route:\n  receiver: team\n  group_by: [alertname]\n  group_wait: 30s\n  group_interval: 5m\n  repeat_interval: 4h\nreceivers:\n  - name: team\n',
    });
    const out: string[] = [];
    const code = await backtest(
      [join(d, 'rules.yml'), '--from=2026-11-01T00:00:00Z', `--to=${(T0 + 20 * M) / 1000}`, `--url=${url}`, `--alertmanager.config.file=${join(d, 'am.yml')}`],
      (l) => out.push(l),
    );
    expect(code).toBe(0);
    expect(out).toEqual([
      `History: 1 series, 25 samples from ${url}.`,
      'Backtest from 2026-11-01T00:00:00Z to 2026-11-01T00:20:00Z: 21 group evaluations.',
      '3 alert series fired 5 times.',
      '',
      'DoubledHigh{job="api"}',
      '  fired 2 times, 1 flap, firing 7m in total',
      '  2026-11-01T00:05:00Z → 2026-11-01T00:10:00Z (5m)',
      '  2026-11-01T00:14:00Z → 2026-11-01T00:16:00Z (2m)',
      '',
      'ErrorsHigh{job="api", severity="page"}',
      '  fired 1 time, 0 flaps, firing 3m in total',
      '  2026-11-01T00:07:00Z → 2026-11-01T00:10:00Z (3m)',
      '',
      'ErrorsHighNow{job="api"}',
      '  fired 2 times, 1 flap, firing 7m in total',
      '  2026-11-01T00:05:00Z → 2026-11-01T00:10:00Z (5m)',
      '  2026-11-01T00:14:00Z → 2026-11-01T00:16:00Z (2m)',
      '',
      `Notifications with ${join(d, 'am.yml')}: 10`,
      // Per alertname: first at +30s; all resolved at the next flush after 10m (10:30 / 15:30);
      // the second firing 14m–16m creates the group again (14:30) and resolves (19:30).
      '  team {alertname="DoubledHigh"}: 4 (2026-11-01T00:05:30Z, 2026-11-01T00:10:30Z, 2026-11-01T00:14:30Z, 2026-11-01T00:19:30Z)',
      '  team {alertname="ErrorsHigh"}: 2 (2026-11-01T00:07:30Z, 2026-11-01T00:12:30Z)',
      '  team {alertname="ErrorsHighNow"}: 4 (2026-11-01T00:05:30Z, 2026-11-01T00:10:30Z, 2026-11-01T00:14:30Z, 2026-11-01T00:19:30Z)',
    ]);
  });

  it('reads the history from a data directory with --storage.tsdb.path', async () => {
    const d = dir({ 'rules.yml': RULES });
    const db = TSDB.open({ dir: join(d, 'data'), now: () => T0 + 20 * M, log: new Quiet() });
    const app = db.appender();
    const ref = app.seriesRef(fromObject({ __name__: 'errors', job: 'api' }));
    for (let m = -10; m <= 20; m++) app.append(ref, T0 + m * M, (m >= 5 && m <= 9) || m === 14 || m === 15 ? 10 : 0);
    app.commit();
    db.close();
    const out: string[] = [];
    const code = await backtest([join(d, 'rules.yml'), `--from=${T0 / 1000}`, `--to=${(T0 + 20 * M) / 1000}`, `--storage.tsdb.path=${join(d, 'data')}`], (l) => out.push(l));
    expect(code).toBe(0);
    expect(out.slice(0, 5)).toEqual([
      `History: 1 series, 26 samples from ${join(d, 'data')}.`,
      'Backtest from 2026-11-01T00:00:00Z to 2026-11-01T00:20:00Z: 21 group evaluations.',
      '3 alert series fired 5 times.',
      '',
      'DoubledHigh{job="api"}',
    ]);
  });

  it('needs --from and one source', async () => {
    await expect(backtest(['r.yml', '--url=http://x'], () => undefined)).rejects.toThrow(new FlagError('--from is required'));
    await expect(backtest(['r.yml', '--from=0'], () => undefined)).rejects.toThrow(new FlagError('exactly one of --url and --storage.tsdb.path is required'));
    await expect(backtest(['r.yml', '--from=yesterday', '--url=http://x'], () => undefined)).rejects.toThrow(
      new FlagError('--from: cannot parse "yesterday" to a valid timestamp'),
    );
  });
});

describe('backtests run by the server (POST /api/v1/backtest)', () => {
  const route = () => new Route(parseAlertmanagerConfig('route:\n  receiver: team\n  group_by: [alertname]\nreceivers:\n  - name: team\n', 'am.yml').route);
  const params = (from: number, to: number, rules = RULES) => new URLSearchParams({ rules, from: String(from / 1000), to: String(to / 1000) });

  it('copies the history, evaluates the rules and leaves the source storage alone', () => {
    const source = history();
    const into = new Head();
    const stats = loadFromStorage({ source, exprs: ['errors > 5'], recorded: new Set(), fromMs: T0, toMs: T0 + 20 * M, storage: into });
    expect(stats).toEqual({ selectors: ['{__name__="errors"}'], series: 1, samples: 26, startMs: T0 - 5 * M });
    const answer = runBacktestRequest(params(T0, T0 + 20 * M), { storage: source, route, defaultIntervalMs: M });
    expect(answer.alerts.map((a) => [a.alertname, a.firings, a.flaps, a.firingSeconds])).toEqual([
      ['DoubledHigh', [{ start: '2026-11-01T00:05:00.000Z', end: '2026-11-01T00:10:00.000Z' }, { start: '2026-11-01T00:14:00.000Z', end: '2026-11-01T00:16:00.000Z' }], 1, 420],
      ['ErrorsHigh', [{ start: '2026-11-01T00:07:00.000Z', end: '2026-11-01T00:10:00.000Z' }], 0, 180],
      ['ErrorsHighNow', [{ start: '2026-11-01T00:05:00.000Z', end: '2026-11-01T00:10:00.000Z' }, { start: '2026-11-01T00:14:00.000Z', end: '2026-11-01T00:16:00.000Z' }], 1, 420],
    ]);
    // Default route timing (group_wait 30s, group_interval 5m): as the CLI test, per alert name.
    expect(answer.notifications!.map((g) => [g.groupLabels.alertname, g.times.length])).toEqual([
      ['DoubledHigh', 4],
      ['ErrorsHigh', 2],
      ['ErrorsHighNow', 4],
    ]);
    expect([answer.from, answer.to, answer.evaluations, answer.history, answer.failures]).toEqual([
      '2026-11-01T00:00:00.000Z',
      '2026-11-01T00:20:00.000Z',
      21,
      { series: 1, samples: 26 },
      [],
    ]);
    const after = new Engine().instantQuery(source, 'count({__name__=~".+"})', T0 + 20 * M).value;
    expect(after.type === 'vector' && after.samples.map((x) => x.v)).toEqual([1]);
  });

  it('refuses bad rules, bad times and too long ranges', () => {
    const deps = { storage: history(), route: () => null, defaultIntervalMs: M };
    expect(() => runBacktestRequest(params(T0, T0, 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up >\n'), deps)).toThrow(
      new BacktestInputError('rules:5:15: groups[0].rules[0].expr: group "g", rule 1, "A": could not parse expression: 1:5: parse error: unexpected end of input'),
    );
    expect(() => runBacktestRequest(new URLSearchParams({ rules: RULES, from: 'x', to: '1' }), deps)).toThrow(
      new BacktestInputError('invalid parameter "from": cannot parse "x" to a valid timestamp'),
    );
    expect(() => runBacktestRequest(params(T0, T0 + MAX_EVALUATIONS * M), deps)).toThrow(
      new BacktestInputError('50001 rule group evaluations needed, at most 50000 per request: shorten the range or use lookout backtest rules'),
    );
  });

  it('answers through the API with bad_data for bad input', async () => {
    const source = history();
    const app = await buildApp({
      listenAddress: '127.0.0.1:0',
      name: 'Test',
      enableLifecycle: false,
      isReady: () => true,
      apiV1: {
        storage: source,
        engine: new Engine(),
        configText: () => '',
        flags: {},
        runtimeInfo: () => ({}),
        buildInfo: {},
        backtest: (p) => runBacktestRequest(p, { storage: source, route: () => null, defaultIntervalMs: M }),
      },
    });
    try {
      const post = (body: URLSearchParams) =>
        app.inject({ method: 'POST', url: '/api/v1/backtest', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
      const ok = await post(params(T0, T0 + 20 * M));
      expect(ok.statusCode).toBe(200);
      expect(ok.json().data.alerts.map((a: { alertname: string }) => a.alertname)).toEqual(['DoubledHigh', 'ErrorsHigh', 'ErrorsHighNow']);
      expect(ok.json().data.notifications).toBe(null);
      const bad = await post(new URLSearchParams({ rules: 'groups: [', from: '0', to: '1' }));
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errorType).toBe('bad_data');
      expect((await app.inject({ method: 'GET', url: '/api/v1/backtest' })).statusCode).toBe(405);
    } finally {
      await app.close();
    }
  });
});
