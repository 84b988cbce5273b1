/**
 * The dashboards UI's logic without a browser: schema migration and rows, Grafana units, templating
 * (interpolation formats, variable queries, dependency order, resolution with shared requests),
 * intervals and legends; and the built-in dashboards of config/dashboards.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { migrateDashboard, sections, toggleRow, type Dashboard } from '../../../ui/src/dashboards/model.js';
import { formatValue, thresholdColor } from '../../../ui/src/dashboards/units.js';
import {
  ALL,
  applyRegex,
  dependencyOrder,
  interpolate,
  parseCustom,
  parseVarQuery,
  sortOptions,
  type VarStates,
} from '../../../ui/src/dashboards/variables.js';
import { datasourceType, dependents, isLokiTarget, legendName, panelInterval, rateInterval, RequestCache, resolveVariables, roundInterval, runPanel } from '../../../ui/src/dashboards/query.js';
import { fieldFor, reduce } from '../../../ui/src/dashboards/fields.js';
import { formatDashboard } from '../../../src/web/dashboards.js';
import { parseLogQL } from '../../../src/logs/logql/parser.js';
import { parseExpr } from '../../../src/promql/parser.js';
import { ROOT } from '../../support/processes.js';

describe('migrateDashboard', () => {
  it('turns legacy rows into row panels on the 24-column grid, graph into timeseries, singlestat into stat', () => {
    const d = migrateDashboard({
      title: 'old',
      schemaVersion: 14,
      rows: [
        { title: 'A', height: '240px', panels: [
          { id: 1, type: 'singlestat', span: 4, format: 'bytes', thresholds: '10,20', colors: ['green', 'yellow', 'red'], valueName: 'max', targets: [{ expr: 'x' }] },
          { id: 2, type: 'graph', span: 8, yaxes: [{ format: 'percent', min: 0 }], stack: true, fill: 2, legend: { show: true, current: true, max: true }, targets: [{ expr: 'y' }] },
          { id: 3, type: 'graph', span: 6, targets: [] },
        ] },
        { title: 'B', collapse: true, panels: [{ id: 4, type: 'text', span: 12, content: 'hi' }] },
      ],
    });
    expect(d.schemaVersion).toBe(16);
    expect(d.rows).toBeUndefined();
    expect(d.panels.map((p) => [p.id, p.type, p.gridPos])).toEqual([
      [5, 'row', { x: 0, y: 0, w: 24, h: 1 }],
      [1, 'stat', { x: 0, y: 1, w: 8, h: 8 }],
      [2, 'timeseries', { x: 8, y: 1, w: 16, h: 8 }],
      [3, 'timeseries', { x: 0, y: 9, w: 12, h: 8 }],
      [6, 'row', { x: 0, y: 17, w: 24, h: 1 }],
    ]);
    const stat = d.panels[1]!;
    expect(stat.fieldConfig!.defaults).toEqual({ unit: 'bytes', thresholds: { mode: 'absolute', steps: [{ value: null, color: 'green' }, { value: 10, color: 'yellow' }, { value: 20, color: 'red' }] } });
    expect(stat.options!.reduceOptions).toEqual({ calcs: ['max'], values: false, fields: '' });
    expect(stat.targets![0]!.refId).toBe('A');
    const graph = d.panels[2]!;
    expect(graph.fieldConfig!.defaults!.unit).toBe('percent');
    expect(graph.fieldConfig!.defaults!.min).toBe(0);
    expect(graph.fieldConfig!.defaults!.custom).toMatchObject({ stacking: { mode: 'normal' }, fillOpacity: 20 });
    expect((graph.options!.legend as { calcs: string[] }).calcs).toEqual(['lastNotNull', 'max']);
    expect(d.panels[4]!.collapsed).toBe(true);
    expect(d.panels[4]!.panels!.map((p) => p.id)).toEqual([4]);
  });

  it('leaves a current dashboard as it is and unwraps {dashboard}', () => {
    const src = { dashboard: { title: 't', schemaVersion: 39, panels: [{ id: 1, type: 'timeseries', gridPos: { x: 0, y: 0, w: 12, h: 8 }, targets: [{ refId: 'A', expr: 'up' }], options: { a: 1 } }] } };
    expect(migrateDashboard(src)).toEqual(src.dashboard);
  });

  it('expands and collapses rows as Grafana, moving panels below', () => {
    const d = migrateDashboard({
      title: 't',
      panels: [
        { id: 1, type: 'row', title: 'r1', collapsed: false, gridPos: { x: 0, y: 0, w: 24, h: 1 }, panels: [] },
        { id: 2, type: 'stat', gridPos: { x: 0, y: 1, w: 12, h: 4 } },
        { id: 3, type: 'row', title: 'r2', collapsed: true, gridPos: { x: 0, y: 5, w: 24, h: 1 }, panels: [{ id: 4, type: 'stat', gridPos: { x: 0, y: 20, w: 6, h: 3 } }] },
        { id: 5, type: 'row', title: 'r3', collapsed: false, gridPos: { x: 0, y: 6, w: 24, h: 1 }, panels: [] },
        { id: 6, type: 'stat', gridPos: { x: 0, y: 7, w: 6, h: 3 } },
      ],
    }) as Dashboard;
    expect(sections(d).map((s) => [s.row?.id, s.panels.map((p) => p.id)])).toEqual([[1, [2]], [3, [4]], [5, [6]]]);
    toggleRow(d, d.panels[2]!);
    expect(d.panels.find((p) => p.id === 4)!.gridPos.y).toBe(6);
    expect(d.panels.find((p) => p.id === 5)!.gridPos.y).toBe(9);
    expect(d.panels.find((p) => p.id === 6)!.gridPos.y).toBe(10);
    toggleRow(d, d.panels[0]!);
    expect(d.panels.find((p) => p.id === 1)!.panels!.map((p) => p.id)).toEqual([2]);
    expect(d.panels.find((p) => p.id === 3)!.gridPos.y).toBe(1);
    expect(sections(d).map((s) => [s.row?.id, s.panels.map((p) => p.id)])).toEqual([[1, [2]], [3, [4]], [5, [6]]]);
  });
});

describe('units', () => {
  it.each([
    [1536, 'bytes', null, '1.50 KiB'],
    [1500, 'decbytes', 1, '1.5 kB'],
    [0.25, 'percentunit', 1, '25.0%'],
    [42.123, 'percent', null, '42.1%'],
    [0.0123, 's', null, '12.3 ms'],
    [90, 's', 1, '1.5 min'],
    [250, 'ms', 0, '250 ms'],
    [1234567, 'short', 2, '1.23 Mil'],
    [12, 'reqps', 1, '12.0 req/s'],
    [3.5e6, 'bps', 1, '3.5 Mb/s'],
    [93784, 'dtdurations', null, '1d 2h 3m'],
    [7, 'none', 2, '7.00'],
    [5, 'suffix: apples', 0, '5 apples'],
    [NaN, 'bytes', null, 'NaN'],
  ])('%s in %s (decimals %s) is %s', (v, unit, dec, want) => expect(formatValue(v, unit, dec)).toBe(want));

  it('picks threshold colours, percentage mode relative to min..max', () => {
    const steps = [{ value: null, color: 'green' }, { value: 50, color: 'red' }];
    expect(thresholdColor(49, steps, 'absolute', 0, 100)).toBe('#73bf69');
    expect(thresholdColor(50, steps, 'absolute', 0, 100)).toBe('#f2495c');
    expect(thresholdColor(0.6, steps, 'percentage', 0, 1)).toBe('#f2495c');
  });
});

function vars(entries: [string, { multi?: boolean; includeAll?: boolean; allValue?: string }, string[], string[]][]): VarStates {
  return new Map(entries.map(([name, v, options, selected]) => [name, { v: { name, type: 'custom', ...v }, options: options.map((o) => ({ text: o, value: o })), selected }]));
}

describe('templating', () => {
  const vs = vars([
    ['job', {}, ['node'], ['node']],
    ['inst', { multi: true, includeAll: true }, [ALL, 'a.1:9100', 'b'], ['a.1:9100', 'b']],
    ['all', { includeAll: true, allValue: '.*' }, [ALL, 'x'], [ALL]],
    ['every', { includeAll: true }, [ALL, 'x', 'y'], [ALL]],
  ]);
  it('interpolates the reference syntaxes and formats as Grafana', () => {
    expect(interpolate('up{job="$job",i=~"${inst}"} [[job]]', vs)).toBe('up{job="node",i=~"(a\\\\.1:9100|b)"} node');
    expect(interpolate('${inst:csv} ${inst:pipe} ${inst:regex} ${inst:json} ${inst:glob}', vs)).toBe('a.1:9100,b a.1:9100|b (a\\.1:9100|b) ["a.1:9100","b"] {a.1:9100,b}');
    expect(interpolate('$all $every ${every:csv} $unknown', vs)).toBe('.* (x|y) x,y $unknown');
    expect(interpolate('$job', vs, undefined, { job: 'scoped' })).toBe('scoped');
  });
  it('interpolates the built-ins', () => {
    const b = { intervalMs: 30_000, rateIntervalMs: 60_000, rangeMs: 6 * 3600_000, fromMs: 1000, toMs: 2000 };
    expect(interpolate('$__interval $__interval_ms $__rate_interval $__range $__range_s ${__from} $__to', vs, b)).toBe('30s 30000 1m 21600s 21600 1000 2000');
  });
  it('parses variable queries', () => {
    expect(parseVarQuery('label_values(job)')).toEqual({ kind: 'label_values', label: 'job' });
    expect(parseVarQuery('label_values(node_uname_info{job="x", a=~"b,c"}, nodename)')).toEqual({ kind: 'label_values', label: 'nodename', match: 'node_uname_info{job="x", a=~"b,c"}' });
    expect(parseVarQuery('metrics(node_.*)')).toEqual({ kind: 'metrics', regex: 'node_.*' });
    expect(parseVarQuery('query_result(topk(3, up))')).toEqual({ kind: 'query_result', expr: 'topk(3, up)' });
    expect(parseVarQuery('label_names()')).toEqual({ kind: 'label_names' });
  });
  it('applies regexes, sorts, and reads custom values', () => {
    expect(applyRegex(['a{x="1"} 1 2', 'b{x="2"} 1 2', 'c 1'], '/x="([^"]+)"/')).toEqual([{ text: '1', value: '1' }, { text: '2', value: '2' }]);
    expect(applyRegex(['p-1', 'q-2'], '/(?<text>[a-z])-(?<value>\\d)/')).toEqual([{ text: 'p', value: '1' }, { text: 'q', value: '2' }]);
    expect(sortOptions([{ text: 'b10', value: '' }, { text: 'a2', value: '' }], 3).map((o) => o.text)).toEqual(['a2', 'b10']);
    expect(sortOptions([{ text: 'a', value: '' }, { text: 'B', value: '' }], 6).map((o) => o.text)).toEqual(['B', 'a']);
    expect(parseCustom('a, b\\,c, Name : v')).toEqual([{ text: 'a', value: 'a' }, { text: 'b,c', value: 'b,c' }, { text: 'Name', value: 'v' }]);
  });
  it('orders variables by dependency and rejects cycles', () => {
    const list = [
      { name: 'c', type: 'query', query: 'label_values(m{a="$a",b="${b}"}, c)' },
      { name: 'b', type: 'query', query: { query: 'label_values(m{a="[[a]]"}, b)' } },
      { name: 'a', type: 'query', query: 'label_values(a)' },
    ];
    expect(dependencyOrder(list).map((v) => v.name)).toEqual(['a', 'b', 'c']);
    expect(() => dependencyOrder([{ name: 'x', type: 'query', query: '$y' }, { name: 'y', type: 'query', query: '$x' }])).toThrow('x → y → x');
    expect([...dependents({ title: 't', panels: [], templating: { list } }, 'a')].sort()).toEqual(['b', 'c']);
  });
});

describe('variable resolution', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('resolves each variable once in dependency order, sharing identical requests', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(decodeURIComponent(url));
      const u = new URL(url, 'http://x');
      let data: unknown = [];
      if (u.pathname === '/api/v1/label/job/values') data = ['node', 'app'];
      if (u.pathname === '/api/v1/label/instance/values') data = u.searchParams.get('match[]') === 'up{job="app"}' ? ['b:1', 'a:1'] : ['n:1'];
      return new Response(JSON.stringify({ status: 'success', data }));
    });
    const d: Dashboard = {
      title: 't',
      panels: [],
      templating: {
        list: [
          { name: 'inst', type: 'query', query: 'label_values(up{job="$job"}, instance)', multi: true, includeAll: true, sort: 1 },
          { name: 'inst2', type: 'query', query: 'label_values(up{job="$job"}, instance)' },
          { name: 'job', type: 'query', query: 'label_values(job)', sort: 1, current: { value: 'app' } },
          { name: 'c', type: 'constant', query: 'k' },
          { name: 'iv', type: 'interval', query: '1m,5m', auto: true, auto_count: 10, auto_min: '1s' },
        ],
      },
    };
    const cache = new RequestCache();
    const st = await resolveVariables(d, { startMs: 0, endMs: 3600_000 }, cache, new Map(), { inst: ['a:1'] });
    expect(cache.sent).toBe(2);
    expect(urls.map((u) => u.split('?')[0])).toEqual(['/api/v1/label/job/values', '/api/v1/label/instance/values']);
    expect(st.get('job')!.selected).toEqual(['app']);
    expect(st.get('inst')!.options.map((o) => o.value)).toEqual([ALL, 'a:1', 'b:1']);
    expect(st.get('inst')!.selected).toEqual(['a:1']);
    expect(st.get('inst2')!.selected).toEqual(['b:1']);
    expect(st.get('c')!.selected).toEqual(['k']);
    expect(st.get('iv')!.options.map((o) => o.value)).toEqual(['$__auto_interval_iv', '1m', '5m']);
    expect(st.get('iv')!.selected).toEqual(['$__auto_interval_iv']);
    expect(interpolate('rate(x[$iv])', st)).toBe('rate(x[5m])');
  });
});

describe('Loki targets', () => {
  afterEach(() => vi.unstubAllGlobals());
  const vars: VarStates = new Map([
    ['logs', { v: { name: 'logs', type: 'datasource', query: 'loki' }, options: [], selected: [] }],
    ['prom', { v: { name: 'prom', type: 'datasource', query: 'prometheus' }, options: [], selected: [] }],
    ['lvl', { v: { name: 'lvl', type: 'custom', multi: true }, options: [{ text: 'a', value: 'a' }, { text: 'b', value: 'b' }], selected: ['a', 'b'] }],
  ]);

  it('tells the datasource type from a reference, a datasource variable or a legacy name', () => {
    expect(datasourceType({ type: 'loki', uid: 'x' }, vars)).toBe('loki');
    expect(datasourceType({ type: 'prometheus', uid: '${logs}' }, vars)).toBe('prometheus');
    expect(datasourceType({ uid: '${logs}' }, vars)).toBe('loki');
    expect(datasourceType('$logs', vars)).toBe('loki');
    expect(datasourceType('[[prom]]', vars)).toBe('prometheus');
    expect(datasourceType('$lvl', vars)).toBeUndefined();
    expect(datasourceType('Loki (prod)', vars)).toBe('loki');
    expect(datasourceType(null, vars)).toBeUndefined();
    const panel = { id: 1, type: 'timeseries', gridPos: { x: 0, y: 0, w: 1, h: 1 }, datasource: { type: 'datasource', uid: '-- Mixed --' } };
    expect(isLokiTarget(panel, { expr: 'x', datasource: '$logs' }, vars)).toBe(true);
    expect(isLokiTarget(panel, { expr: 'x' }, vars)).toBe(false);
  });

  it('sends LogQL metric queries of a panel to Loki query_range with variables interpolated, and reads the matrix', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url);
      const data = { resultType: 'matrix', result: [{ metric: { level: 'a' }, values: [[60, '2'], [120, '3']] }], stats: {} };
      return new Response(JSON.stringify({ status: 'success', data }));
    });
    const panel = { id: 1, type: 'timeseries', gridPos: { x: 0, y: 0, w: 24, h: 8 }, interval: '1m', datasource: '$logs', targets: [{ refId: 'A', expr: 'sum by (level) (count_over_time({job="app", level=~"$lvl"}[$__interval]))', legendFormat: '{{level}}' }] };
    const series = await runPanel(panel, vars, { startMs: 60_000, endMs: 170_000 }, 1000, new RequestCache());
    expect(series).toEqual([{ name: 'a', refId: 'A', labels: { level: 'a' }, times: [60, 120], values: [2, 3] }]);
    expect(urls.length).toBe(1);
    const u = new URL(urls[0]!, 'http://x');
    expect(u.pathname).toBe('/loki/api/v1/query_range');
    expect(Object.fromEntries(u.searchParams)).toEqual({ query: 'sum by (level) (count_over_time({job="app", level=~"(a|b)"}[1m]))', start: '60000000000', end: '180000000000', step: '60' });
  });

  it('rejects a log query in a time series panel, and reports Loki\'s plain-text errors', async () => {
    vi.stubGlobal('fetch', async (url: string) =>
      url.includes('bad') ? new Response('parse error at line 1, col 5: syntax error\n', { status: 400 }) : new Response(JSON.stringify({ status: 'success', data: { resultType: 'streams', result: [] } })),
    );
    const panel = (expr: string) => ({ id: 1, type: 'timeseries', gridPos: { x: 0, y: 0, w: 24, h: 8 }, datasource: { type: 'loki' }, targets: [{ refId: 'A', expr }] });
    await expect(runPanel(panel('{job="app"}'), vars, { startMs: 0, endMs: 60_000 }, 1000, new RequestCache())).rejects.toThrow('query A is a LogQL log query');
    await expect(runPanel(panel('{bad'), vars, { startMs: 0, endMs: 60_000 }, 1000, new RequestCache())).rejects.toThrow('parse error at line 1, col 5: syntax error');
  });
});

describe('intervals, legends and fields', () => {
  it('computes intervals as Grafana', () => {
    expect(roundInterval(36_000)).toBe(30_000);
    expect(panelInterval({ id: 1, type: 'x', gridPos: { x: 0, y: 0, w: 1, h: 1 } }, undefined, 6 * 3600_000, 600)).toBe(30_000);
    expect(panelInterval({ id: 1, type: 'x', gridPos: { x: 0, y: 0, w: 1, h: 1 }, interval: '2m' }, undefined, 3600_000, 600)).toBe(120_000);
    expect(panelInterval({ id: 1, type: 'x', gridPos: { x: 0, y: 0, w: 1, h: 1 } }, { interval: '>5s' }, 60_000, 600)).toBe(5_000);
    expect(rateInterval(30_000)).toBe(60_000);
    expect(rateInterval(120_000)).toBe(135_000);
  });
  it('names series by legendFormat', () => {
    expect(legendName({ __name__: 'up', job: 'a', instance: 'b' }, '{{job}} - {{ instance }}')).toBe('a - b');
    expect(legendName({ __name__: 'up', job: 'a' }, '__auto')).toBe('up{job="a"}');
    expect(legendName({}, '')).toBe('Value');
  });
  it('applies byName/byRegexp overrides and reduces', () => {
    const p = { id: 1, type: 'stat', gridPos: { x: 0, y: 0, w: 1, h: 1 }, fieldConfig: { defaults: { unit: 's', custom: { a: 1 } }, overrides: [{ matcher: { id: 'byName', options: 'x' }, properties: [{ id: 'unit', value: 'ms' }, { id: 'custom.transform', value: 'negative-Y' }] }, { matcher: { id: 'byRegexp', options: '^y' }, properties: [{ id: 'decimals', value: 2 }] }] } };
    expect(fieldFor(p, 'x')).toEqual({ unit: 'ms', custom: { a: 1, transform: 'negative-Y' } });
    expect(fieldFor(p, 'yy')).toEqual({ unit: 's', decimals: 2, custom: { a: 1 } });
    expect(p.fieldConfig.defaults.custom).toEqual({ a: 1 });
    expect([reduce([1, NaN, 3], 'lastNotNull'), reduce([1, 5, 3], 'max'), reduce([1, 2, 3], 'mean'), reduce([1, 0, 2], 'delta'), reduce([5, 2, 4], 'delta'), reduce([], 'sum')]).toEqual([3, 5, 2, 2, 4, null]);
  });
});

describe('built-in dashboards', () => {
  const dir = join(ROOT, 'config', 'dashboards');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it('are the five expected, stably formatted, with unique uids', () => {
    expect(files.sort()).toEqual(['alertmanager.json', 'application-red.json', 'host.json', 'lookout.json', 'slos.json']);
    const uids = files.map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(formatDashboard(JSON.parse(text)), f).toBe(text);
      return JSON.parse(text).uid as string;
    });
    expect(new Set(uids).size).toBe(files.length);
  });
  it.each(files)('%s: every query parses after interpolation, every panel type is drawn', (f) => {
    const d = migrateDashboard(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    const st: VarStates = new Map((d.templating?.list ?? []).map((v) => [v.name, { v, options: [{ text: 'x', value: 'x' }], selected: ['x'] }]));
    const b = { intervalMs: 15_000, rateIntervalMs: 60_000, rangeMs: 3600_000, fromMs: 0, toMs: 3600_000 };
    const panels = d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    for (const p of panels) {
      expect(['row', 'timeseries', 'stat', 'gauge', 'bargauge', 'table', 'text', 'heatmap', 'logs'], `${f}: ${p.title}`).toContain(p.type);
      for (const t of p.targets ?? []) {
        const parse = isLokiTarget(p, t, st) ? parseLogQL : parseExpr;
        expect(() => parse(interpolate(t.expr!, st, b)), `${f}: ${p.title}: ${t.expr}`).not.toThrow();
      }
    }
    for (const v of d.templating?.list ?? []) if (v.type === 'query') expect(parseVarQuery(interpolate(String((v.query as { query: string }).query), st)).kind).toBe('label_values');
  });
});
