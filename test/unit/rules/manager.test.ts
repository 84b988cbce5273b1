import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../src/config/yaml.js';
import { Group } from '../../../src/rules/group.js';
import { RuleMetrics } from '../../../src/rules/metrics.js';
import { evalAt, makeEnv, MIN, steps } from './harness.js';

afterEach(() => {
  vi.useRealTimers();
});

function bareGroup(file: string, name: string, intervalMs: number): Group {
  return new Group({
    name,
    file,
    intervalMs,
    limit: 0,
    queryOffsetMs: 0,
    rules: [],
    signature: '',
    storage: { appender: () => { throw new Error('unused'); }, querier: () => { throw new Error('unused'); } },
    query: () => [],
    notify: () => undefined,
    resendDelayMs: MIN,
    outageToleranceMs: 3_600_000,
    forGracePeriodMs: 600_000,
    shouldRestore: false,
    metrics: new RuleMetrics(),
    log: null,
    now: Date.now,
  });
}

describe('group scheduling', () => {
  it('slots evaluations by the hash of file and name, as Prometheus', () => {
    // Sample timestamps written by Prometheus 2.42 for these groups: 1795992976782 and 1795992974604.
    const a = bareGroup('/tmp/promx/rules.yml', 'align-test', 10_000);
    expect(a.evalTimestamp(1795992976782 + 4000)).toBe(1795992976782);
    expect(a.evalTimestamp(1795992976782)).toBe(1795992976782);
    const b = bareGroup('/tmp/promx/rules.yml', 'another group with a much longer name to exceed thirty-two bytes', 7000);
    expect(b.evalTimestamp(1795992974604 + 6999)).toBe(1795992974604);
  });

  it('runs on its slots, counts missed iterations, and stops', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const env = makeEnv({ now: Date.now });
    const file = env.writeRules('r.yml', 'groups: [{name: g, interval: 10s, rules: [{record: r, expr: vector(1)}]}]');
    env.manager.update(MIN, [file]);
    const group = env.manager.groupList()[0]!;
    const first = group.evalTimestamp(1_000_000) + 10_000;
    env.manager.start();
    vi.advanceTimersByTime(first - 1_000_000 + 25_000);
    expect(env.raw('r', 0, 2_000_000)[0]!.samples.map(([t]) => t)).toEqual([first, first + 10_000, first + 20_000]);
    // Block the event loop for 35 s: the next tick sees three slots missed.
    vi.setSystemTime(Date.now() + 35_000);
    vi.advanceTimersToNextTimer();
    const times = env.raw('r', 0, 2_000_000)[0]!.samples.map(([t]) => t);
    expect(times.at(-1)).toBe(first + 60_000);
    const text = (name: string) => env.registry.getSingleMetric(name)!;
    return Promise.all([
      text('prometheus_rule_group_iterations_missed_total').get(),
      text('prometheus_rule_group_iterations_total').get(),
    ]).then(([missed, total]) => {
      expect(missed.values.map((v) => [v.labels.rule_group, v.value])).toEqual([[`${file};g`, 3]]);
      expect(total.values[0]!.value).toBe(7);
      env.manager.stop();
      const before = env.raw('r', 0, 4_000_000)[0]!.samples.length;
      vi.advanceTimersByTime(100_000);
      expect(env.raw('r', 0, 4_000_000)[0]!.samples.length).toBe(before);
    });
  });

  it('writes no ALERTS until for-state restoration after the second iteration at startup', () => {
    vi.useFakeTimers({ now: 3_600_000 });
    const env = makeEnv({ now: Date.now });
    env.addSeries({ __name__: 'up' }, steps(4_000_000, 10_000, 3_000_000).map((t) => [t, 0]));
    const file = env.writeRules('r.yml', 'groups: [{name: g, interval: 10s, rules: [{alert: A, expr: up == 0}]}]');
    env.manager.update(MIN, [file]);
    env.manager.start();
    const first = env.manager.groupList()[0]!.evalTimestamp(3_600_000) + 10_000;
    vi.advanceTimersByTime(first - 3_600_000 + 1);
    expect(env.raw('ALERTS', 0, 4_000_000)).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(env.raw('ALERTS', 0, 4_000_000)).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(env.raw('ALERTS', 0, 4_000_000)[0]!.samples).toEqual([[first + 20_000, 1]]);
    env.manager.stop();
  });
});

describe('reloading', () => {
  const V1 = `
groups:
- name: keep
  rules: [{alert: K, expr: vector(1)}]
- name: change
  rules: [{alert: C, expr: vector(1), annotations: {v: one}}]
- name: drop
  rules: [{record: dropped, expr: vector(1)}]
`;
  const V2 = `
groups:
- name: keep
  rules: [{alert: K, expr: vector(1)}]
- name: change
  rules: [{alert: C, expr: vector(1), annotations: {v: two}}]
`;

  it('keeps unchanged groups, carries alerts into changed ones, and marks removed series stale later', () => {
    vi.useFakeTimers({ now: 0 });
    const env = makeEnv({ now: Date.now });
    const file = env.writeRules('r.yml', V1);
    env.manager.update(MIN, [file]);
    evalAt(env, [0, MIN]);
    const [keep, change] = env.manager.groupList();
    env.writeRules('r.yml', V2);
    vi.setSystemTime(2 * MIN);
    env.manager.update(MIN, [file]);
    const [keep2, change2] = env.manager.groupList();
    expect(keep2).toBe(keep);
    expect(change2).not.toBe(change);
    expect(env.manager.groupList().map((g) => g.name)).toEqual(['keep', 'change']);
    evalAt(env, [2 * MIN]);
    expect(env.manager.alertsApi().alerts.map((a) => [a.labels.alertname, a.activeAt, a.annotations.v])).toEqual([
      ['K', '1970-01-01T00:00:00Z', undefined],
      ['C', '1970-01-01T00:00:00Z', 'two'],
    ]);
    expect(env.raw('dropped', 0, 10 * MIN)[0]!.samples).toEqual([
      [0, 1],
      [MIN, 1],
    ]);
    vi.advanceTimersByTime(2 * MIN);
    expect(env.raw('dropped', 0, 10 * MIN)[0]!.samples).toEqual([
      [0, 1],
      [MIN, 1],
      [2 * MIN, 'stale'],
    ]);
  });

  it('keeps the old groups when a file is bad', () => {
    const env = makeEnv();
    const file = env.writeRules('r.yml', V1);
    env.manager.update(MIN, [file]);
    const bad = env.writeRules('bad.yml', 'groups: [{name: x, rules: [{record: r, expr: "sum("}]}]');
    expect(() => env.manager.update(MIN, [file, bad])).toThrow(ConfigError);
    expect(env.manager.groupList().map((g) => g.name)).toEqual(['keep', 'change', 'drop']);
  });

  it('uses the default interval for groups without one', () => {
    const env = makeEnv();
    env.manager.update(30_000, [env.writeRules('r.yml', 'groups: [{name: a, rules: []}, {name: b, interval: 5s, rules: []}]')]);
    expect(env.manager.groupList().map((g) => g.intervalMs)).toEqual([30_000, 5000]);
  });
});

describe('restoring for state', () => {
  function restoreCase(forText: string, activeAtSec: number, lastSampleAt: number, restoreAt: number): string {
    const env = makeEnv();
    env.addSeries({ __name__: 'ALERTS_FOR_STATE', alertname: 'A', job: 'x' }, steps(lastSampleAt, 60_000, activeAtSec * 1000).map((t) => [t, activeAtSec]));
    env.addSeries({ __name__: 'up', job: 'x' }, steps(restoreAt + 600_000, 15_000, activeAtSec * 1000).map((t) => [t, 0]));
    env.manager.update(MIN, [env.writeRules('r.yml', `groups: [{name: g, rules: [{alert: A, expr: up == 0, for: ${forText}}]}]`)]);
    const g = env.manager.groupList()[0]!;
    g.iterate(restoreAt);
    g.restoreForState(restoreAt);
    return env.manager.alertsApi().alerts[0]!.activeAt;
  }

  it('shifts activeAt by the downtime when much of the for duration remains', () => {
    // Pending for 10m of 1h, down from 00:10 to 00:30: activeAt moves 20m later.
    expect(restoreCase('1h', 0, 600_000, 1_800_000)).toBe('1970-01-01T00:20:00Z');
  });

  it('gives at least the grace period before firing', () => {
    // Pending 10m of 15m, 5m left < 10m grace: fires 10m after restart.
    expect(restoreCase('15m', 0, 600_000, 1_800_000)).toBe('1970-01-01T00:25:00Z');
  });

  it('keeps activeAt of alerts that were already firing', () => {
    expect(restoreCase('15m', 0, 1_200_000, 1_800_000)).toBe('1970-01-01T00:00:00Z');
  });

  it('does not restore alerts whose for is below the grace period', () => {
    expect(restoreCase('5m', 0, 600_000, 1_800_000)).toBe('1970-01-01T00:30:00Z');
  });
});

describe('metrics', () => {
  it('exports evaluation metrics under upstream names', async () => {
    const env = makeEnv();
    const file = env.writeRules('r.yml', 'groups: [{name: g, interval: 15s, rules: [{record: ok, expr: vector(1)}, {record: bad, expr: "\\"s\\""}]}]');
    env.manager.update(MIN, [file]);
    const get = async (name: string) => (await env.registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels.rule_group, v.value]);
    const key = `${file};g`;
    for (const name of ['evaluations', 'evaluation_failures', 'group_iterations_missed', 'group_iterations']) {
      expect(await get(`prometheus_rule_${name}_total`), name).toEqual([[key, 0]]);
    }
    evalAt(env, [0, 15_000]);
    expect(await get('prometheus_rule_evaluations_total')).toEqual([[key, 4]]);
    expect(await get('prometheus_rule_evaluation_failures_total')).toEqual([[key, 2]]);
    expect(await get('prometheus_rule_group_interval_seconds')).toEqual([[key, 15]]);
    expect(await get('prometheus_rule_group_rules')).toEqual([[key, 2]]);
    expect(await get('prometheus_rule_group_last_evaluation_samples')).toEqual([[key, 1]]);
    expect(await get('prometheus_rule_group_last_evaluation_timestamp_seconds')).toEqual([[key, 15]]);
    expect((await get('prometheus_rule_group_last_duration_seconds'))[0]![0]).toBe(key);
  });
});
