import { describe, expect, it } from 'vitest';
import { evalAt, makeEnv, MIN, steps } from './harness.js';

describe('recording rules', () => {
  it('stores results under the new name with rule and group labels (rule labels win)', () => {
    const env = makeEnv();
    env.addSeries({ __name__: 'http_requests_total', job: 'api', code: '200' }, [[0, 10]]);
    env.addSeries({ __name__: 'http_requests_total', job: 'api', code: '500' }, [[0, 2]]);
    const file = env.writeRules(
      'r.yml',
      `groups:
- name: g
  labels: {team: core, env: group}
  rules:
  - record: code:http_requests:sum
    expr: sum by (code) (http_requests_total)
    labels: {env: prod}
  - record: total:sum
    expr: sum(code:http_requests:sum)
  - record: scalar_rule
    expr: scalar(sum(http_requests_total)) * 2
`,
    );
    env.manager.update(MIN, [file]);
    evalAt(env, [0]);
    expect(env.query('{__name__=~"code:.*|total:sum|scalar_rule"}', 0)).toEqual([
      { labels: { __name__: 'code:http_requests:sum', code: '200', env: 'prod', team: 'core' }, value: 10 },
      { labels: { __name__: 'code:http_requests:sum', code: '500', env: 'prod', team: 'core' }, value: 2 },
      { labels: { __name__: 'scalar_rule', env: 'group', team: 'core' }, value: 24 },
      { labels: { __name__: 'total:sum', env: 'group', team: 'core' }, value: 12 },
    ]);
  });

  it('fails on duplicate label sets, on the limit, and on non-vector results', () => {
    const env = makeEnv();
    env.addSeries({ __name__: 'a', x: '1' }, [[0, 1]]);
    env.addSeries({ __name__: 'b', x: '1' }, [[0, 2]]);
    env.addSeries({ __name__: 'c', y: '1' }, [[0, 1]]);
    env.addSeries({ __name__: 'c', y: '2' }, [[0, 1]]);
    const file = env.writeRules(
      'r.yml',
      `groups:
- name: g
  rules:
  - record: same
    expr: '{__name__=~"a|b"}'
  - record: str
    expr: '"text"'
- name: limited
  limit: 1
  rules:
  - record: many
    expr: c
`,
    );
    env.manager.update(MIN, [file]);
    evalAt(env, [0]);
    const data = env.manager.rulesApi() as { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    expect(data.groups.flatMap((g) => g.rules.map((r) => [r.name, r.health, r.lastError]))).toEqual([
      ['same', 'err', 'vector contains metrics with the same labelset after applying rule labels'],
      ['str', 'err', 'rule result is not a vector or scalar'],
      ['many', 'err', 'exceeded limit of 1 with 2 series'],
    ]);
    expect(env.query('{__name__=~"same|many"}', 0)).toEqual([]);
  });

  it('marks a series stale when the rule stops producing it (and only that one)', () => {
    const env = makeEnv();
    env.addSeries({ __name__: 'up', job: 'a' }, steps(2 * MIN, MIN).map((t) => [t, 1]));
    env.addSeries({ __name__: 'up', job: 'b' }, [[0, 1]]);
    const file = env.writeRules('r.yml', 'groups: [{name: g, rules: [{record: job:up, expr: "up offset 0s > bool 0"}]}]');
    env.manager.update(MIN, [file]);
    evalAt(env, [0, 6 * MIN]);
    expect(env.raw('job:up', 0, 6 * MIN)).toEqual([
      { labels: { __name__: 'job:up', job: 'a' }, samples: [[0, 1], [6 * MIN, 1]] },
      { labels: { __name__: 'job:up', job: 'b' }, samples: [[0, 1], [6 * MIN, 'stale']] },
    ]);
  });

  it('queries and stores at t - query_offset', () => {
    const env = makeEnv({ defaultQueryOffsetMs: 30_000 });
    env.addSeries({ __name__: 'm' }, [
      [0, 1],
      [45_000, 2],
    ]);
    const file = env.writeRules(
      'r.yml',
      `groups:
- name: default_offset
  rules: [{record: r1, expr: m}]
- name: own_offset
  query_offset: 10s
  rules: [{record: r2, expr: m}]
`,
    );
    env.manager.update(MIN, [file]);
    evalAt(env, [MIN]);
    expect(env.raw('{__name__=~"r1|r2"}', 0, MIN)).toEqual([
      { labels: { __name__: 'r1' }, samples: [[30_000, 1]] },
      { labels: { __name__: 'r2' }, samples: [[50_000, 2]] },
    ]);
  });

  it('makes results available to later rules of the same group in the same evaluation', () => {
    const env = makeEnv();
    env.addSeries({ __name__: 'x' }, [[0, 3]]);
    const file = env.writeRules(
      'r.yml',
      `groups:
- name: g
  rules:
  - record: step1
    expr: x * 2
  - record: step2
    expr: step1 + 1
  - alert: Big
    expr: step2 > 5
`,
    );
    env.manager.update(MIN, [file]);
    evalAt(env, [0]);
    expect(env.query('step2', 0)).toEqual([{ labels: { __name__: 'step2' }, value: 7 }]);
    expect(env.manager.alertsApi().alerts.map((a) => [a.labels.alertname, a.value])).toEqual([['Big', '7e+00']]);
  });
});
