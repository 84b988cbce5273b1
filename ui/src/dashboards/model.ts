/**
 * The dashboard model: Grafana's JSON (schemaVersion ≥ 16) is the model, so a dashboard saved back is
 * still a Grafana dashboard and diffs stay small. {@link migrateDashboard} brings older shapes to it
 * (legacy `rows` → row panels with gridPos, `graph` → `timeseries`, `singlestat` → `stat`/`gauge`,
 * `table-old` → `table`); fields are read with defaults where they are used.
 */

/** Position on Grafana's 24-column grid; `h` in grid rows (30 px each). */
export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A panel query (Prometheus datasource). */
export interface Target {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  /** Minimum step, e.g. `30s`, `>1m`. */
  interval?: string;
  instant?: boolean;
  range?: boolean;
  format?: 'time_series' | 'table' | 'heatmap';
  hide?: boolean;
  [k: string]: unknown;
}

/** A threshold step: `value` null for the base step. */
export interface ThresholdStep {
  value: number | null;
  color: string;
}

/** Field options that Lookout reads (Grafana's `fieldConfig.defaults`). */
export interface FieldConfig {
  unit?: string;
  decimals?: number | null;
  min?: number | null;
  max?: number | null;
  displayName?: string;
  thresholds?: { mode?: 'absolute' | 'percentage'; steps: ThresholdStep[] };
  color?: { mode?: string; fixedColor?: string };
  mappings?: ValueMapping[];
  custom?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Grafana value mappings (value, range and special), as `fieldConfig.defaults.mappings`. */
export interface ValueMapping {
  type: 'value' | 'range' | 'special' | 'regex';
  options: Record<string, unknown>;
}

/** An override: a matcher and the properties it sets (`id` like `unit`, `custom.fillOpacity`). */
export interface Override {
  matcher: { id: string; options?: unknown };
  properties: { id: string; value?: unknown }[];
}

/** A panel as Grafana's JSON writes it; `panels` only on collapsed rows. */
export interface Panel {
  id: number;
  type: string;
  title?: string;
  description?: string;
  gridPos: GridPos;
  targets?: Target[];
  fieldConfig?: { defaults?: FieldConfig; overrides?: Override[] };
  options?: Record<string, unknown>;
  /** Minimum interval for all targets. */
  interval?: string;
  maxDataPoints?: number;
  repeat?: string;
  repeatDirection?: 'h' | 'v';
  maxPerRow?: number;
  collapsed?: boolean;
  panels?: Panel[];
  transformations?: { id: string; options?: Record<string, unknown> }[];
  [k: string]: unknown;
}

/** A templating variable (`templating.list[]`). */
export interface Variable {
  name: string;
  type: 'query' | 'custom' | 'constant' | 'interval' | 'textbox' | 'datasource' | 'adhoc' | string;
  label?: string;
  query?: string | { query?: string; [k: string]: unknown };
  definition?: string;
  regex?: string;
  sort?: number;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  hide?: number;
  current?: { text?: string | string[]; value?: string | string[] };
  options?: { text: string; value: string; selected?: boolean }[];
  auto?: boolean;
  auto_count?: number;
  auto_min?: string;
  [k: string]: unknown;
}

/** A dashboard (Grafana JSON). */
export interface Dashboard {
  uid?: string;
  title: string;
  tags?: string[];
  panels: Panel[];
  templating?: { list: Variable[] };
  time?: { from: string; to: string };
  refresh?: string | false;
  schemaVersion?: number;
  version?: number;
  [k: string]: unknown;
}

/** Height of a grid row, px, and the gap between panels, px (Grafana's GRID_CELL_HEIGHT and margin). */
export const GRID_ROW_PX = 30;
export const GRID_GAP_PX = 8;

type Json = Record<string, unknown>;

/** Legacy singlestat/graph `format` names that differ from current unit ids. */
function legacyUnit(format: unknown): string | undefined {
  return typeof format === 'string' ? format : undefined;
}

/** `"250px"` / 250 → grid rows. */
function heightToRows(h: unknown): number {
  const px = typeof h === 'number' ? h : parseInt(String(h ?? '250'), 10) || 250;
  return Math.max(1, Math.ceil(px / GRID_ROW_PX));
}

/** Converts a legacy `graph` panel to `timeseries` (units, min/max, decimals, stacking, fill, legend values). */
function fromGraph(p: Json): Json {
  const yaxes = (p.yaxes as Json[] | undefined) ?? [];
  const y = yaxes[0] ?? {};
  const defaults: FieldConfig = { ...((p.fieldConfig as Json | undefined)?.defaults as FieldConfig | undefined) };
  if (!defaults.unit && legacyUnit(y.format)) defaults.unit = legacyUnit(y.format);
  if (defaults.min == null && y.min != null && y.min !== '') defaults.min = Number(y.min);
  if (defaults.max == null && y.max != null && y.max !== '') defaults.max = Number(y.max);
  if (defaults.decimals == null && typeof p.decimals === 'number') defaults.decimals = p.decimals;
  defaults.custom = {
    ...(defaults.custom ?? {}),
    fillOpacity: typeof p.fill === 'number' ? p.fill * 10 : 10,
    lineWidth: typeof p.linewidth === 'number' ? p.linewidth : 1,
    stacking: { mode: p.stack ? 'normal' : 'none' },
    drawStyle: p.bars ? 'bars' : p.points && !p.lines ? 'points' : 'line',
  };
  const legend = (p.legend as Json | undefined) ?? {};
  const calcs = ['current', 'avg', 'min', 'max', 'total']
    .filter((k) => legend[k])
    .map((k) => ({ current: 'lastNotNull', avg: 'mean', min: 'min', max: 'max', total: 'sum' })[k]!);
  const { yaxes: _y, xaxis: _x, fill: _f, linewidth: _l, stack: _s, lines: _li, points: _po, bars: _b, legend: _le, ...rest } = p;
  return {
    ...rest,
    type: 'timeseries',
    fieldConfig: { defaults, overrides: ((p.fieldConfig as Json | undefined)?.overrides as Override[] | undefined) ?? [] },
    options: { ...((p.options as Json | undefined) ?? {}), legend: { showLegend: legend.show !== false, displayMode: legend.alignAsTable ? 'table' : 'list', placement: legend.rightSide ? 'right' : 'bottom', calcs } },
  };
}

const SINGLESTAT_CALC: Record<string, string> = { current: 'lastNotNull', avg: 'mean', min: 'min', max: 'max', total: 'sum', first: 'firstNotNull', delta: 'delta', diff: 'diff', range: 'range', name: 'lastNotNull' };

/** Converts a legacy `singlestat` panel to `stat` (or `gauge` when its gauge was shown). */
function fromSinglestat(p: Json): Json {
  const defaults: FieldConfig = {};
  if (legacyUnit(p.format)) defaults.unit = legacyUnit(p.format);
  if (typeof p.decimals === 'number') defaults.decimals = p.decimals;
  const colors = (p.colors as string[] | undefined) ?? ['green', 'orange', 'red'];
  const values = String(p.thresholds ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  defaults.thresholds = { mode: 'absolute', steps: [{ value: null, color: colors[0] ?? 'green' }, ...values.map((v, i) => ({ value: v, color: colors[i + 1] ?? 'red' }))] };
  const gauge = (p.gauge as Json | undefined) ?? {};
  if (gauge.show) {
    defaults.min = Number(gauge.minValue ?? 0);
    defaults.max = Number(gauge.maxValue ?? 100);
  }
  const colorMode = p.colorBackground ? 'background' : p.colorValue ? 'value' : 'none';
  const { format: _f, thresholds: _t, colors: _c, gauge: _g, valueName, colorBackground: _cb, colorValue: _cv, sparkline, ...rest } = p;
  return {
    ...rest,
    type: gauge.show ? 'gauge' : 'stat',
    fieldConfig: { defaults, overrides: [] },
    options: {
      reduceOptions: { calcs: [SINGLESTAT_CALC[String(valueName ?? 'avg')] ?? 'mean'], values: false, fields: '' },
      colorMode,
      graphMode: (sparkline as Json | undefined)?.show ? 'area' : 'none',
      textMode: 'auto',
    },
  };
}

/** Brings a panel's legacy type to the current one and gives it an id and gridPos when missing. */
function migratePanel(raw: Json, nextId: () => number): Panel {
  let p = raw;
  if (p.type === 'graph') p = fromGraph(p);
  else if (p.type === 'singlestat' || p.type === 'grafana-singlestat-panel') p = fromSinglestat(p);
  else if (p.type === 'table-old') p = { ...p, type: 'table' };
  const panel = p as unknown as Panel;
  if (typeof panel.id !== 'number') panel.id = nextId();
  if (Array.isArray(panel.targets)) panel.targets.forEach((t, i) => (t.refId ??= String.fromCharCode(65 + (i % 26))));
  if (Array.isArray(panel.panels)) panel.panels = panel.panels.map((c) => migratePanel(c as unknown as Json, nextId));
  return panel;
}

/**
 * Returns the dashboard in the current shape: legacy `rows` (before schemaVersion 16) become row
 * panels (collapsed ones holding their panels) with panels laid out on the 24-column grid (`span` × 2
 * columns, row `height` px → grid rows); legacy panel types are converted. A current dashboard comes
 * back with the same fields. Throws Error when `json` is not a dashboard object.
 */
export function migrateDashboard(input: unknown): Dashboard {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('dashboard must be a JSON object');
  const wrapped = (input as Json).dashboard;
  const src = structuredClone((wrapped && typeof wrapped === 'object' ? wrapped : input) as Json);
  let maxId = 0;
  const scanIds = (ps: unknown) => {
    if (!Array.isArray(ps)) return;
    for (const p of ps as Json[]) {
      if (typeof p.id === 'number') maxId = Math.max(maxId, p.id);
      scanIds(p.panels);
    }
  };
  scanIds(src.panels);
  for (const r of (src.rows as Json[] | undefined) ?? []) scanIds(r.panels);
  const nextId = () => ++maxId;

  let panels: Panel[] = [];
  if (Array.isArray(src.rows)) {
    let y = 0;
    const rows = src.rows as Json[];
    const withRowPanels = rows.length > 1 || rows.some((r) => r.showTitle || r.collapse);
    for (const row of rows) {
      const h = heightToRows(row.height);
      const children: Panel[] = [];
      let x = 0;
      let rowY = withRowPanels ? y + 1 : y;
      let lineH = 0;
      for (const rp of (row.panels as Json[] | undefined) ?? []) {
        const w = Math.max(1, Math.min(24, Math.round(Number(rp.span ?? 12) * 2)));
        const ph = rp.height !== undefined ? heightToRows(rp.height) : h;
        if (x + w > 24) {
          rowY += lineH;
          x = 0;
          lineH = 0;
        }
        const { span: _s, height: _h, ...rest } = rp;
        children.push(migratePanel({ ...rest, gridPos: { x, y: rowY, w, h: ph } }, nextId));
        x += w;
        lineH = Math.max(lineH, ph);
      }
      const bodyEnd = rowY + lineH;
      if (withRowPanels) {
        const collapsed = row.collapse === true;
        const rowPanel: Panel = { id: nextId(), type: 'row', title: String(row.title ?? ''), gridPos: { x: 0, y, w: 24, h: 1 }, collapsed, panels: collapsed ? children : [] };
        if (row.repeat) rowPanel.repeat = String(row.repeat);
        panels.push(rowPanel);
        if (!collapsed) panels.push(...children);
        y = collapsed ? y + 1 : bodyEnd;
      } else {
        panels.push(...children);
        y = bodyEnd;
      }
    }
    delete src.rows;
    src.schemaVersion = Math.max(16, Number(src.schemaVersion ?? 16));
  } else {
    panels = ((src.panels as Json[] | undefined) ?? []).map((p) => migratePanel(p, nextId));
  }
  for (const p of panels) p.gridPos ??= { x: 0, y: 0, w: 12, h: 8 };
  src.panels = panels;
  if (typeof src.title !== 'string') src.title = 'Untitled';
  return src as unknown as Dashboard;
}

/** A row section of the grid: its row panel (none for panels above the first row) and its visible panels. */
export interface Section {
  row?: Panel;
  panels: Panel[];
}

/** Splits the top-level panels into sections by row, in grid order (y, then x). */
export function sections(d: Dashboard): Section[] {
  const sorted = [...d.panels].sort((a, b) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x);
  const out: Section[] = [{ panels: [] }];
  for (const p of sorted) {
    if (p.type === 'row') out.push({ row: p, panels: p.collapsed ? (p.panels ?? []) : [] });
    else out[out.length - 1]!.panels.push(p);
  }
  return out[0]!.panels.length === 0 && out.length > 1 ? out.slice(1) : out;
}

/**
 * Collapses or expands a row as Grafana does, in place: collapsing moves the row's panels into
 * `row.panels` and pulls the panels below up; expanding puts them back below the row and pushes the
 * panels below down by their height.
 */
export function toggleRow(d: Dashboard, row: Panel): void {
  const secs = sections(d);
  const sec = secs.find((s) => s.row === row);
  if (!sec) return;
  const below = (y: number) => d.panels.filter((p) => p.gridPos.y > y && !sec.panels.includes(p));
  if (row.collapsed) {
    const inner = row.panels ?? [];
    const top = Math.min(...inner.map((p) => p.gridPos.y));
    const height = inner.length ? Math.max(...inner.map((p) => p.gridPos.y + p.gridPos.h)) - top : 0;
    for (const p of below(row.gridPos.y)) p.gridPos.y += height;
    for (const p of inner) p.gridPos.y = row.gridPos.y + 1 + (p.gridPos.y - top);
    d.panels.push(...inner);
    row.panels = [];
    row.collapsed = false;
  } else {
    const inner = sec.panels;
    const height = inner.length ? Math.max(...inner.map((p) => p.gridPos.y + p.gridPos.h)) - (row.gridPos.y + 1) : 0;
    d.panels = d.panels.filter((p) => !inner.includes(p));
    for (const p of below(row.gridPos.y)) p.gridPos.y -= height;
    row.panels = inner;
    row.collapsed = true;
  }
}

/** Every panel of the dashboard, rows' hidden panels included. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}
