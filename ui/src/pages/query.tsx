/**
 * Query explorer: a PromQL expression with a table (instant query) and a graph (range query) tab.
 * The whole state lives in the URL with Prometheus's parameter names (`g0.expr`, `g0.tab`,
 * `g0.range_input`, `g0.end_input`, `g0.step_input`, `g0.stacked`), so links can be shared.
 */
import { useEffect, useState } from 'preact/hooks';
import { apiGet, type QueryData, type RangeSeries } from '../api';
import { Graph } from '../components/graph';
import { SeriesTable } from '../components/series-table';
import { parseRange } from '../format';
import { navigate, useLocation } from '../router';

const RANGES = ['5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '2d', '1w'];

interface State {
  expr: string;
  tab: 'graph' | 'table';
  range: string;
  end: string;
  step: string;
  stacked: boolean;
}

function readState(search: URLSearchParams): State {
  return {
    expr: search.get('g0.expr') ?? '',
    tab: search.get('g0.tab') === 'table' || search.get('g0.tab') === '1' ? 'table' : 'graph',
    range: search.get('g0.range_input') ?? '1h',
    end: search.get('g0.end_input') ?? '',
    step: search.get('g0.step_input') ?? '',
    stacked: search.get('g0.stacked') === '1',
  };
}

function writeState(s: State): string {
  const p = new URLSearchParams();
  p.set('g0.expr', s.expr);
  p.set('g0.tab', s.tab);
  p.set('g0.range_input', s.range);
  if (s.end) p.set('g0.end_input', s.end);
  if (s.step) p.set('g0.step_input', s.step);
  if (s.stacked) p.set('g0.stacked', '1');
  return `/query?${p}`;
}

type Result =
  | { kind: 'none' }
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'table'; data: QueryData; warnings: string[]; ms: number }
  | { kind: 'graph'; series: RangeSeries[]; start: number; end: number; step: number; warnings: string[]; ms: number };

export function QueryPage() {
  const { search } = useLocation();
  const state = readState(search);
  const [draft, setDraft] = useState(state.expr);
  const [result, setResult] = useState<Result>({ kind: 'none' });
  const [history, setHistory] = useState<string[]>(() => JSON.parse(localStorage.getItem('lookout.history') ?? '[]') as string[]);

  useEffect(() => setDraft(state.expr), [state.expr]);

  useEffect(() => {
    if (!state.expr.trim()) {
      setResult({ kind: 'none' });
      return;
    }
    let cancelled = false;
    const t0 = performance.now();
    setResult({ kind: 'loading' });
    const endSec = state.end ? Date.parse(state.end) / 1000 : Date.now() / 1000;
    const run = async (): Promise<Result> => {
      if (state.tab === 'table') {
        const r = await apiGet<QueryData>('query', { query: state.expr, time: endSec });
        return { kind: 'table', data: r.data, warnings: r.warnings, ms: performance.now() - t0 };
      }
      const range = parseRange(state.range);
      if (Number.isNaN(range)) throw new Error(`invalid range "${state.range}"`);
      const start = endSec - range;
      const step = state.step ? Number(state.step) : Math.max(1, Math.round(range / 250));
      const r = await apiGet<QueryData>('query_range', { query: state.expr, start, end: endSec, step });
      if (r.data.resultType !== 'matrix') throw new Error(`unexpected result type ${r.data.resultType}`);
      return { kind: 'graph', series: r.data.result, start, end: endSec, step, warnings: r.warnings, ms: performance.now() - t0 };
    };
    run().then(
      (r) => !cancelled && setResult(r),
      (e: Error) => !cancelled && setResult({ kind: 'error', message: e.message }),
    );
    return () => void (cancelled = true);
  }, [state.expr, state.tab, state.range, state.end, state.step]);

  const update = (patch: Partial<State>) => navigate(writeState({ ...state, ...patch }));
  const execute = () => {
    const expr = draft.trim();
    if (expr) {
      const next = [expr, ...history.filter((h) => h !== expr)].slice(0, 50);
      setHistory(next);
      localStorage.setItem('lookout.history', JSON.stringify(next));
    }
    if (expr === state.expr) navigate(writeState(state), true);
    update({ expr });
  };

  return (
    <div class="query-page">
      <div class="expr-row">
        <textarea
          class="expr"
          value={draft}
          rows={Math.min(8, draft.split('\n').length)}
          placeholder="Expression (press Shift+Enter for newlines)"
          spellcheck={false}
          onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              execute();
            }
          }}
        />
        <button class="primary" onClick={execute}>
          Execute
        </button>
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
        <button class={state.tab === 'table' ? 'tab active' : 'tab'} onClick={() => update({ tab: 'table' })}>
          Table
        </button>
        <button class={state.tab === 'graph' ? 'tab active' : 'tab'} onClick={() => update({ tab: 'graph' })}>
          Graph
        </button>
        {state.tab === 'graph' && (
          <span class="controls">
            <label>
              Range{' '}
              <select value={state.range} onChange={(e) => update({ range: (e.target as HTMLSelectElement).value })}>
                {(RANGES.includes(state.range) ? RANGES : [state.range, ...RANGES]).map((r) => (
                  <option value={r}>{r}</option>
                ))}
              </select>
            </label>
            <label>
              End{' '}
              <input
                type="datetime-local"
                value={state.end ? new Date(state.end).toISOString().slice(0, 16) : ''}
                onChange={(e) => {
                  const v = (e.target as HTMLInputElement).value;
                  update({ end: v ? new Date(v + 'Z').toISOString() : '' });
                }}
              />
            </label>
            <label>
              Step (s){' '}
              <input
                class="step"
                value={state.step}
                placeholder="auto"
                onChange={(e) => update({ step: (e.target as HTMLInputElement).value })}
              />
            </label>
            <label>
              <input type="checkbox" checked={state.stacked} onChange={() => update({ stacked: !state.stacked })} /> Stacked
            </label>
          </span>
        )}
      </div>
      <ResultView result={result} stacked={state.stacked} />
    </div>
  );
}

function ResultView(props: { result: Result; stacked: boolean }) {
  const r = props.result;
  switch (r.kind) {
    case 'none':
      return <p class="empty">Enter an expression, e.g. <code>rate(app_requests_total[1m])</code>, and press Execute.</p>;
    case 'loading':
      return <p class="empty">Loading…</p>;
    case 'error':
      return <div class="error">Error: {r.message}</div>;
    case 'table':
      return (
        <>
          <Stats ms={r.ms} warnings={r.warnings} />
          <SeriesTable data={r.data} />
        </>
      );
    case 'graph':
      return (
        <>
          <Stats ms={r.ms} warnings={r.warnings} extra={`${r.series.length} series, step ${r.step}s`} />
          {r.series.length === 0 ? <p class="empty">Empty query result</p> : <Graph series={r.series} stacked={props.stacked} start={r.start} end={r.end} />}
        </>
      );
  }
}

function Stats(props: { ms: number; warnings: string[]; extra?: string }) {
  return (
    <>
      {props.warnings.map((w) => (
        <div class="warning">{w}</div>
      ))}
      <div class="stats">
        Load time: {Math.round(props.ms)}ms{props.extra ? ` · ${props.extra}` : ''}
      </div>
    </>
  );
}
