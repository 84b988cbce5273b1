/**
 * The `logs` panel, as Grafana's: the entries of its Loki targets (LogQL log queries, dashboard
 * variables interpolated as for PromQL) over the dashboard's time range from `/loki/api/v1/query_range`,
 * merged and ordered by `options.sortOrder` (`Descending`, newest first, by default). Options read:
 * `showTime`, `showLabels` (the labels that differ between entries), `wrapLogMessage`, `sortOrder`,
 * `enableLogDetails` (clicking an entry expands its labels, default on). A link "open in Logs"
 * opens the first query in the logs explorer over the same range.
 */
import { useState } from 'preact/hooks';
import type { Panel } from '../model';
import { datasourceType, lokiNs, panelInterval, rateInterval, type RequestCache, type TimeWindow } from '../query';
import { interpolate, type Builtins, type VarStates } from '../variables';

/** Grafana's Loki datasource default for `maxLines` (entries asked for per query). */
export const DEFAULT_MAX_LINES = 1000;

/** One log entry of a logs panel. */
export interface LogRow {
  /** Nanoseconds since the epoch, as Loki writes them. */
  ns: string;
  line: string;
  /** The entry's stream labels (after its query's pipeline). */
  labels: Record<string, string>;
  refId: string;
}

/** What {@link runLogsPanel} loads: the entries, and the `/logs` deep link of the panel's first query. */
export interface LogsData {
  rows: LogRow[];
  explorerHref: string;
}

interface Stream {
  stream: Record<string, string>;
  values: [string, string][];
}

function compareNs(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Runs a logs panel's visible targets on Loki (`direction` backward unless the target says `forward`,
 * `limit` = the target's `maxLines` or {@link DEFAULT_MAX_LINES}) and merges their entries in the
 * panel's sort order. A target without a datasource counts as Loki (panels made in Lookout's editor
 * have none). Rejects with Loki's error text, when a target's datasource is of another type, or
 * when a query is a metric query.
 */
export async function runLogsPanel(
  panel: Panel,
  vars: VarStates,
  win: TimeWindow,
  widthPx: number,
  cache: RequestCache,
  scoped?: Record<string, string>,
  dashboardTitle?: string,
): Promise<LogsData> {
  const targets = (panel.targets ?? []).filter((t) => !t.hide && typeof t.expr === 'string' && t.expr.trim() !== '');
  const rangeMs = win.endMs - win.startMs;
  const exprs: string[] = [];
  const parts = await Promise.all(
    targets.map(async (t) => {
      const refId = t.refId ?? 'A';
      const type = datasourceType(t.datasource ?? panel.datasource, vars);
      if (type !== undefined && type !== 'loki') throw new Error(`query ${refId} uses a ${type} datasource, not Loki`);
      const intervalMs = panelInterval(panel, t, rangeMs, widthPx);
      const b: Builtins = { intervalMs, rateIntervalMs: rateInterval(intervalMs), rangeMs, fromMs: win.startMs, toMs: win.endMs, dashboard: dashboardTitle };
      const expr = interpolate(t.expr!, vars, b, scoped);
      exprs.push(expr);
      const limit = typeof t.maxLines === 'number' && t.maxLines > 0 ? t.maxLines : DEFAULT_MAX_LINES;
      const data = await cache.getLoki<{ resultType: string; result: Stream[] }>('query_range', [
        ['query', expr],
        ['start', lokiNs(win.startMs)],
        ['end', lokiNs(win.endMs)],
        ['limit', String(limit)],
        ['direction', t.direction === 'forward' ? 'forward' : 'backward'],
      ]);
      if (data.resultType !== 'streams') throw new Error(`query ${refId} is a LogQL metric query: use a time series panel`);
      const rows: LogRow[] = [];
      for (const s of data.result) for (const [ns, line] of s.values) rows.push({ ns, line, labels: s.stream, refId });
      return rows;
    }),
  );
  const ascending = panel.options?.sortOrder === 'Ascending';
  const rows = parts.flat().sort((a, b) => (ascending ? compareNs(a.ns, b.ns) : compareNs(b.ns, a.ns)));
  const explorerHref = `/logs?${new URLSearchParams({ query: exprs[0] ?? '', from: String(win.startMs), to: String(win.endMs) })}`;
  return { rows, explorerHref };
}

/** `2026-11-30 04:12:03.123` in local time, from nanoseconds. */
function entryTime(ns: string): string {
  const ms = Number(BigInt(ns) / 1_000_000n);
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().replace('T', ' ').slice(0, 23);
}

/** Label names whose value is not the same on every row (Grafana's "unique labels"). */
function varyingLabels(rows: LogRow[]): Set<string> {
  const first = rows[0]?.labels ?? {};
  const out = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r.labels)) if (first[k] !== r.labels[k]) out.add(k);
    for (const k of Object.keys(first)) if (!(k in r.labels)) out.add(k);
  }
  return out;
}

function Entry(props: { row: LogRow; showTime: boolean; unique: string[] | null; details: boolean }) {
  const [open, setOpen] = useState(false);
  const { row } = props;
  const level = row.labels.level ?? row.labels.detected_level ?? '';
  return (
    <div class={`log-entry ${level ? `level-${level.toLowerCase()}` : ''}`} data-ns={row.ns} onClick={() => props.details && setOpen(!open)}>
      {props.showTime && <span class="log-time">{entryTime(row.ns)}</span>}
      {props.unique && props.unique.length > 0 && <span class="log-unique">{props.unique.map((k) => `${k}=${row.labels[k] ?? ''}`).join(' ')}</span>}
      <span class="log-line">{row.line}</span>
      {open && (
        <table class="log-details" onClick={(e) => e.stopPropagation()}>
          <tbody>
            {Object.keys(row.labels)
              .sort()
              .map((k) => (
                <tr>
                  <td class="log-label-name">{k}</td>
                  <td class="log-label-value">{row.labels[k]}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Draws a logs panel's entries (already ordered) with the link to the logs explorer. */
export function LogsPanel(props: { panel: Panel; data: LogsData }) {
  const o = props.panel.options ?? {};
  const { rows } = props.data;
  const unique = o.showLabels === true ? [...varyingLabels(rows)].sort() : null;
  return (
    <div class={`logs-panel ${o.wrapLogMessage === true ? 'wrap' : 'nowrap'}`} data-lines={rows.length}>
      <div class="logs-panel-bar">
        <span class="logs-count">{rows.length === 1 ? '1 line' : `${rows.length} lines`}</span>
        <a class="open-in-logs" href={props.data.explorerHref}>
          open in Logs
        </a>
      </div>
      <div class="logs-panel-entries">
        {rows.length === 0 ? (
          <div class="no-data">No data</div>
        ) : (
          rows.map((r) => <Entry row={r} showTime={o.showTime === true} unique={unique} details={o.enableLogDetails !== false} />)
        )}
      </div>
    </div>
  );
}
