/** The `timeseries` panel (and legacy `graph`): uPlot lines/bars/points with units, stacking, fill, and a legend with calcs. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { CALC_TITLES, displayName, fieldFor, reduce } from '../fields';
import type { FieldConfig, Panel } from '../model';
import type { Series } from '../query';
import { cssColor, formatValue, SERIES_COLORS } from '../units';

interface Prepared {
  name: string;
  color: string;
  field: FieldConfig;
  values: (number | null)[];
  raw: number[];
}

/** Aligns series on the union of their times (seconds); applies negative-Y transforms and normal stacking. */
function prepare(panel: Panel, series: Series[]): { times: number[]; rows: Prepared[] } {
  const times = [...new Set(series.flatMap((s) => s.times))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const base = new Array<number>(times.length).fill(0);
  const rows = series.map((s, i) => {
    const f0 = fieldFor(panel, s.name, s.refId);
    const name = displayName(s, f0);
    const field = name === s.name ? f0 : fieldFor(panel, name, s.refId);
    const col = new Array<number | null>(times.length).fill(null);
    const neg = field.custom?.transform === 'negative-Y' ? -1 : 1;
    s.times.forEach((t, j) => (col[index.get(t)!] = s.values[j]! * neg));
    const stacking = (field.custom?.stacking as { mode?: string } | undefined)?.mode;
    if (stacking === 'normal' || stacking === 'percent') {
      for (let j = 0; j < col.length; j++) {
        const v = col[j];
        if (v === null || v === undefined || Number.isNaN(v)) continue;
        base[j]! += v;
        col[j] = base[j]!;
      }
    }
    const color = field.color?.mode === 'fixed' && field.color.fixedColor ? cssColor(field.color.fixedColor) : SERIES_COLORS[i % SERIES_COLORS.length]!;
    return { name, color, field, values: col, raw: s.values };
  });
  return { times, rows };
}

/** Width of the y axis, px: room for the longest label of the data's extremes (and 0) in the unit. */
function yAxisSize(rows: Prepared[], unit: string | undefined, decimals: number | null | undefined): number {
  let lo = 0;
  let hi = 0;
  for (const r of rows) for (const v of r.values) if (v !== null && Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  const len = Math.max(...[lo, hi, (lo + hi) / 2, (lo + hi) / 4].map((v) => formatValue(v, unit, decimals).length));
  return 24 + 7 * len;
}

/** Time tick labels for a range of `rangeS` seconds: `HH:MM:SS` under 10 min, `HH:MM` under 2 days, else `MM/DD HH:MM` (local time). */
function timeTicks(rangeS: number): (u: uPlot, ticks: number[]) => string[] {
  const two = (n: number) => String(n).padStart(2, '0');
  return (_u, ticks) =>
    ticks.map((t) => {
      const d = new Date(t * 1000);
      const hm = `${two(d.getHours())}:${two(d.getMinutes())}`;
      if (rangeS < 600) return `${hm}:${two(d.getSeconds())}`;
      if (rangeS < 2 * 86400) return hm;
      return `${two(d.getMonth() + 1)}/${two(d.getDate())} ${hm}`;
    });
}

/** Draws `series` between `startMs` and `endMs` filling its container. */
export function TimeSeriesPanel(props: { panel: Panel; series: Series[]; startMs: number; endMs: number; height: number }) {
  const el = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const { times, rows } = useMemo(() => prepare(props.panel, props.series), [props.panel, props.series]);
  const legend = (props.panel.options?.legend ?? {}) as { showLegend?: boolean; displayMode?: string; calcs?: string[] };
  const showLegend = legend.showLegend !== false && legend.displayMode !== 'hidden' && rows.length > 0;
  const calcs = legend.calcs ?? [];
  const legendRows = showLegend ? Math.min(rows.length, calcs.length ? 4 : 2) : 0;
  const plotHeight = Math.max(60, props.height - legendRows * 20 - (calcs.length && showLegend ? 20 : 0));
  const defaults = props.panel.fieldConfig?.defaults ?? {};

  useEffect(() => {
    if (!el.current) return;
    const width = el.current.clientWidth || 400;
    const unit = defaults.unit;
    const dec = defaults.decimals;
    const opts: uPlot.Options = {
      width,
      height: plotHeight,
      legend: { show: false },
      cursor: { points: { size: 5 } },
      scales: {
        x: { time: true, min: props.startMs / 1000, max: props.endMs / 1000 },
        y: { range: (_u, lo, hi) => [defaults.min ?? (lo >= 0 ? 0 : lo), defaults.max ?? (hi === lo ? hi + 1 : hi)] },
      },
      axes: [
        { stroke: '#8e8e8e', grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { stroke: 'rgba(128,128,128,0.15)' }, values: timeTicks((props.endMs - props.startMs) / 1000), space: 60 },
        { stroke: '#8e8e8e', grid: { stroke: 'rgba(128,128,128,0.15)' }, ticks: { stroke: 'rgba(128,128,128,0.15)' }, size: yAxisSize(rows, unit, dec),
          values: (_u, ticks) => ticks.map((t) => formatValue(t, unit, dec)),
        },
      ],
      series: [
        {},
        ...rows.map((r) => {
          const fill = Number(r.field.custom?.fillOpacity ?? 0);
          const style = r.field.custom?.drawStyle;
          return {
            label: r.name,
            stroke: r.color,
            width: Number(r.field.custom?.lineWidth ?? 1),
            fill: fill > 0 ? r.color + Math.round(Math.min(100, fill) * 2.55).toString(16).padStart(2, '0') : undefined,
            show: !hidden.has(r.name),
            paths: style === 'bars' ? uPlot.paths.bars!({ size: [0.6, 100] }) : style === 'points' ? () => null : undefined,
            points: { show: style === 'points' },
            spanGaps: false,
          };
        }),
      ],
    };
    const plot = new uPlot(opts, [times, ...rows.map((r) => r.values)] as uPlot.AlignedData, el.current);
    const ro = new ResizeObserver(() => {
      const w = el.current?.clientWidth;
      if (w && w !== plot.width) plot.setSize({ width: w, height: plotHeight });
    });
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [times, rows, hidden, plotHeight, props.startMs, props.endMs]);

  const toggle = (name: string) => {
    const isolated = hidden.size === rows.length - 1 && !hidden.has(name);
    setHidden(isolated ? new Set() : new Set(rows.map((r) => r.name).filter((n) => n !== name)));
  };

  return (
    <div class="ts-panel">
      <div ref={el} class="ts-plot" />
      {showLegend && (
        <table class="ts-legend">
          {calcs.length > 0 && (
            <thead>
              <tr>
                <th />
                {calcs.map((c) => (
                  <th>{CALC_TITLES[c] ?? c}</th>
                ))}
              </tr>
            </thead>
          )}
          <tbody>
            {rows.map((r) => (
              <tr class={hidden.has(r.name) ? 'off' : ''} onClick={() => toggle(r.name)}>
                <td class="ts-name">
                  <span class="swatch" style={{ background: r.color }} />
                  {r.name}
                </td>
                {calcs.map((c) => (
                  <td class="ts-calc" data-calc={c}>
                    {formatValue(reduce(r.raw, c), r.field.unit, r.field.decimals)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
