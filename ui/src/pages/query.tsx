/**
 * Explore: one or more PromQL panels sharing a time range, each with a graph (range query) and a table
 * (instant query at the end of the range) tab. The whole state lives in the URL, so links can be
 * shared and a reload restores the page:
 * - per panel n, Prometheus's names: `gN.expr`, `gN.tab` (`graph`|`table`), `gN.stacked` (`1`),
 *   `gN.step_input` (resolution in seconds; empty = automatic);
 * - for the page: `from`, `to` (see components/time-range.tsx) and `refresh` (auto-refresh interval).
 * Prometheus's own `g0.range_input` / `g0.end_input` links are read too.
 */
import { useEffect, useState } from 'preact/hooks';
import { apiGet, type QueryData, type RangeSeries } from '../api';
import { Graph } from '../components/graph';
import { PromQLEditor } from '../components/promql-editor';
import { SeriesTable } from '../components/series-table';
import { isRelative, resolveTimeRange, TimeRangePicker, type TimeRange } from '../components/time-range';
import { parseRange } from '../format';
import { navigate, useLocation } from '../router';

const REFRESH = ['', '5s', '10s', '30s', '1m', '5m', '15m'];
const HISTORY_KEY = 'lookout.history';
const HISTORY_SIZE = 50;

interface Panel {
  expr: string;
  tab: 'graph' | 'table';
  stacked: boolean;
  step: string;
}

interface State {
  panels: Panel[];
  range: TimeRange;
  refresh: string;
}

const EMPTY_PANEL: Panel = { expr: '', tab: 'graph', stacked: false, step: '' };

function readPanel(search: URLSearchParams, n: number): Panel {
  const tab = search.get(`g${n}.tab`);
  return {
    expr: search.get(`g${n}.expr`) ?? '',
    tab: tab === 'table' || tab === '1' ? 'table' : 'graph',
    stacked: search.get(`g${n}.stacked`) === '1',
    step: search.get(`g${n}.step_input`) ?? '',
  };
}

function readRange(search: URLSearchParams): TimeRange {
  const from = search.get('from');
  const to = search.get('to');
  if (from) return { from, to: to || 'now' };
  const legacyRange = search.get('g0.range_input');
  const legacyEnd = search.get('g0.end_input');
  if (legacyRange && !Number.isNaN(parseRange(legacyRange))) {
    if (!legacyEnd) return { from: `now-${legacyRange}`, to: 'now' };
    const end = Date.parse(legacyEnd);
    if (!Number.isNaN(end)) return { from: String(end - parseRange(legacyRange) * 1000), to: String(end) };
  }
  return { from: 'now-1h', to: 'now' };
}

function readState(search: URLSearchParams): State {
  const panels: Panel[] = [];
  for (let n = 0; n === 0 || search.has(`g${n}.expr`); n++) panels.push(readPanel(search, n));
  return { panels, range: readRange(search), refresh: search.get('refresh') ?? '' };
}

function writeState(s: State): string {
  const p = new URLSearchParams();
  s.panels.forEach((panel, n) => {
    p.set(`g${n}.expr`, panel.expr);
    p.set(`g${n}.tab`, panel.tab);
    if (panel.stacked) p.set(`g${n}.stacked`, '1');
    if (panel.step) p.set(`g${n}.step_input`, panel.step);
  });
  p.set('from', s.range.from);
  p.set('to', s.range.to);
  if (s.refresh) p.set('refresh', s.refresh);
  return `/query?${p}`;
}

/** Queries run so far, newest first, from localStorage. */
function loadHistory(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function remember(expr: string): string[] {
  const next = [expr, ...loadHistory().filter((h) => h !== expr)].slice(0, HISTORY_SIZE);
  localStorage.setItem(HISTORY_KEY, JSON.stringify(next));
  return next;
}

export function QueryPage() {
  const { search } = useLocation();
  const state = readState(search);
  const [tick, setTick] = useState(0);
  const [history, setHistory] = useState(loadHistory);

  const refreshMs = state.refresh ? parseRange(state.refresh) * 1000 : NaN;
  const moving = isRelative(state.range);
  useEffect(() => {
    if (!(refreshMs > 0) || !moving) return;
    const timer = setInterval(() => setTick((t) => t + 1), refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, moving]);

  const update = (patch: Partial<State>) => navigate(writeState({ ...state, ...patch }));
  const setPanel = (n: number, patch: Partial<Panel>) =>
    update({ panels: state.panels.map((p, i) => (i === n ? { ...p, ...patch } : p)) });

  return (
    <div class="query-page">
      <div class="explore-bar">
        <TimeRangePicker value={state.range} onChange={(range) => update({ range })} />
        <label class="refresh">
          Auto-refresh{' '}
          <select value={state.refresh} onChange={(e) => update({ refresh: (e.target as HTMLSelectElement).value })}>
            {REFRESH.map((r) => (
              <option value={r}>{r || 'off'}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setTick((t) => t + 1)} title="Run all panels again">
          ↻ Refresh
        </button>
        <span class="spacer" />
        <button type="button" class="add-panel" onClick={() => update({ panels: [...state.panels, { ...EMPTY_PANEL }] })}>
          + Add panel
        </button>
      </div>
      {state.panels.map((p, n) => (
        <QueryPanel
          key={n}
          index={n}
          panel={p}
          range={state.range}
          tick={tick}
          history={history}
          onRun={(expr) => setHistory(remember(expr))}
          onChange={(patch) => setPanel(n, patch)}
          onRemove={state.panels.length > 1 ? () => update({ panels: state.panels.filter((_, i) => i !== n) }) : undefined}
        />
      ))}
    </div>
  );
}

/** The server's `data.stats` of a query asked with `stats=all` (times in seconds). */
interface ServerStats {
  timings: { evalTotalTime: number };
  samples: { totalQueryableSamples: number; peakSamples: number };
}

/** A query's `data` with the server's statistics. */
type DataWithStats = QueryData & { stats?: ServerStats };

type Result =
  | { kind: 'none' }
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'table'; data: QueryData; warnings: string[]; infos: string[]; ms: number; stats?: ServerStats }
  | {
      kind: 'graph';
      series: RangeSeries[];
      start: number;
      end: number;
      step: number;
      warnings: string[];
      infos: string[];
      ms: number;
      stats?: ServerStats;
    };

/** Automatic resolution: about 250 points over the range, at least 1 s (seconds). */
function autoStep(rangeSec: number): number {
  return Math.max(1, Math.round(rangeSec / 250));
}

function QueryPanel(props: {
  index: number;
  panel: Panel;
  range: TimeRange;
  tick: number;
  history: string[];
  onRun(expr: string): void;
  onChange(patch: Partial<Panel>): void;
  onRemove?: () => void;
}) {
  const { panel, range } = props;
  const [draft, setDraft] = useState(panel.expr);
  const [result, setResult] = useState<Result>({ kind: 'none' });
  const { history } = props;
  const [runs, setRuns] = useState(0);

  useEffect(() => setDraft(panel.expr), [panel.expr]);

  useEffect(() => {
    if (!panel.expr.trim()) {
      setResult({ kind: 'none' });
      return;
    }
    let cancelled = false;
    setResult((r) => (r.kind === 'none' || r.kind === 'error' ? { kind: 'loading' } : r));
    const t0 = performance.now();
    const run = async (): Promise<Result> => {
      const { start, end } = resolveTimeRange(range);
      const endSec = end / 1000;
      if (panel.tab === 'table') {
        const r = await apiGet<DataWithStats>('query', { query: panel.expr, time: endSec, stats: 'all' });
        return { kind: 'table', data: r.data, warnings: r.warnings, infos: r.infos, ms: performance.now() - t0, stats: r.data.stats };
      }
      const startSec = start / 1000;
      const step = panel.step ? Number(panel.step) : autoStep(endSec - startSec);
      if (!(step > 0)) throw new Error(`invalid resolution "${panel.step}": give a positive number of seconds`);
      const r = await apiGet<DataWithStats>('query_range', { query: panel.expr, start: startSec, end: endSec, step, stats: 'all' });
      if (r.data.resultType !== 'matrix') throw new Error(`unexpected result type ${r.data.resultType}`);
      return {
        kind: 'graph',
        series: r.data.result,
        start: startSec,
        end: endSec,
        step,
        warnings: r.warnings,
        infos: r.infos,
        ms: performance.now() - t0,
        stats: r.data.stats,
      };
    };
    run().then(
      (r) => !cancelled && setResult(r),
      (e: Error) => !cancelled && setResult({ kind: 'error', message: e.message }),
    );
    return () => void (cancelled = true);
  }, [panel.expr, panel.tab, panel.step, range.from, range.to, props.tick, runs]);

  const execute = (text = draft) => {
    const expr = text.trim();
    if (expr) props.onRun(expr);
    if (expr === panel.expr) setRuns((r) => r + 1);
    else props.onChange({ expr });
  };

  let autoRes = '';
  try {
    const { start, end } = resolveTimeRange(range);
    autoRes = `auto (${autoStep((end - start) / 1000)}s)`;
  } catch {
    autoRes = 'auto';
  }

  return (
    <section class="query-panel" data-panel={props.index}>
      <div class="expr-row">
        <PromQLEditor value={draft} onChange={setDraft} onExecute={execute} />
        <button class="primary execute" onClick={() => execute()} title="Shift+Enter in the editor">
          Execute
        </button>
        {props.onRemove && (
          <button class="remove-panel" onClick={props.onRemove} title="Remove this panel">
            ✕
          </button>
        )}
      </div>
      {history.length > 0 && (
        <select class="history" value="" onChange={(e) => setDraft((e.target as HTMLSelectElement).value)}>
          <option value="">Query history…</option>
          {history.map((h) => (
            <option value={h}>{h}</option>
          ))}
        </select>
      )}
      <div class="tabs">
        <button class={panel.tab === 'table' ? 'tab active' : 'tab'} onClick={() => props.onChange({ tab: 'table' })}>
          Table
        </button>
        <button class={panel.tab === 'graph' ? 'tab active' : 'tab'} onClick={() => props.onChange({ tab: 'graph' })}>
          Graph
        </button>
        {panel.tab === 'graph' && (
          <span class="controls">
            <label>
              Resolution (s){' '}
              <input
                class="step"
                value={panel.step}
                placeholder={autoRes}
                onChange={(e) => props.onChange({ step: (e.target as HTMLInputElement).value.trim() })}
              />
            </label>
            <label>
              <input type="checkbox" class="stacked" checked={panel.stacked} onChange={() => props.onChange({ stacked: !panel.stacked })} /> Stacked
            </label>
          </span>
        )}
      </div>
      <ResultView result={result} stacked={panel.stacked} />
    </section>
  );
}

function ResultView(props: { result: Result; stacked: boolean }) {
  const r = props.result;
  switch (r.kind) {
    case 'none':
      return (
        <p class="empty">
          Enter an expression, e.g. <code>rate(prometheus_http_requests_total[5m])</code>, and press Shift+Enter.
        </p>
      );
    case 'loading':
      return <p class="empty">Loading…</p>;
    case 'error':
      return <div class="error">Error: {r.message}</div>;
    case 'table': {
      const d = r.data;
      const n = d.resultType === 'vector' || d.resultType === 'matrix' ? `${d.result.length} series` : d.resultType;
      return (
        <>
          <Stats ms={r.ms} server={r.stats} warnings={r.warnings} infos={r.infos} extra={n} />
          <SeriesTable data={r.data} />
        </>
      );
    }
    case 'graph': {
      const points = r.series.reduce((n, s) => n + s.values.length, 0);
      return (
        <>
          <Stats
            ms={r.ms}
            server={r.stats}
            warnings={r.warnings}
            infos={r.infos}
            extra={`${r.series.length} series, ${points} points returned, resolution ${r.step}s`}
          />
          {r.series.length === 0 ? <p class="empty">Empty query result</p> : <Graph series={r.series} stacked={props.stacked} start={r.start} end={r.end} />}
        </>
      );
    }
  }
}

/** Server evaluation time in ms, with a precision that suits its size. */
function evalTime(seconds: number): string {
  const ms = seconds * 1000;
  return ms < 10 ? `${ms.toFixed(2)}ms` : `${Math.round(ms)}ms`;
}

/**
 * The query's figures: load time measured in the browser (request to parsed response), and from
 * the server's `stats`: its evaluation time, the samples it read and the most it held at once.
 */
function Stats(props: { ms: number; server?: ServerStats; warnings: string[]; infos: string[]; extra: string }) {
  const s = props.server;
  return (
    <>
      {props.warnings.map((w) => (
        <div class="warning">Warning: {w}</div>
      ))}
      {props.infos.map((w) => (
        <div class="info">Info: {w}</div>
      ))}
      <div class="stats">
        <span title="Measured in the browser, from request to parsed response">Load time (browser): {Math.round(props.ms)}ms</span>
        {s && (
          <>
            {' · '}
            <span class="eval-time" title="Server time to prepare, evaluate and sort the query">
              Server eval: {evalTime(s.timings.evalTotalTime)}
            </span>
            {' · '}
            <span class="samples" title="Samples the query read (Prometheus's totalQueryableSamples)">
              Samples: {s.samples.totalQueryableSamples}
            </span>
            {' · '}
            <span class="peak-samples" title="Most samples held at once while evaluating">
              Peak samples: {s.samples.peakSamples}
            </span>
          </>
        )}
        {' · '}
        {props.extra}
      </div>
    </>
  );
}
