/**
 * The dashboard grid: sections by row (row headers toggle collapsed rows), panels placed on the
 * 24-column grid by gridPos, repeated rows and panels expanded per variable value (panels horizontally
 * by default, `maxPerRow` per line, or vertically; a repeated row's copies collapse together), and in edit mode move (drag the header) and resize (drag the
 * corner) with panels below pushed down.
 */
import { useRef, useState } from 'preact/hooks';
import { sections, toggleRow, GRID_GAP_PX, GRID_ROW_PX, type Dashboard, type GridPos, type Panel } from './model';
import { PanelView, type LoadContext } from './panel';
import { repeatValues } from './query';
import { interpolate } from './variables';

interface Item {
  panel: Panel;
  key: string;
  scoped?: Record<string, string>;
  pos: GridPos;
  clone: boolean;
}

/** Places a section's panels (positions relative to the section), expanding repeats and pushing later panels down. */
export function layoutSection(panels: Panel[], offset: number, ctx: LoadContext, rowScope?: Record<string, string>, keyPrefix = ''): Item[] {
  const sorted = [...panels].sort((a, b) => a.gridPos.y - b.gridPos.y || a.gridPos.x - b.gridPos.x);
  const extras: { below: number; add: number }[] = [];
  const items: Item[] = [];
  for (const p of sorted) {
    const rel = { ...p.gridPos, y: p.gridPos.y - offset };
    const shift = extras.filter((e) => rel.y >= e.below).reduce((a, e) => a + e.add, 0);
    const values = p.repeat ? repeatValues(ctx.vars.get(p.repeat)) : [];
    if (!p.repeat || values.length === 0) {
      items.push({ panel: p, key: `${keyPrefix}${p.id}`, scoped: rowScope, pos: { ...rel, y: rel.y + shift }, clone: keyPrefix !== '' });
      continue;
    }
    const vertical = p.repeatDirection === 'v';
    const w = vertical ? rel.w : p.maxPerRow ? Math.max(1, Math.floor(24 / Math.min(p.maxPerRow, values.length))) : rel.w;
    const perLine = vertical ? 1 : Math.max(1, Math.floor(24 / w));
    values.forEach((v, i) => {
      const line = Math.floor(i / perLine);
      const x = vertical ? rel.x : (i % perLine) * w;
      items.push({ panel: p, key: `${keyPrefix}${p.id}-${v}`, scoped: { ...rowScope, [p.repeat!]: v }, pos: { x, y: rel.y + shift + line * rel.h, w, h: rel.h }, clone: i > 0 || keyPrefix !== '' });
    });
    const lines = Math.ceil(values.length / perLine);
    extras.push({ below: rel.y + rel.h, add: (lines - 1) * rel.h });
  }
  return items;
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Pushes panels overlapping `moved` (and then each other) down, in place. */
export function pushDown(panels: Panel[], moved: Panel): void {
  const queue = [moved];
  while (queue.length) {
    const m = queue.shift()!;
    for (const p of panels) {
      if (p === m || p === moved || !overlaps(p.gridPos, m.gridPos)) continue;
      p.gridPos.y = m.gridPos.y + m.gridPos.h;
      queue.push(p);
    }
  }
}

interface Drag {
  panel: Panel;
  mode: 'move' | 'resize';
  startX: number;
  startY: number;
  orig: GridPos;
  pos: GridPos;
}

/** The grid of a dashboard; mutates `dashboard` in place for row toggles, moves, resizes and removals, then calls `onChange`. */
export function DashboardGrid(props: {
  dashboard: Dashboard;
  ctx: LoadContext;
  editing: boolean;
  widthPx: number;
  /** Called after the layout changed; `dirty` when it should be saved. */
  onChange(dirty: boolean): void;
  onEditPanel(p: Panel): void;
}) {
  const d = props.dashboard;
  const [drag, setDrag] = useState<Drag | undefined>(undefined);
  const dragRef = useRef<Drag | undefined>(undefined);
  const colPx = (props.widthPx + GRID_GAP_PX) / 24;
  const rowPx = GRID_ROW_PX + GRID_GAP_PX;

  const startDrag = (sectionPanels: Panel[], offset: number) => (panel: Panel) => (e: PointerEvent, mode: 'move' | 'resize') => {
    e.preventDefault();
    const orig = { ...panel.gridPos, y: panel.gridPos.y - offset };
    const first: Drag = { panel, mode, startX: e.clientX, startY: e.clientY, orig, pos: orig };
    dragRef.current = first;
    setDrag(first);
    const move = (ev: PointerEvent) => {
      const cur = dragRef.current!;
      const dx = Math.round((ev.clientX - cur.startX) / colPx);
      const dy = Math.round((ev.clientY - cur.startY) / rowPx);
      const o = cur.orig;
      const pos =
        cur.mode === 'move'
          ? { ...o, x: Math.max(0, Math.min(24 - o.w, o.x + dx)), y: Math.max(0, o.y + dy) }
          : { ...o, w: Math.max(2, Math.min(24 - o.x, o.w + dx)), h: Math.max(2, o.h + dy) };
      dragRef.current = { ...cur, pos };
      setDrag(dragRef.current);
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      const cur = dragRef.current!;
      dragRef.current = undefined;
      setDrag(undefined);
      const changed = JSON.stringify(cur.pos) !== JSON.stringify(cur.orig);
      if (!changed) return;
      cur.panel.gridPos = { ...cur.pos, y: cur.pos.y + offset };
      pushDown(sectionPanels, cur.panel);
      props.onChange(true);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  return (
    <div class="dash-grid">
      {sections(d).flatMap((sec) => {
        const values = sec.row?.repeat ? repeatValues(props.ctx.vars.get(sec.row.repeat)) : [];
        const scopes: (Record<string, string> | undefined)[] = values.length ? values.map((v) => ({ [sec.row!.repeat!]: v })) : [undefined];
        return scopes.map((rowScope, copy) => ({ sec, rowScope, copy }));
      }).map(({ sec, rowScope, copy }) => {
        const offset = sec.row ? sec.row.gridPos.y + 1 : 0;
        const open = !sec.row || !sec.row.collapsed;
        const items = open ? layoutSection(sec.panels, offset, props.ctx, rowScope, copy > 0 ? `r${copy}-` : '') : [];
        const begin = startDrag(sec.panels, offset);
        return (
          <section class="dash-section" key={`${sec.row?.id ?? 'top'}-${copy}`}>
            {sec.row && (
              <button
                type="button"
                class={`row-header ${sec.row.collapsed ? 'collapsed' : ''}`}
                data-row-id={sec.row.id}
                onClick={() => {
                  toggleRow(d, sec.row!);
                  props.onChange(false);
                }}
              >
                <span class="chevron">{sec.row.collapsed ? '▸' : '▾'}</span> {interpolate(sec.row.title ?? '', props.ctx.vars, undefined, rowScope)}
                {sec.row.collapsed && <span class="row-count"> ({sec.row.panels?.length ?? 0} panels)</span>}
              </button>
            )}
            {open && items.length > 0 && (
              <div class="section-grid" style={{ gridAutoRows: `${GRID_ROW_PX}px`, gap: `${GRID_GAP_PX}px` }}>
                {items.map((it) => {
                  const pos = drag && drag.panel === it.panel && !it.clone ? drag.pos : it.pos;
                  return (
                    <div key={it.key} class={`grid-item ${drag?.panel === it.panel ? 'dragging' : ''}`} style={{ gridColumn: `${pos.x + 1} / span ${pos.w}`, gridRow: `${pos.y + 1} / span ${pos.h}` }}>
                      <PanelView
                        panel={it.panel}
                        ctx={props.ctx}
                        widthPx={colPx * pos.w}
                        scoped={it.scoped}
                        editing={props.editing && !it.clone}
                        onEdit={() => props.onEditPanel(it.panel)}
                        onRemove={() => {
                          d.panels = d.panels.filter((p) => p !== it.panel);
                          if (sec.row?.panels) sec.row.panels = sec.row.panels.filter((p) => p !== it.panel);
                          props.onChange(true);
                        }}
                        onDragStart={begin(it.panel)}
                      />
                    </div>
                  );
                })}
              </div>
            )}
          </section>
        );
      })}
    </div>
  );
}
