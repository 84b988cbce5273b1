/**
 * One dashboard at `/dashboards/<uid>`: variables bar, time range, refresh, the grid of panels; in
 * edit mode panels can be added, edited, moved, resized and removed, and Save writes the file back.
 * URL state as Grafana's: `from`, `to`, `var-<name>` (repeated for multi-values), `edit`.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { navigate } from '../router';
import { resolveTimeRange, TimeRangePicker, type TimeRange } from '../components/time-range';
import { PanelEditor } from '../dashboards/editor';
import { DashboardGrid } from '../dashboards/grid';
import { allPanels, migrateDashboard, type Dashboard, type Panel } from '../dashboards/model';
import type { LoadContext } from '../dashboards/panel';
import { dependents, RequestCache, resolveVariables } from '../dashboards/query';
import { VariableBar } from '../dashboards/variable-bar';
import type { VarStates } from '../dashboards/variables';
import '../dashboards/dashboards.css';

const REFRESH = ['', '5s', '10s', '30s', '1m', '5m', '15m'];

function wantedFromURL(search: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of search) if (k.startsWith('var-')) (out[k.slice(4)] ??= []).push(v);
  return out;
}

function seconds(s: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(s);
  return m ? Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's'] : 0;
}

/** The dashboard `uid`, with the page's URL parameters `search` (from, to, var-*, refresh, edit). */
export function DashboardPage(props: { uid: string; search: URLSearchParams }) {
  const [dash, setDash] = useState<Dashboard | undefined>(undefined);
  const [loadError, setLoadError] = useState('');
  const [, setTick] = useState(0);
  const [dirty, setDirty] = useState(false);
  const [editing, setEditing] = useState(props.search.has('edit'));
  const [editPanel, setEditPanel] = useState<Panel | undefined>(undefined);
  const [status, setStatus] = useState('');
  const [range, setRange] = useState<TimeRange | undefined>(undefined);
  const [ctx, setCtx] = useState<LoadContext | undefined>(undefined);
  const [refresh, setRefresh] = useState('');
  const wanted = useRef<Record<string, string[]>>(wantedFromURL(props.search));
  const gridRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(Math.max(400, window.innerWidth - 48));

  useEffect(() => {
    let live = true;
    setDash(undefined);
    setCtx(undefined);
    fetch(`/api/dashboards/uid/${encodeURIComponent(props.uid)}`)
      .then(async (res) => {
        const body = (await res.json()) as { dashboard?: unknown; message?: string };
        if (!res.ok) throw new Error(body.message ?? `${res.status} ${res.statusText}`);
        return migrateDashboard(body.dashboard);
      })
      .then((d) => {
        if (!live) return;
        setDash(d);
        setRange({ from: props.search.get('from') ?? d.time?.from ?? 'now-6h', to: props.search.get('to') ?? d.time?.to ?? 'now' });
        setRefresh(props.search.get('refresh') ?? (typeof d.refresh === 'string' ? d.refresh : ''));
        setLoadError('');
      })
      .catch((e: Error) => live && setLoadError(e.message));
    return () => void (live = false);
  }, [props.uid]);

  useEffect(() => {
    const measure = () => gridRef.current && setWidth(gridRef.current.clientWidth || width);
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, [dash !== undefined]);

  const syncURL = (r: TimeRange, vars: VarStates, ref: string) => {
    const q = new URLSearchParams();
    q.set('from', r.from);
    q.set('to', r.to);
    for (const [name, st] of vars) if (st.v.type !== 'constant') for (const v of st.selected) q.append(`var-${name}`, v);
    if (ref) q.set('refresh', ref);
    if (editing) q.set('edit', '');
    navigate(`/dashboards/${encodeURIComponent(props.uid)}?${q}`, true);
  };

  /** Starts a refresh: a new window and request cache; variables re-resolved (`names`: only those, all when undefined). */
  const reload = async (d: Dashboard, r: TimeRange, prev: VarStates, names?: Set<string>) => {
    let win;
    try {
      const { start, end } = resolveTimeRange(r);
      win = { startMs: start, endMs: end };
    } catch (e) {
      setStatus((e as Error).message);
      return;
    }
    const cache = new RequestCache();
    const vars = await resolveVariables(d, win, cache, prev, wanted.current, names);
    for (const [n, st] of vars) wanted.current[n] = st.selected;
    setCtx({ win, vars, cache, dashboardTitle: d.title });
    syncURL(r, vars, refresh);
  };

  useEffect(() => {
    if (dash && range) void reload(dash, range, ctx?.vars ?? new Map(), ctx ? new Set((dash.templating?.list ?? []).filter((v) => v.refresh === 2).map((v) => v.name)) : undefined);
  }, [dash, range]);

  useEffect(() => {
    const s = seconds(refresh);
    if (!s || !dash || !range) return;
    const id = setInterval(() => void reload(dash, range, ctx?.vars ?? new Map(), new Set()), s * 1000);
    return () => clearInterval(id);
  }, [refresh, dash, range, ctx]);

  const changed = (isDirty: boolean) => {
    setTick((t) => t + 1);
    if (isDirty) setDirty(true);
  };

  const onVar = (name: string, values: string[]) => {
    if (!dash || !ctx || !range) return;
    const vars = new Map(ctx.vars);
    const st = vars.get(name)!;
    vars.set(name, { ...st, selected: values });
    wanted.current[name] = values;
    void reload(dash, range, vars, dependents(dash, name));
  };

  const save = async () => {
    if (!dash) return;
    setStatus('Saving…');
    const res = await fetch(`/api/dashboards/uid/${encodeURIComponent(props.uid)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(dash) });
    const body = (await res.json()) as { version?: number; message?: string; file?: string };
    if (!res.ok) return setStatus(`Save failed: ${body.message ?? res.status}`);
    dash.version = body.version;
    setDirty(false);
    setStatus(`Saved to ${body.file} (version ${body.version})`);
  };

  const addPanel = () => {
    if (!dash) return;
    const id = Math.max(0, ...allPanels(dash).map((p) => p.id)) + 1;
    const y = Math.max(0, ...dash.panels.map((p) => p.gridPos.y + p.gridPos.h));
    const p: Panel = { id, type: 'timeseries', title: 'New panel', gridPos: { x: 0, y, w: 12, h: 8 }, targets: [{ refId: 'A', expr: '', legendFormat: '', range: true }], fieldConfig: { defaults: {}, overrides: [] }, options: {} };
    dash.panels.push(p);
    changed(true);
    setEditPanel(p);
  };

  const applyPanel = (next: Panel) => {
    if (!dash || !editPanel) return;
    Object.keys(editPanel).forEach((k) => delete (editPanel as Record<string, unknown>)[k]);
    Object.assign(editPanel, next);
    setEditPanel(undefined);
    changed(true);
    if (ctx) setCtx({ ...ctx, cache: new RequestCache() });
  };

  const title = useMemo(() => dash?.title ?? props.uid, [dash, dash?.title]);
  useEffect(() => void (document.title = `${title} · Lookout`), [title]);

  if (loadError) return <p class="error">Cannot load dashboard {props.uid}: {loadError}</p>;
  if (!dash || !range) return <p class="empty">Loading dashboard…</p>;
  return (
    <div class={`dashboard-page ${editing ? 'editing' : ''}`}>
      <div class="dash-toolbar">
        <a href="/dashboards" onClick={(e) => (e.preventDefault(), navigate('/dashboards'))} class="dash-back">
          Dashboards
        </a>
        <span class="sep">/</span>
        {editing ? (
          <input class="dash-title-input" value={dash.title} onInput={(e) => ((dash.title = (e.target as HTMLInputElement).value), changed(true))} />
        ) : (
          <h2 class="dash-title">{dash.title}</h2>
        )}
        <span class="spacer" />
        <TimeRangePicker value={range} onChange={setRange} />
        <button type="button" class="refresh-button" title="Refresh" onClick={() => void reload(dash, range, ctx?.vars ?? new Map(), new Set())}>
          ⟳
        </button>
        <select class="auto-refresh" value={refresh} onChange={(e) => setRefresh((e.target as HTMLSelectElement).value)} title="Auto-refresh">
          {REFRESH.map((r) => (
            <option value={r}>{r || 'Off'}</option>
          ))}
        </select>
        {editing && (
          <button type="button" class="add-panel" onClick={addPanel}>
            + Panel
          </button>
        )}
        <button type="button" class={editing ? 'edit-toggle active' : 'edit-toggle'} onClick={() => setEditing(!editing)}>
          {editing ? 'Done editing' : 'Edit'}
        </button>
        <button type="button" class="primary save-dashboard" disabled={!dirty} onClick={() => void save()}>
          Save
        </button>
      </div>
      {status && <div class="dash-status">{status}</div>}
      {ctx && <VariableBar vars={ctx.vars} onChange={onVar} />}
      {editPanel && <PanelEditor panel={editPanel} onApply={applyPanel} onCancel={() => setEditPanel(undefined)} />}
      <div ref={gridRef}>{ctx ? <DashboardGrid dashboard={dash} ctx={ctx} editing={editing} widthPx={width} onChange={changed} onEditPanel={setEditPanel} /> : <p class="empty">Resolving variables…</p>}</div>
    </div>
  );
}
