/**
 * Logs explorer over Lookout's Loki API: a LogQL query over a time range (`/loki/api/v1/query_range`,
 * newest first), a volume histogram (`sum(count_over_time(<query>[<bucket>]))` over the same range),
 * entries that expand on click to show their stream labels, where clicking a label adds it to the
 * query's stream selector, a label browser (`/labels`, `/label/<name>/values`) that adds matchers too,
 * and a live tail (`/loki/api/v1/tail` WebSocket). Deep links:
 * `/logs?query=…&from=…&to=…` (times as components/time-range.tsx).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { describeTimeRange, resolveTimeRange, TimeRangePicker, type TimeRange } from '../components/time-range';
import { shortNumber } from '../format';
import { navigate, useLocation } from '../router';
import { cssVar, useTheme } from '../theme';

/** Most entries asked for per query (Loki's default `limit` is 100). */
const LIMIT = 1000;
/** Most entries kept on screen while tailing. */
const TAIL_KEEP = 1000;
/** Buckets of the volume histogram. */
const BUCKETS = 60;

interface Stream {
  stream: Record<string, string>;
  values: [string, string][];
}
interface LogEntry {
  /** Nanoseconds since the epoch, as Loki's API writes them. */
  ns: string;
  line: string;
  labels: Record<string, string>;
}

/** GETs a Loki API path; Loki answers errors as plain text, so the body's text is the message. */
async function lokiGet<T>(path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`/loki/api/v1/${path}?${new URLSearchParams(params)}`);
  const text = await res.text();
  if (!res.ok) throw new Error(res.status === 404 ? 'the logs API (/loki/api/v1) is not available on this server' : text.trim() || res.statusText);
  const body = JSON.parse(text) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(body.error ?? 'query failed');
  return body.data;
}

/** Flattens streams into entries sorted newest first. */
function flatten(streams: Stream[]): LogEntry[] {
  const out: LogEntry[] = [];
  for (const s of streams) for (const [ns, line] of s.values) out.push({ ns, line, labels: s.stream });
  return out.sort((a, b) => (BigInt(b.ns) > BigInt(a.ns) ? 1 : BigInt(b.ns) < BigInt(a.ns) ? -1 : 0));
}

/**
 * Adds the matcher `name="value"` to the first stream selector of a LogQL query (quoted strings inside
 * the selector are skipped when looking for its end). A query without a selector becomes one.
 */
export function addLabelFilter(query: string, name: string, value: string): string {
  const matcher = `${name}=${JSON.stringify(value)}`;
  const open = query.indexOf('{');
  if (open < 0) return `{${matcher}}`;
  let quote = '';
  for (let i = open + 1; i < query.length; i++) {
    const c = query[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}') {
      const inside = query.slice(open + 1, i).trim();
      return `${query.slice(0, open + 1)}${inside ? `${inside}, ` : ''}${matcher}${query.slice(i)}`;
    }
  }
  return query;
}

/** `2026-11-30 04:12:03.123` in local time, from nanoseconds. */
function entryTime(ns: string): string {
  const ms = Number(BigInt(ns) / 1_000_000n);
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().replace('T', ' ').slice(0, 23);
}

function Volume(props: { times: number[]; counts: number[] }) {
  const el = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  useEffect(() => {
    if (!el.current) return;
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid'), width: 1 } };
    const bars = uPlot.paths.bars!({ size: [0.8, 40] });
    const plot = new uPlot(
      {
        width: el.current.clientWidth || 900,
        height: 120,
        legend: { show: false },
        axes: [axis, { ...axis, values: (_u, t) => t.map(shortNumber), size: 50 }],
        series: [{}, { label: 'entries', stroke: cssVar('--link'), fill: cssVar('--link') + '88', paths: bars, points: { show: false } }],
      },
      [props.times, props.counts],
      el.current,
    );
    return () => plot.destroy();
  }, [props.times, props.counts, theme]);
  return <div class="logs-volume" ref={el} data-total={props.counts.reduce((a, b) => a + b, 0)} />;
}

/**
 * Picks a label name (`/loki/api/v1/labels`) and one of its values (`/loki/api/v1/label/<name>/values`)
 * over the time range, and adds the pair to the query.
 */
function LabelBrowser(props: { range: TimeRange; onAdd(name: string, value: string): void }) {
  const [names, setNames] = useState<string[]>([]);
  const [name, setName] = useState('');
  const [values, setValues] = useState<string[]>([]);
  const span = () => {
    const { start, end } = resolveTimeRange(props.range);
    return { start: `${start}000000`, end: `${end}000000` };
  };
  useEffect(() => {
    lokiGet<string[]>('labels', span()).then(
      (n) => setNames(n ?? []),
      () => setNames([]),
    );
  }, [props.range.from, props.range.to]);
  useEffect(() => {
    if (!name) return setValues([]);
    lokiGet<string[]>(`label/${encodeURIComponent(name)}/values`, span()).then(
      (v) => setValues(v ?? []),
      () => setValues([]),
    );
  }, [name, props.range.from, props.range.to]);
  if (names.length === 0) return null;
  return (
    <div class="label-browser">
      <select class="label-name" value={name} onChange={(e) => setName((e.target as HTMLSelectElement).value)}>
        <option value="">Label…</option>
        {names.map((n) => (
          <option value={n}>{n}</option>
        ))}
      </select>
      {name && (
        <select
          class="label-value"
          value=""
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            if (v) props.onAdd(name, v);
          }}
        >
          <option value="">{values.length} values…</option>
          {values.map((v) => (
            <option value={v}>{v}</option>
          ))}
        </select>
      )}
    </div>
  );
}

function Entry(props: { entry: LogEntry; onFilter(name: string, value: string): void }) {
  const [open, setOpen] = useState(false);
  const e = props.entry;
  const level = e.labels.level ?? e.labels.detected_level ?? '';
  return (
    <li class={`log-entry${open ? ' open' : ''}${level ? ` level-${level}` : ''}`} onClick={() => setOpen(!open)}>
      <span class="log-time">{entryTime(e.ns)}</span>
      <span class="log-line">{e.line}</span>
      {open && (
        <div class="log-labels" onClick={(ev) => ev.stopPropagation()}>
          {Object.entries(e.labels)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => (
              <button type="button" class="badge" title="Add to the query" onClick={() => props.onFilter(k, v)}>
                {k}="{v}"
              </button>
            ))}
        </div>
      )}
    </li>
  );
}

export function LogsPage() {
  const { search } = useLocation();
  const query = search.get('query') ?? '';
  const range: TimeRange = { from: search.get('from') ?? 'now-1h', to: search.get('to') ?? 'now' };
  const [draft, setDraft] = useState(query);
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [volume, setVolume] = useState<{ times: number[]; counts: number[] }>();
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const [tailing, setTailing] = useState(false);
  const [runs, setRuns] = useState(0);

  useEffect(() => setDraft(query), [query]);

  const go = (patch: { query?: string; range?: TimeRange }) => {
    const r = patch.range ?? range;
    const p = new URLSearchParams({ query: patch.query ?? query, from: r.from, to: r.to });
    navigate(`/logs?${p}`);
  };

  useEffect(() => {
    if (!query.trim() || tailing) return;
    let alive = true;
    setLoading(true);
    setError('');
    const run = async () => {
      const { start, end } = resolveTimeRange(range);
      const ns = (ms: number) => `${ms}000000`;
      const step = Math.max(1, Math.ceil((end - start) / 1000 / BUCKETS));
      const [logs, counts] = await Promise.all([
        lokiGet<{ resultType: string; result: Stream[] }>('query_range', {
          query,
          start: ns(start),
          end: ns(end),
          limit: String(LIMIT),
          direction: 'backward',
        }),
        lokiGet<{ resultType: string; result: { values: [number, string][] }[] }>('query_range', {
          query: `sum(count_over_time(${query} [${step}s]))`,
          start: ns(start),
          end: ns(end),
          step: `${step}s`,
        }).catch(() => undefined),
      ]);
      if (logs.resultType !== 'streams') throw new Error(`the query returns ${logs.resultType}, not log lines: use the explore page for metric queries`);
      if (!alive) return;
      setEntries(flatten(logs.result));
      const times: number[] = [];
      const values: number[] = [];
      // Loki evaluates at start, start + step, … ≤ end (seconds); missing buckets are empty.
      for (let ms = start; ms <= end; ms += step * 1000) times.push(ms / 1000);
      const byTime = new Map((counts?.result[0]?.values ?? []).map(([t, v]) => [Math.round(t * 1000), Number(v)]));
      for (const t of times) values.push(byTime.get(Math.round(t * 1000)) ?? 0);
      setVolume(counts ? { times, counts: values } : undefined);
    };
    run().then(
      () => alive && setLoading(false),
      (e: Error) => {
        if (!alive) return;
        setLoading(false);
        setEntries([]);
        setVolume(undefined);
        setError(e.message);
      },
    );
    return () => void (alive = false);
  }, [query, range.from, range.to, tailing, runs]);

  useEffect(() => {
    if (!tailing || !query.trim()) return;
    setError('');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const p = new URLSearchParams({ query, start: `${Date.now() - 60_000}000000`, limit: '100' });
    const ws = new WebSocket(`${proto}//${location.host}/loki/api/v1/tail?${p}`);
    ws.onmessage = (m) => {
      const frame = JSON.parse(String(m.data)) as { streams?: Stream[] };
      const fresh = flatten(frame.streams ?? []);
      if (fresh.length) setEntries((old) => [...fresh, ...old].slice(0, TAIL_KEEP));
    };
    ws.onclose = (ev) => {
      if (ev.code !== 1000 && ev.code !== 1005) setError(`live tail closed: ${ev.reason || `code ${ev.code}`}`);
      setTailing(false);
    };
    setEntries([]);
    setVolume(undefined);
    return () => ws.close(1000);
  }, [tailing, query]);

  const submit = (e: Event) => {
    e.preventDefault();
    if (draft === query) setRuns((r) => r + 1);
    else go({ query: draft });
  };

  return (
    <div class="logs-page">
      <form class="logs-bar" onSubmit={submit}>
        <input
          class="logql"
          name="query"
          value={draft}
          spellcheck={false}
          placeholder='LogQL, e.g. {job="app"} |= "error"'
          onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="primary">
          Run
        </button>
        <TimeRangePicker value={range} onChange={(r) => go({ range: r })} />
        <label class="tail-toggle">
          <input type="checkbox" checked={tailing} onChange={() => setTailing(!tailing)} /> Live tail
        </label>
      </form>
      <LabelBrowser range={range} onAdd={(k, v) => go({ query: addLabelFilter(query || draft, k, v) })} />
      {error && <div class="error">Error: {error}</div>}
      {!query.trim() && <p class="empty">Enter a LogQL query, e.g. <code>{'{job="application"}'}</code>, and press Enter.</p>}
      {volume && <Volume times={volume.times} counts={volume.counts} />}
      {query.trim() && !error && (
        <div class="stats">
          {tailing ? 'Live tail: newest first' : loading ? 'Loading…' : `${entries.length} entries${entries.length === LIMIT ? ` (the newest ${LIMIT})` : ''} · ${describeTimeRange(range)}`}
        </div>
      )}
      <ul class="log-entries">
        {entries.map((e) => (
          <Entry entry={e} onFilter={(k, v) => go({ query: addLabelFilter(query, k, v) })} />
        ))}
      </ul>
    </div>
  );
}
