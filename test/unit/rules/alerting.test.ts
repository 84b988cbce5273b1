/**
 * Alert lifecycle against the real Head and PromQL engine. Expected ALERTS / ALERTS_FOR_STATE
 * values were produced by Prometheus 2.42 (`promtool test rules` on the same rules and series);
 * send times, startsAt and endsAt follow the alert-generator compliance specification.
 */
import { describe, expect, it } from 'vitest';
import { evalAt, makeEnv, MIN, steps } from './harness.js';

const RULES = `
groups:
- name: g
  interval: 1m
  rules:
  - alert: Down
    expr: up == 0
    for: 2m
    labels: {severity: page}
    annotations: {summary: '{{ $labels.instance }} is down, value {{ $value }}'}
  - alert: Flap
    expr: flap > 0
    keep_firing_for: 3m
  - record: job:up:sum
    expr: sum by (job) (up)
`;

function setup() {
  const env = makeEnv();
  const file = env.writeRules('r.yml', RULES);
  // up: 0 for 0..5m, then 1; flap: 1 for 0..2m, then 0 (one sample a minute, as promtool's '0x5 1x5').
  env.addSeries({ __name__: 'up', job: 'api', instance: 'a' }, steps(11 * MIN, MIN).map((t) => [t, t <= 5 * MIN ? 0 : 1]));
  env.addSeries({ __name__: 'flap', job: 'api' }, steps(11 * MIN, MIN).map((t) => [t, t <= 2 * MIN ? 1 : 0]));
  env.manager.update(MIN, [file]);
  return env;
}

function alertsAt(env: ReturnType<typeof makeEnv>, t: number): string[] {
  return env
    .query('ALERTS', t)
    .map((s) => `${s.labels.alertname}:${s.labels.alertstate}:${s.value}`)
    .sort();
}

describe('alerting rule lifecycle (values from promtool 2.42)', () => {
  it('moves pending → firing → inactive and keeps firing for keep_firing_for', () => {
    const env = setup();
    evalAt(env, steps(25 * MIN, MIN));
    const want: Record<number, string[]> = {
      0: ['Down:pending:1', 'Flap:firing:1'],
      1: ['Down:pending:1', 'Flap:firing:1'],
      2: ['Down:firing:1', 'Flap:firing:1'],
      5: ['Down:firing:1', 'Flap:firing:1'],
      6: [],
      9: [],
    };
    for (const [m, exp] of Object.entries(want)) expect([m, alertsAt(env, Number(m) * MIN)]).toEqual([m, exp]);
    expect(env.query('ALERTS_FOR_STATE', 3 * MIN).map((s) => [s.labels.alertname, s.value])).toEqual([
      ['Down', 0],
      ['Flap', 0],
    ]);
    expect(env.query('job:up:sum', 3 * MIN)).toEqual([{ labels: { __name__: 'job:up:sum', job: 'api' }, value: 0 }]);
  });

  it('ends ALERTS series with a staleness marker when an alert goes away', () => {
    const env = setup();
    evalAt(env, steps(8 * MIN, MIN));
    const down = env.raw('ALERTS{alertname="Down"}', 0, 8 * MIN);
    expect(down).toEqual([
      {
        labels: { __name__: 'ALERTS', alertname: 'Down', alertstate: 'firing', instance: 'a', job: 'api', severity: 'page' },
        samples: [
          [2 * MIN, 1],
          [3 * MIN, 1],
          [4 * MIN, 1],
          [5 * MIN, 1],
          [6 * MIN, 'stale'],
        ],
      },
      {
        labels: { __name__: 'ALERTS', alertname: 'Down', alertstate: 'pending', instance: 'a', job: 'api', severity: 'page' },
        samples: [
          [0, 1],
          [MIN, 1],
          [2 * MIN, 'stale'],
        ],
      },
    ]);
  });

  it('sends firing alerts, re-sends after the resend delay, and re-sends resolved alerts for 15 minutes', () => {
    const env = setup();
    evalAt(env, steps(25 * MIN, MIN));
    const down = env.sent.flatMap((s) => s.alerts.filter((a) => a.labels.alertname === 'Down').map((a) => ({ at: s.at / MIN, ...a })));
    expect(down.map((a) => [a.at, a.startsAt, a.endsAt])).toEqual([
      [2, '1970-01-01T00:02:00.000Z', '1970-01-01T00:06:00.000Z'],
      [4, '1970-01-01T00:02:00.000Z', '1970-01-01T00:08:00.000Z'],
      [6, '1970-01-01T00:02:00.000Z', '1970-01-01T00:06:00.000Z'],
      [8, '1970-01-01T00:02:00.000Z', '1970-01-01T00:06:00.000Z'],
      [10, '1970-01-01T00:02:00.000Z', '1970-01-01T00:06:00.000Z'],
      [12, '1970-01-01T00:02:00.000Z', '1970-01-01T00:06:00.000Z'],
      [14, '1970-01-01T00:02:00.000Z', '1970-01-01T00:06:00.000Z'],
      [16, '1970-01-01T00:02:00.000Z', '1970-01-01T00:06:00.000Z'],
      [18, '1970-01-01T00:02:00.000Z', '1970-01-01T00:06:00.000Z'],
      [20, '1970-01-01T00:02:00.000Z', '1970-01-01T00:06:00.000Z'],
    ]);
    expect(down[0]).toEqual({
      at: 2,
      labels: { alertname: 'Down', instance: 'a', job: 'api', severity: 'page' },
      annotations: { summary: 'a is down, value 0' },
      startsAt: '1970-01-01T00:02:00.000Z',
      endsAt: '1970-01-01T00:06:00.000Z',
      generatorURL: 'http://lookout:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
    });
    const flap = env.sent.flatMap((s) => s.alerts.filter((a) => a.labels.alertname === 'Flap').map(() => s.at / MIN));
    expect(flap).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  });

  it('uses endsAt = 4 × max(interval, resend delay) after the send', () => {
    const env = makeEnv({ resendDelayMs: 5 * MIN });
    const file = env.writeRules('r.yml', 'groups: [{name: g, interval: 1m, rules: [{alert: A, expr: vector(1)}]}]');
    env.manager.update(MIN, [file]);
    evalAt(env, steps(12 * MIN, MIN));
    expect(env.sent.map((s) => [s.at / MIN, s.alerts[0]!.endsAt])).toEqual([
      [0, '1970-01-01T00:20:00.000Z'],
      [6, '1970-01-01T00:26:00.000Z'],
      [12, '1970-01-01T00:32:00.000Z'],
    ]);
  });

  it('reports rules and alerts in the API shapes', () => {
    const env = setup();
    evalAt(env, steps(3 * MIN, MIN));
    const alerts = env.manager.alertsApi().alerts;
    expect(alerts).toEqual([
      {
        labels: { alertname: 'Down', instance: 'a', job: 'api', severity: 'page' },
        annotations: { summary: 'a is down, value 0' },
        state: 'firing',
        activeAt: '1970-01-01T00:00:00Z',
        value: '0e+00',
      },
      {
        labels: { alertname: 'Flap', job: 'api' },
        annotations: {},
        state: 'firing',
        activeAt: '1970-01-01T00:00:00Z',
        keepFiringSince: '1970-01-01T00:03:00Z',
        value: '1e+00',
      },
    ]);
    const data = env.manager.rulesApi({ type: 'alert' }) as { groups: { rules: Record<string, unknown>[] }[] };
    const rule = { ...data.groups[0]!.rules[0]! };
    expect(typeof rule.evaluationTime).toBe('number');
    delete rule.evaluationTime;
    expect(rule).toEqual({
      state: 'firing',
      name: 'Down',
      query: 'up == 0',
      duration: 120,
      keepFiringFor: 0,
      labels: { severity: 'page' },
      annotations: { summary: '{{ $labels.instance }} is down, value {{ $value }}' },
      alerts: [alerts[0]],
      health: 'ok',
      lastEvaluation: '1970-01-01T00:03:00Z',
      type: 'alerting',
    });
    expect(data.groups[0]!.rules.map((r) => r.name)).toEqual(['Down', 'Flap']);
    const rec = env.manager.rulesApi({ type: 'record' }) as { groups: { name: string; interval: number; limit: number; rules: { name: string }[] }[] };
    expect(rec.groups.map((g) => [g.name, g.interval, g.limit, g.rules.map((r) => r.name)])).toEqual([['g', 60, 0, ['job:up:sum']]]);
  });

  it('clears keepFiringSince when the condition returns', () => {
    const env = makeEnv();
    env.addSeries({ __name__: 'flap' }, steps(6 * MIN, MIN).map((t) => [t, t === 2 * MIN ? 0 : 1]));
    env.manager.update(MIN, [env.writeRules('r.yml', 'groups: [{name: g, rules: [{alert: F, expr: flap > 0, keep_firing_for: 5m}]}]')]);
    evalAt(env, [0, MIN, 2 * MIN]);
    expect(env.manager.alertsApi().alerts[0]!.keepFiringSince).toBe('1970-01-01T00:02:00Z');
    evalAt(env, [3 * MIN]);
    expect(env.manager.alertsApi().alerts[0]!.keepFiringSince).toBeUndefined();
  });

  it('fails on duplicate label sets after templating and on the group limit', () => {
    const env = makeEnv();
    env.addSeries({ __name__: 'x', a: '1' }, [[0, 1]]);
    env.addSeries({ __name__: 'x', a: '2' }, [[0, 1]]);
    const file = env.writeRules(
      'r.yml',
      `groups:
- name: dup
  rules:
  - alert: A
    expr: x
    labels: {a: same}
- name: limited
  limit: 1
  rules:
  - alert: B
    expr: x
`,
    );
    env.manager.update(MIN, [file]);
    evalAt(env, [0]);
    const data = env.manager.rulesApi() as { groups: { rules: { name: string; health: string; lastError?: string; alerts: unknown[] }[] }[] };
    expect(data.groups.map((g) => g.rules.map((r) => [r.name, r.health, r.lastError, r.alerts.length]))).toEqual([
      [['A', 'err', 'vector contains metrics with the same labelset after applying alert labels', 0]],
      [['B', 'err', 'exceeded limit of 1 with 2 alerts', 0]],
    ]);
    expect(env.sent).toEqual([]);
    expect(env.query('ALERTS', 0)).toEqual([]);
  });
});

describe('templates in alerting rules', () => {
  it('expands $labels, $value, $externalLabels, .ExternalURL, humanize and query', () => {
    const env = makeEnv({ externalLabels: { dc: 'eu-1' } });
    env.addSeries({ __name__: 'disk_free_bytes', instance: 'db1:9100', job: 'node' }, [[0, 1234567890]]);
    env.addSeries({ __name__: 'disk_size_bytes', instance: 'db1:9100', job: 'node' }, [[0, 4e9]]);
    const file = env.writeRules(
      'r.yml',
      `groups:
- name: g
  rules:
  - alert: DiskLow
    expr: disk_free_bytes < 2e9
    labels:
      severity: '{{ if lt $value 1e9 }}page{{ else }}ticket{{ end }}'
      host: '{{ $labels.instance | stripPort }}'
    annotations:
      summary: '{{ humanize1024 $value }}B free on {{ .Labels.instance }} in {{ $externalLabels.dc }}'
      ratio: '{{ with query "disk_free_bytes / disk_size_bytes" }}{{ . | first | value | humanizePercentage }}{{ end }}'
      link: '{{ $externalURL }}{{ graphLink "disk_free_bytes" }}'
      bad: '{{ .Nope }}'
`,
    );
    env.manager.update(MIN, [file]);
    evalAt(env, [0]);
    expect(env.manager.alertsApi().alerts).toEqual([
      {
        labels: { alertname: 'DiskLow', host: 'db1', instance: 'db1:9100', job: 'node', severity: 'ticket' },
        annotations: {
          bad: '<error expanding template: error executing template __alert_DiskLow: template: __alert_DiskLow:1:115: executing "__alert_DiskLow" at <.Nope>: can\'t evaluate field Nope in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }>',
          link: 'http://lookout:9090/graph?g0.expr=disk_free_bytes&g0.tab=0',
          ratio: '30.86%',
          summary: '1.15GiB free on db1:9100 in eu-1',
        },
        state: 'firing',
        activeAt: '1970-01-01T00:00:00Z',
        value: '1.23456789e+09',
      },
    ]);
  });
});
