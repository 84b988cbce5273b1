/**
 * SLO files and the rules generated from them: parsing with file:line errors, the generated
 * recording rules and burn-rate alerts checked by hand against the SRE workbook, and the alerts
 * they raise on synthetic traffic (run through `lookout test rules`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileErrors, runUnitTestFile } from '../../../src/rules/unittest/run.js';
import { loadSloFile, percentToRatio } from '../../../src/rules/slo/config.js';
import { sloRuleGroup, sloRuleGroups, sloRulesYaml } from '../../../src/rules/slo/generate.js';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-slo-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const SLOS = `slos:
  - service: orders-api
    name: availability
    objective: 99
    sli:
      events:
        good: sum(rate(app_requests_total{status!~"5.."}[{{.window}}]))
        total: sum(rate(app_requests_total[{{.window}}]))
    labels: {team: backend}
    annotations: {runbook_url: 'https://runbooks.example/orders'}
  - service: orders-api
    name: latency
    objective: 99.9
    window: 28d
    sli:
      latency:
        metric: app_request_duration_seconds
        matchers: 'endpoint="/orders"'
        le: "0.5"
`;

describe('SLO files', () => {
  it('turns percentages into exact decimal ratios', () => {
    expect(['99', '99.9', '99.95', '5', '0.1', '50.50'].map(percentToRatio)).toEqual(['0.99', '0.999', '0.9995', '0.05', '0.001', '0.505']);
    expect(['100', '0', '-1', '1e2', 'abc', '100.5'].map(percentToRatio)).toEqual([null, null, null, null, null, null]);
  });

  it('reads SLOs with defaults', () => {
    const d = dir({ 'slos.yml': SLOS });
    const f = loadSloFile(join(d, 'slos.yml'));
    expect(f.slos.map((s) => [s.service, s.name, s.objectivePercent, s.objectiveRatio, s.window, s.sli.kind, s.labels])).toEqual([
      ['orders-api', 'availability', '99', '0.99', '30d', 'events', { team: 'backend' }],
      ['orders-api', 'latency', '99.9', '0.999', '28d', 'latency', {}],
    ]);
  });

  it('refuses bad entries with file:line', () => {
    const bad = (body: string) => {
      const d = dir({ 's.yml': `slos:\n  - service: a\n    name: b\n${body}` });
      try {
        loadSloFile(join(d, 's.yml'));
        return 'loaded';
      } catch (e) {
        return (e as Error).message.slice(d.length + 1);
      }
    };
    const events = '    sli: {events: {good: "sum(rate(g[{{.window}}]))", total: "sum(rate(t[{{.window}}]))"}}\n';
    expect(bad(`    objective: 100\n${events}`)).toBe('s.yml:4:16: slos[0].objective: objective must be a percentage between 0 and 100 (exclusive), got "100"');
    expect(bad(`    objective: 99\n    sli: {events: {good: "sum(rate(g[5m]))", total: "sum(rate(t[{{.window}}]))"}}\n`)).toBe(
      's.yml:5:26: slos[0].sli.events.good: the query must use {{.window}} as its range, e.g. rate(x[{{.window}}])',
    );
    expect(bad('    objective: 99\n    sli: {}\n')).toBe('s.yml:5:10: slos[0].sli: exactly one of sli.events and sli.latency must be set');
    expect(bad(`    objective: 99\n    window: 30 days\n${events}`)).toBe('s.yml:5:13: slos[0].window: not a valid duration string: "30 days"');
    expect(bad(`    objective: 99\n    target: 1\n${events}`)).toBe('s.yml:5:5: slos[0].target: field target not found in type slo');
    expect(bad(`    objective: 99\n${events}  - {service: a, name: b, objective: 9, sli: {latency: {metric: m, le: "1"}}}\n`)).toBe(
      's.yml:6:5: slos[1]: SLO "b" of service "a" is defined twice',
    );
    expect(bad(`    objective: 99\n    sli: {events: {good: "sum(rate(g[{{.window}}])", total: "sum(rate(t[{{.window}}]))"}}\n`)).toBe('loaded');
  });
});

describe('generated rules', () => {
  const d = dir({ 'slos.yml': SLOS });
  const file = loadSloFile(join(d, 'slos.yml'));

  it('records the error ratio over each workbook window and the SLO window', () => {
    const g = sloRuleGroup(file.slos[0]!);
    expect(g.name).toBe('slo:orders-api:availability');
    expect(g.rules.filter((r) => r.record?.startsWith('slo:sli_error')).map((r) => r.record)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'].map((w) => `slo:sli_error:ratio_rate${w}`),
    );
    expect(g.rules[0]).toEqual({
      record: 'slo:sli_error:ratio_rate5m',
      expr: '1 - (sum(rate(app_requests_total{status!~"5.."}[5m]))) / (sum(rate(app_requests_total[5m])))',
      labels: { service: 'orders-api', slo: 'availability' },
    });
    const latency = sloRuleGroup(file.slos[1]!);
    expect(latency.rules[2]!.expr).toBe(
      '1 - (sum(rate(app_request_duration_seconds_bucket{endpoint="/orders", le="0.5"}[1h]))) / (sum(rate(app_request_duration_seconds_count{endpoint="/orders"}[1h])))',
    );
    expect(latency.rules.map((r) => r.record ?? r.alert).slice(7)).toEqual([
      'slo:sli_error:ratio_rate28d',
      'slo:objective:ratio',
      'slo:error_budget:remaining_ratio',
      'ErrorBudgetBurn',
      'ErrorBudgetBurn',
    ]);
    expect(latency.rules[8]!.expr).toBe('vector(0.999)');
    expect(latency.rules[9]!.expr).toBe('1 - slo:sli_error:ratio_rate28d{service="orders-api", slo="latency"} / (1 - 0.999)');
  });

  it('pages at 14.4x over 1h and 5m or 6x over 6h and 30m; tickets at 3x over 1d and 2h or 1x over 3d and 6h', () => {
    const [page, ticket] = sloRuleGroup(file.slos[0]!).rules.slice(-2);
    const s = '{service="orders-api", slo="availability"}';
    expect(page).toEqual({
      alert: 'ErrorBudgetBurn',
      expr:
        `(slo:sli_error:ratio_rate1h${s} > (14.4 * (1 - 0.99)) and slo:sli_error:ratio_rate5m${s} > (14.4 * (1 - 0.99)))` +
        ` or (slo:sli_error:ratio_rate6h${s} > (6 * (1 - 0.99)) and slo:sli_error:ratio_rate30m${s} > (6 * (1 - 0.99)))`,
      labels: { team: 'backend', service: 'orders-api', slo: 'availability', severity: 'page' },
      annotations: {
        summary: '{{ $labels.service }} is burning the error budget of SLO {{ $labels.slo }} too fast',
        description:
          'Objective 99% over 30d. The error ratio ({{ $value | humanizePercentage }}) is above the budget times 14.4x over 1h and 5m, or 6x over 6h and 30m.',
        runbook_url: 'https://runbooks.example/orders',
      },
    });
    expect(ticket!.expr).toBe(
      `(slo:sli_error:ratio_rate1d${s} > (3 * (1 - 0.99)) and slo:sli_error:ratio_rate2h${s} > (3 * (1 - 0.99)))` +
        ` or (slo:sli_error:ratio_rate3d${s} > (1 * (1 - 0.99)) and slo:sli_error:ratio_rate6h${s} > (1 * (1 - 0.99)))`,
    );
    expect(ticket!.labels!.severity).toBe('ticket');
  });

  it('is a valid rule file', () => {
    const groups = sloRuleGroups(file);
    expect(groups.map((g) => [g.name, g.file, g.rules.length])).toEqual([
      ['slo:orders-api:availability', join(d, 'slos.yml'), 12],
      ['slo:orders-api:latency', join(d, 'slos.yml'), 12],
    ]);
    expect(sloRulesYaml(file).startsWith('groups:\n  - name: slo:orders-api:availability\n    rules:\n      - record: slo:sli_error:ratio_rate5m\n')).toBe(true);
  });

  it('locates a query that does not parse at its SLO', () => {
    const bad = dir({ 's.yml': 'slos:\n  - service: a\n    name: b\n    objective: 99\n    sli: {events: {good: "sum(rate(g[{{.window}}])", total: "t[{{.window}}]"}}\n' });
    expect(() => sloRuleGroups(loadSloFile(join(bad, 's.yml')))).toThrow(/^.*s\.yml:2:5: slos\[0\]: generated recording rule slo:sli_error:ratio_rate5m does not parse: /);
  });

  it('raises the alerts the workbook gives for 20% and 5% errors against a 99% objective', () => {
    // Budget 1%: 20% errors burn it 20x (page: > 14.4x; ticket: > 3x); 5% errors burn it 5x (ticket only).
    const slos = SLOS.replace('    labels: {team: backend}\n', '').replace(
      '  - service: orders-api\n    name: latency',
      `  - service: search\n    name: availability\n    objective: 99\n    sli:\n      events:\n        good: sum(rate(search_requests_total{status!~"5.."}[{{.window}}]))\n        total: sum(rate(search_requests_total[{{.window}}]))\n  - service: orders-api\n    name: latency`,
    );
    const t = dir({ 'slos.yml': slos });
    writeFileSync(join(t, 'rules.yml'), sloRulesYaml(loadSloFile(join(t, 'slos.yml'))));
    const alert = (service: string, severity: string, value: string) => `          - exp_labels: {service: ${service}, slo: availability, severity: ${severity}}
            exp_annotations:
              summary: ${service} is burning the error budget of SLO availability too fast
              description: 'Objective 99% over 30d. The error ratio (${value}) is above the budget times ${severity === 'page' ? '14.4x over 1h and 5m, or 6x over 6h and 30m' : '3x over 1d and 2h, or 1x over 3d and 6h'}.'
${service === 'orders-api' ? '              runbook_url: https://runbooks.example/orders\n' : ''}`;
    writeFileSync(
      join(t, 'test.yml'),
      `rule_files: [rules.yml]
tests:
  - interval: 1m
    input_series:
      - {series: 'app_requests_total{status="200"}', values: '0+80x20'}
      - {series: 'app_requests_total{status="500"}', values: '0+20x20'}
      - {series: 'search_requests_total{status="200"}', values: '0+95x20'}
      - {series: 'search_requests_total{status="500"}', values: '0+5x20'}
    promql_expr_test:
      - expr: round(slo:error_budget:remaining_ratio, 0.001)
        eval_time: 10m
        exp_samples:
          - {labels: '{service="orders-api", slo="availability"}', value: -19}
          - {labels: '{service="search", slo="availability"}', value: -4}
    alert_rule_test:
      - eval_time: 10m
        alertname: ErrorBudgetBurn
        exp_alerts:
${alert('orders-api', 'page', '20%')}${alert('orders-api', 'ticket', '20%')}${alert('search', 'ticket', '5%')}`,
    );
    expect(fileErrors(runUnitTestFile(join(t, 'test.yml')))).toEqual([]);
  });
});

describe('the default SLO file', () => {
  it('generates one valid group for the demo app', () => {
    const groups = sloRuleGroups(loadSloFile(join(import.meta.dirname, '..', '..', '..', 'config', 'slos.yml')));
    expect(groups.map((g) => [g.name, g.rules.length])).toEqual([['slo:orders-api:availability', 12]]);
    expect(groups[0]!.rules[0]!.expr).toBe(
      '1 - (sum(rate(app_requests_total{job="application", status!~"5.."}[5m]))) / (sum(rate(app_requests_total{job="application"}[5m])))',
    );
  });
});
