/**
 * Data for dashboards from Lookout's Prometheus API: variable options (each variable resolved once,
 * in dependency order, identical requests shared through a {@link RequestCache}), panel intervals as
 * Grafana computes them, and panel queries turned into named series.
 */
import type { Dashboard, Panel, Target, Variable } from './model.js';
import {
  ALL,
  applyRegex,
  chooseSelection,
  dependencies,
  dependencyOrder,
  interpolate,
  msToDuration,
  parseCustom,
  parseInterval,
  parseVarQuery,
  queryText,
  sortOptions,
  type Builtins,
  type VarState,
  type VarStates,
} from './variables.js';

/** Shares identical GET requests: one fetch per distinct URL while the cache lives (one dashboard refresh). */
export class RequestCache {
  private pending = new Map<string, Promise<unknown>>();
  /** Number of HTTP requests actually sent. */
  sent = 0;

  /** GETs `/api/v1/<path>?<params>` and returns `data`; rejects with the API's error message. */
  get<T>(path: string, params: [string, string][]): Promise<T> {
    return this.shared(`/api/v1/${path}?${new URLSearchParams(params)}`);
  }

  /** GETs `/loki/api/v1/<path>?<params>` (Loki's query API) and returns `data`; rejects with Loki's error text (plain text, as Loki answers errors). */
  getLoki<T>(path: string, params: [string, string][]): Promise<T> {
    return this.shared(`/loki/api/v1/${path}?${new URLSearchParams(params)}`);
  }

  private shared<T>(url: string): Promise<T> {
    let p = this.pending.get(url);
    if (!p) {
      this.sent++;
      p = fetch(url).then(async (res) => {
        const text = await res.text();
        let body: { status?: string; data?: T; error?: string };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          body = { status: 'error', error: text.trim() || `${res.status} ${res.statusText}` };
        }
        if (body.status !== 'success') throw new Error(body.error ?? `${res.status} ${res.statusText}`);
        return body.data as T;
      });
      this.pending.set(url, p);
    }
    return p as Promise<T>;
  }
}

/** Epoch ms → the nanosecond timestamp string Loki's API reads. */
export function lokiNs(ms: number): string {
  return `${Math.round(ms)}000000`;
}

const DS_VAR = /^\$\{?(\w+)(?::\w+)?\}?$|^\[\[(\w+)\]\]$/;

/**
 * The plugin type (`prometheus`, `loki`, …) of a Grafana datasource reference as panels and targets
 * write it: `{type, uid}` (its `type`), a datasource variable `${ds}`/`$ds`/`[[ds]]` as uid or name
 * (the variable's `query`, the plugin id it lists), or a legacy datasource name (`loki` when the
 * name contains "loki", as Lookout has one datasource of each type). Undefined when unknown.
 */
export function datasourceType(ref: unknown, vars: VarStates): string | undefined {
  if (ref === null || ref === undefined) return undefined;
  const obj = typeof ref === 'object' ? (ref as { type?: unknown; uid?: unknown }) : undefined;
  if (obj && typeof obj.type === 'string' && obj.type !== '' && !obj.type.startsWith('$')) return obj.type;
  const name = obj ? obj.uid : ref;
  if (typeof name !== 'string') return undefined;
  const m = DS_VAR.exec(name);
  if (m) {
    const v = vars.get((m[1] ?? m[2])!)?.v;
    return v?.type === 'datasource' ? String(queryText(v)) : undefined;
  }
  return /loki/i.test(name) ? 'loki' : undefined;
}

/** Whether a target queries Loki: its own datasource when set (mixed panels), else the panel's. */
export function isLokiTarget(panel: Panel, target: Target, vars: VarStates): boolean {
  return datasourceType(target.datasource ?? panel.datasource, vars) === 'loki';
}

/** The scrape interval Grafana assumes for a Prometheus datasource without one set, ms. */
export const DEFAULT_SCRAPE_MS = 15_000;

/** Grafana's rounding of a raw interval (ms) to a "nice" one (kbn.roundInterval). */
export function roundInterval(ms: number): number {
  const steps: [number, number][] = [
    [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1500, 1000], [3500, 2000], [7500, 5000], [12500, 10000],
    [17500, 15000], [25000, 20000], [45000, 30000], [90000, 60000], [210000, 120000], [450000, 300000], [750000, 600000],
    [1050000, 900000], [1500000, 1200000], [2700000, 1800000], [5400000, 3600000], [9000000, 7200000], [16200000, 10800000],
    [32400000, 21600000], [86400000, 43200000], [604800000, 86400000], [1814400000, 604800000], [3628800000, 2592000000],
  ];
  for (const [limit, v] of steps) if (ms < limit) return v;
  return 31536000000;
}

/** A panel's query interval (ms): range / max data points rounded, at least the panel's/target's min interval and the scrape interval. */
export function panelInterval(panel: Panel, target: Target | undefined, rangeMs: number, widthPx: number, scrapeMs = DEFAULT_SCRAPE_MS): number {
  const maxPoints = panel.maxDataPoints ?? Math.max(100, Math.round(widthPx));
  const min = parseInterval(target?.interval || panel.interval || '') || scrapeMs;
  return Math.max(roundInterval(rangeMs / maxPoints), min);
}

/** `$__rate_interval` as Grafana: max(interval + scrape interval, 4 × scrape interval). */
export function rateInterval(intervalMs: number, scrapeMs = DEFAULT_SCRAPE_MS): number {
  return Math.max(intervalMs + scrapeMs, 4 * scrapeMs);
}

/** One series of a panel: display name, labels, and samples (times in seconds). */
export interface Series {
  name: string;
  refId: string;
  labels: Record<string, string>;
  times: number[];
  values: number[];
}

/** Grafana's legend: `{{label}}` replaced; empty or `__auto` → `name{labels}`. */
export function legendName(labels: Record<string, string>, legendFormat: string | undefined): string {
  if (legendFormat && legendFormat !== '__auto') return legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_w, l: string) => labels[l] ?? '');
  const { __name__: name = '', ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`);
  return pairs.length ? `${name}{${pairs.join(', ')}}` : name || 'Value';
}

type Sample = [number, string];
type Result = { resultType: 'matrix'; result: { metric: Record<string, string>; values: Sample[] }[] } | { resultType: 'vector'; result: { metric: Record<string, string>; value: Sample }[] } | { resultType: 'scalar' | 'string'; result: Sample };

/** Loki's answer to a log query (a panel of another type given one). */
type StreamsResult = { resultType: 'streams'; result: unknown[] };

/** The query window of a dashboard refresh: epoch ms. */
export interface TimeWindow {
  startMs: number;
  endMs: number;
}

/**
 * Runs a panel's visible targets and returns their series (instant targets as one sample at the
 * end). Targets of a Loki datasource ({@link isLokiTarget}) are LogQL metric queries sent to
 * `/loki/api/v1/query_range` (or `/query`) with the same window and step; their matrix and vector
 * results have Prometheus's shapes (range start/end aligned to the step as for Prometheus). `scoped` holds a repeated panel's own variable value. Rejects with the first error.
 */
export async function runPanel(
  panel: Panel,
  vars: VarStates,
  win: TimeWindow,
  widthPx: number,
  cache: RequestCache,
  scoped?: Record<string, string>,
  dashboardTitle?: string,
): Promise<Series[]> {
  const targets = (panel.targets ?? []).filter((t) => !t.hide && typeof t.expr === 'string' && t.expr.trim() !== '');
  const rangeMs = win.endMs - win.startMs;
  const parts = await Promise.all(
    targets.map(async (t) => {
      const intervalMs = panelInterval(panel, t, rangeMs, widthPx);
      const b: Builtins = { intervalMs, rateIntervalMs: rateInterval(intervalMs), rangeMs, fromMs: win.startMs, toMs: win.endMs, dashboard: dashboardTitle };
      const expr = interpolate(t.expr!, vars, b, scoped);
      const instant = t.instant === true && t.range !== true;
      const stepS = intervalMs / 1000;
      const endS = win.endMs / 1000;
      const start = Math.floor(win.startMs / 1000 / stepS) * stepS;
      const end = Math.ceil(endS / stepS) * stepS;
      let data: Result | StreamsResult;
      if (isLokiTarget(panel, t, vars)) {
        data = await (instant || t.queryType === 'instant'
          ? cache.getLoki<Result | StreamsResult>('query', [['query', expr], ['time', lokiNs(win.endMs)]])
          : cache.getLoki<Result | StreamsResult>('query_range', [['query', expr], ['start', lokiNs(start * 1000)], ['end', lokiNs(end * 1000)], ['step', String(stepS)]]));
      } else if (instant || t.format === 'table' && t.range !== true && t.instant !== false && panel.type === 'table') {
        data = await cache.get<Result>('query', [['query', expr], ['time', String(endS)]]);
      } else {
        data = await cache.get<Result>('query_range', [['query', expr], ['start', String(start)], ['end', String(end)], ['step', String(stepS)]]);
      }
      return toSeries(data, t);
    }),
  );
  return parts.flat();
}

function toSeries(data: Result | StreamsResult, t: Target): Series[] {
  const refId = t.refId ?? 'A';
  if (data.resultType === 'streams') throw new Error(`query ${refId} is a LogQL log query: use a logs panel, or a metric query such as count_over_time`);
  if (data.resultType === 'matrix') {
    return data.result.map((r) => ({ name: legendName(r.metric, t.legendFormat), refId, labels: r.metric, times: r.values.map((v) => v[0]), values: r.values.map((v) => Number(v[1])) }));
  }
  if (data.resultType === 'vector') {
    return data.result.map((r) => ({ name: legendName(r.metric, t.legendFormat), refId, labels: r.metric, times: [r.value[0]], values: [Number(r.value[1])] }));
  }
  return [{ name: t.legendFormat || 'Value', refId, labels: {}, times: [data.result[0]], values: [Number(data.result[1])] }];
}

/** Raw option values of a query variable at `win`, after interpolating the variables it uses. */
async function queryOptions(v: Variable, vars: VarStates, win: TimeWindow, cache: RequestCache): Promise<string[]> {
  const b: Builtins = { intervalMs: DEFAULT_SCRAPE_MS, rateIntervalMs: rateInterval(DEFAULT_SCRAPE_MS), rangeMs: win.endMs - win.startMs, fromMs: win.startMs, toMs: win.endMs };
  const q = parseVarQuery(interpolate(queryText(v), vars, b));
  const range: [string, string][] = [['start', String(Math.floor(win.startMs / 1000))], ['end', String(Math.ceil(win.endMs / 1000))]];
  switch (q.kind) {
    case 'label_names':
      return cache.get<string[]>('labels', q.match ? [['match[]', q.match], ...range] : range);
    case 'label_values':
      return cache.get<string[]>(`label/${encodeURIComponent(q.label)}/values`, q.match ? [['match[]', q.match], ...range] : range);
    case 'metrics': {
      const names = await cache.get<string[]>('label/__name__/values', range);
      const re = new RegExp(q.regex);
      return names.filter((n) => re.test(n));
    }
    case 'query_result': {
      const data = await cache.get<Result>('query', [['query', q.expr], ['time', String(win.endMs / 1000)]]);
      if (data.resultType === 'vector') {
        return data.result.map((r) => {
          const { __name__: name = '', ...rest } = r.metric;
          const labels = Object.keys(rest).map((k) => `${k}="${rest[k]}"`).join(',');
          return `${name}{${labels}} ${r.value[1]} ${Math.round(r.value[0] * 1000)}`;
        });
      }
      if (data.resultType === 'scalar' || data.resultType === 'string') return [`${data.resultType} ${data.result[1]} ${Math.round(data.result[0] * 1000)}`];
      return [];
    }
  }
}

/**
 * Options of an interval variable, with Grafana's `auto` option first when enabled (value
 * `$__auto_interval_<name>`), and the interval `auto` stands for: range / auto_count, rounded, at least auto_min.
 */
function intervalOptions(v: Variable, win: TimeWindow): { options: { text: string; value: string }[]; autoValue?: string } {
  const options = parseCustom(queryText(v));
  if (!v.auto) return { options };
  const auto = Math.max(roundInterval((win.endMs - win.startMs) / (v.auto_count ?? 30)), parseInterval(v.auto_min ?? '10s') || 10_000);
  return { options: [{ text: 'auto', value: `$__auto_interval_${v.name}` }, ...options], autoValue: msToDuration(auto) };
}

/**
 * Resolves the options and selection of `names` (all when undefined) in dependency order, each once;
 * `previous` keeps unchanged variables, `wanted` are selections from the URL (`var-<name>`).
 * Never rejects: a variable whose query fails gets no options and its `error`.
 */
export async function resolveVariables(
  d: Dashboard,
  win: TimeWindow,
  cache: RequestCache,
  previous: VarStates,
  wanted: Record<string, string[]>,
  names?: Set<string>,
): Promise<VarStates> {
  const list = (d.templating?.list ?? []).filter((v) => v.type !== 'adhoc');
  const ordered = dependencyOrder(list);
  const out: VarStates = new Map(previous);
  for (const v of ordered) {
    if (names && !names.has(v.name) && out.has(v.name)) continue;
    let options: { text: string; value: string }[] = [];
    let error: string | undefined;
    let autoValue: string | undefined;
    try {
      switch (v.type) {
        case 'query':
          options = sortOptions(applyRegex(await queryOptions(v, out, win, cache), v.regex), v.sort);
          break;
        case 'custom':
          options = parseCustom(queryText(v));
          break;
        case 'interval':
          ({ options, autoValue } = intervalOptions(v, win));
          break;
        case 'constant':
        case 'textbox': {
          const cur = wanted[v.name]?.[0] ?? (typeof v.current?.value === 'string' ? v.current.value : undefined) ?? queryText(v);
          options = [{ text: cur, value: cur }];
          break;
        }
        case 'datasource':
          options = [{ text: 'Lookout', value: 'lookout' }];
          break;
        default:
          options = (v.options ?? []).map((o) => ({ text: String(o.text), value: String(o.value) }));
      }
    } catch (e) {
      error = (e as Error).message;
    }
    if (v.includeAll && v.type !== 'constant' && v.type !== 'textbox') options = [{ text: 'All', value: ALL }, ...options];
    const base = { v, options, error, autoValue };
    const prev = previous.get(v.name);
    const st: VarState = { ...base, selected: chooseSelection(base, wanted[v.name] ?? prev?.selected) };
    out.set(v.name, st);
  }
  return out;
}

/** Names of the variables that depend, directly or not, on `name` (for re-resolving after a change). */
export function dependents(d: Dashboard, name: string): Set<string> {
  const list = d.templating?.list ?? [];
  const all = new Set(list.map((v) => v.name));
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const v of list) {
      if (out.has(v.name)) continue;
      const deps = new Set(dependencies(v, all));
      if (deps.has(name) || [...deps].some((n) => out.has(n))) {
        out.add(v.name);
        grew = true;
      }
    }
  }
  return out;
}

/** The values a repeated panel is repeated for (All expanded). */
export function repeatValues(st: VarState | undefined): string[] {
  if (!st) return [];
  if (st.selected.includes(ALL)) return st.options.filter((o) => o.value !== ALL).map((o) => o.value);
  return st.selected;
}
