/** A panel frame: header (title, description, error, edit actions), its queries run, and the body for its type. */
import { useEffect, useState } from 'preact/hooks';
import type { Panel } from './model';
import { GRID_GAP_PX, GRID_ROW_PX } from './model';
import { runPanel, type RequestCache, type Series, type TimeWindow } from './query';
import type { VarStates } from './variables';
import { interpolate } from './variables';
import { BarGaugePanel, GaugePanel, StatPanel } from './panels/stat';
import { HeatmapPanel } from './panels/heatmap';
import { LogsPanel, runLogsPanel, type LogsData } from './panels/logs';
import { TablePanel } from './panels/table';
import { TextPanel } from './panels/text';
import { TimeSeriesPanel } from './panels/timeseries';

/** Panel types drawn; others show a notice. */
export const PANEL_TYPES = ['timeseries', 'stat', 'gauge', 'bargauge', 'table', 'text', 'heatmap', 'logs'];

/** Everything a panel needs to load: one refresh's window, variables and shared request cache. */
export interface LoadContext {
  win: TimeWindow;
  vars: VarStates;
  cache: RequestCache;
  dashboardTitle: string;
}

const HEADER_PX = 26;

/** Outer height of a panel `h` grid rows tall, px. */
export function panelHeightPx(h: number): number {
  return h * GRID_ROW_PX + (h - 1) * GRID_GAP_PX;
}

/** One panel: runs its targets when the load context, its queries or its repeat value change; `data-state` is `done` once drawn (or failed). */
export function PanelView(props: {
  panel: Panel;
  ctx: LoadContext;
  widthPx: number;
  scoped?: Record<string, string>;
  editing: boolean;
  onEdit?: () => void;
  onRemove?: () => void;
  onDragStart?: (e: PointerEvent, mode: 'move' | 'resize') => void;
}) {
  const { panel, ctx } = props;
  const [series, setSeries] = useState<Series[] | undefined>(undefined);
  const [logs, setLogs] = useState<LogsData | undefined>(undefined);
  const [error, setError] = useState('');
  const [state, setState] = useState<'loading' | 'done'>('loading');
  const needsData = panel.type !== 'text' && PANEL_TYPES.includes(panel.type);
  const targetsKey = JSON.stringify([panel.targets, panel.interval, panel.maxDataPoints, panel.type]);

  useEffect(() => {
    if (!needsData) {
      setState('done');
      return;
    }
    let live = true;
    setState('loading');
    const load: Promise<Series[]> =
      panel.type === 'logs'
        ? runLogsPanel(panel, ctx.vars, ctx.win, props.widthPx, ctx.cache, props.scoped, ctx.dashboardTitle).then((d) => {
            if (live) setLogs(d);
            return [];
          })
        : runPanel(panel, ctx.vars, ctx.win, props.widthPx, ctx.cache, props.scoped, ctx.dashboardTitle);
    load.then(
      (s) => {
        if (!live) return;
        setSeries(s);
        setError('');
        setState('done');
      },
      (e: Error) => {
        if (!live) return;
        setSeries([]);
        setLogs(undefined);
        setError(e.message);
        setState('done');
      },
    );
    return () => void (live = false);
  }, [ctx, targetsKey, JSON.stringify(props.scoped)]);

  const bodyHeight = panelHeightPx(panel.gridPos.h) - HEADER_PX - 8;
  const title = interpolate(panel.title ?? '', ctx.vars, undefined, props.scoped);
  let body: preact.ComponentChildren = null;
  if (!PANEL_TYPES.includes(panel.type)) body = <div class="no-data">Panel type "{panel.type}" is not supported</div>;
  else if (panel.type === 'text') body = <TextPanel panel={panel} vars={ctx.vars} />;
  else if (series === undefined) body = <div class="no-data">Loading…</div>;
  else if (panel.type === 'logs' && logs) body = <LogsPanel panel={panel} data={logs} />;
  else if (series.length === 0 && !error) body = <div class="no-data">No data</div>;
  else if (series.length === 0) body = null;
  else if (panel.type === 'timeseries') body = <TimeSeriesPanel panel={panel} series={series} startMs={ctx.win.startMs} endMs={ctx.win.endMs} height={bodyHeight} />;
  else if (panel.type === 'stat') body = <StatPanel panel={panel} series={series} height={bodyHeight} />;
  else if (panel.type === 'gauge') body = <GaugePanel panel={panel} series={series} />;
  else if (panel.type === 'bargauge') body = <BarGaugePanel panel={panel} series={series} />;
  else if (panel.type === 'table') body = <TablePanel panel={panel} series={series} />;
  else if (panel.type === 'heatmap') body = <HeatmapPanel series={series} height={bodyHeight} />;

  return (
    <div class={`dash-panel type-${panel.type}`} data-panel-id={panel.id} data-state={state} data-series={panel.type === 'logs' ? (logs?.rows.length ?? 0) : (series?.length ?? 0)}>
      <div
        class={`panel-header ${props.editing ? 'draggable' : ''}`}
        onPointerDown={(e) => {
          if (props.editing && !(e.target as HTMLElement).closest('button')) props.onDragStart?.(e, 'move');
        }}
      >
        <span class="panel-title" title={panel.description || undefined}>
          {title}
        </span>
        {error && (
          <span class="panel-error" title={error}>
            ⚠ {error}
          </span>
        )}
        {props.editing && (
          <span class="panel-actions">
            <button type="button" class="panel-edit" onClick={props.onEdit}>
              Edit
            </button>
            <button type="button" class="panel-remove" onClick={props.onRemove}>
              ✕
            </button>
          </span>
        )}
      </div>
      <div class="panel-body" style={{ height: `${bodyHeight}px` }}>
        {body}
      </div>
      {props.editing && <div class="resize-handle" onPointerDown={(e) => props.onDragStart?.(e, 'resize')} />}
    </div>
  );
}
