import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/yaml.js';
import { checkLogQLRuleExpr, loadLogRuleGroups, logqlQueryFunc, NOT_A_METRIC_QUERY } from '../../../src/logs/ruler/ruler.js';
import type { Direction, LogEntryCursor, LogReader, LogTime, SelectedStream } from '../../../src/logs/types.js';
import { EMPTY_LABELS, fromObject, type Labels } from '../../../src/model/labels.js';
import { matchesAll, type Matcher } from '../../../src/model/matcher.js';
import { evalAt, makeEnv, MIN, type Env } from '../rules/harness.js';

/** An in-memory LogReader over fixed streams: entries `[ms, line]` in time order. */
class MemoryReader implements LogReader {
  constructor(private readonly streams: { labels: Labels; entries: [number, string][] }[]) {}
  select(matchers: readonly Matcher[], start: LogTime, end: LogTime, direction: Direction): SelectedStream[] {
    const before = (a: number, b: LogTime) => a < b.ms || (a === b.ms && b.nanos > 0);
    const out: SelectedStream[] = [];
    for (const s of this.streams) {
      if (!matchesAll(matchers, s.labels)) continue;
      const inRange = s.entries.filter(([ms]) => !before(ms, start) && before(ms, end));
      if (inRange.length === 0) continue;
      if (direction === 'backward') inRange.reverse();
      let i = -1;
      const cursor: LogEntryCursor = {
        next: () => ++i < inRange.length,
        get ms() {
          return inRange[i]![0];
        },
        nanos: 0,
        get line() {
          return inRange[i]![1];
        },
        metadata: EMPTY_LABELS,
      };
      out.push({ labels: s.labels, entries: cursor });
    }
    return out;
  }
  labelNames(): string[] {
    return [];
  }
  labelValues(): string[] {
    return [];
  }
}

/** The demo's request log around an error burst: errors at 5m10s, 5m20s, 5m30s, 9m30s; infos every 10 s. */
function demoReader(): MemoryReader {
  const app = fromObject({ job: 'application', level: 'error' });
  const info = fromObject({ job: 'application', level: 'info' });
  const other = fromObject({ job: 'web', level: 'error' });
  const infos: [number, string][] = [];
  for (let t = 0; t < 12 * MIN; t += 10_000) infos.push([t, `{"level":"info","status":200,"msg":"GET /health 200"}`]);
  const errs: [number, string][] = [5 * MIN + 10_000, 5 * MIN + 20_000, 5 * MIN + 30_000, 9 * MIN + 30_000].map((t) => [
    t,
    `{"level":"error","status":500,"msg":"POST /api/orders 500","error":"database query failed"}`,
  ]);
  return new MemoryReader([
    { labels: app, entries: errs },
    { labels: info, entries: infos },
    { labels: other, entries: [[5 * MIN + 15_000, 'x']] },
  ]);
}

let env: Env | undefined;
afterEach(() => {
  env?.manager.stop();
  env = undefined;
});

describe('LogQL ruler', () => {
  it('checks rule expressions as LogQL metric queries', () => {
    expect(() => checkLogQLRuleExpr('sum(count_over_time({job="a"}[1m]))')).not.toThrow();
    expect(() => checkLogQLRuleExpr('{job="a"} |= "x"')).toThrow(NOT_A_METRIC_QUERY);
    expect(() => checkLogQLRuleExpr('rate({job="a"}[1m]')).toThrow();
  });

  it('refuses a log query in a rule file with file:line', () => {
    env = makeEnv();
    const f = env.writeRules('bad.yml', `groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: '{job="a"} |= "x"'\n`);
    let err: unknown;
    try {
      loadLogRuleGroups([f], demoReader());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(`${f}:5:15: groups[0].rules[0].expr: group "g", rule 1, "A": could not parse expression: ${NOT_A_METRIC_QUERY}`);
  });

  it('evaluates instant LogQL queries at the rule evaluation time', () => {
    const q = logqlQueryFunc(demoReader());
    expect(q('sum by (job) (count_over_time({level="error"}[1m]))', 5 * MIN + 60_000)).toEqual([
      { labels: fromObject({ job: 'application' }), t: 6 * MIN, v: 3 },
      { labels: fromObject({ job: 'web' }), t: 6 * MIN, v: 1 },
    ]);
    expect(() => q('{job="application"}', 6 * MIN)).toThrow(NOT_A_METRIC_QUERY);
  });

  it('runs alerting and recording rules through the rule manager: for, templates, ALERTS, recorded series', () => {
    env = makeEnv();
    const f = env.writeRules(
      'logs.yml',
      `groups:
  - name: orders-logs
    interval: 1m
    rules:
      - record: job:log_errors:count1m
        expr: sum by (job) (count_over_time({job="application", level="error"} |= "database" [1m]))
      - alert: OrdersErrorBurst
        expr: sum by (job) (count_over_time({job="application"} | json | status >= 500 [5m])) > 2
        for: 1m
        labels:
          severity: warning
        annotations:
          summary: '{{ $labels.job }} logged {{ $value }} server errors in 5 minutes'
`,
    );
    const { groups, missing } = loadLogRuleGroups([f, `${env.dir}/none.yml`], demoReader());
    expect(missing).toEqual([`${env.dir}/none.yml`]);
    env.manager.update(60_000, [], undefined, groups);
    evalAt(env, [5 * MIN, 6 * MIN, 7 * MIN, 8 * MIN]);

    expect(env.raw('job:log_errors:count1m', 0, 10 * MIN)).toEqual([
      { labels: { __name__: 'job:log_errors:count1m', job: 'application' }, samples: [[6 * MIN, 3], [7 * MIN, 'stale']] },
    ]);
    const firing = env.sent.flatMap((s) => s.alerts.map((a) => ({ at: s.at, labels: a.labels, annotations: a.annotations, endsAt: a.endsAt })));
    expect(firing[0]).toEqual({
      at: 7 * MIN,
      labels: { alertname: 'OrdersErrorBurst', job: 'application', severity: 'warning' },
      annotations: { summary: 'application logged 3 server errors in 5 minutes' },
      endsAt: new Date(7 * MIN + 4 * MIN).toISOString(),
    });
    expect(env.query('ALERTS', 6 * MIN)).toEqual([
      { labels: { __name__: 'ALERTS', alertname: 'OrdersErrorBurst', alertstate: 'pending', job: 'application', severity: 'warning' }, value: 1 },
    ]);
    const api = env.manager.rulesApi() as { groups: { name: string; rules: { name: string; query: string; health: string }[] }[] };
    expect(api.groups[0]!.rules.map((r) => [r.name, r.health])).toEqual([
      ['job:log_errors:count1m', 'ok'],
      ['OrdersErrorBurst', 'ok'],
    ]);
  });
});
