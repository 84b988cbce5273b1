/**
 * A time-series graph of a range query result, drawn with uPlot in the theme's colours, with a legend:
 * click a series to show only it (click again to show all), Ctrl/Cmd-click to toggle one series.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { RangeSeries } from '../api';
import { seriesName, shortNumber } from '../format';
import { cssVar, useTheme } from '../theme';

/** Plot height in CSS pixels. */
const HEIGHT = 360;
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const PALETTE_DARK = ['#5aa9ff', '#ffa04d', '#5cd65c', '#ff6b6b', '#c39bff', '#d09a86', '#ff8fd0', '#b0b0b0', '#e0e05a', '#4fd8e8'];

/** Aligns series on the union of their timestamps (seconds), nulls where a series has no point. */
function align(series: RangeSeries[], stacked: boolean, hidden: Set<number>): uPlot.AlignedData {
  const times = [...new Set(series.flatMap((s) => s.values.map((v) => v[0])))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const cols: (number | null)[][] = series.map(() => new Array<number | null>(times.length).fill(null));
  series.forEach((s, i) => {
    for (const [t, v] of s.values) cols[i]![index.get(t)!] = Number(v);
  });
  if (stacked) {
    // Each visible series sits on the sum of the visible ones before it.
    const base = new Array<number>(times.length).fill(0);
    cols.forEach((col, i) => {
      if (hidden.has(i)) return;
      for (let j = 0; j < times.length; j++) {
        const v = col[j];
        if (v === null || v === undefined) continue;
        base[j]! += v;
        col[j] = base[j]!;
      }
    });
  }
  return [times, ...cols] as uPlot.AlignedData;
}

/** Draws `series` (times in seconds) between `start` and `end` (seconds). */
export function Graph(props: { series: RangeSeries[]; stacked: boolean; start: number; end: number }) {
  const el = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState<Set<number>>(new Set());
  /** Index of the timestamp under the mouse, whose values the legend shows. */
  const [cursor, setCursor] = useState<number | null>(null);
  const raw = useRef<uPlot.AlignedData>();
  const theme = useTheme();
  const palette = theme === 'dark' ? PALETTE_DARK : PALETTE;

  useEffect(() => setHidden(new Set()), [props.series]);

  useEffect(() => {
    if (!el.current) return;
    const width = el.current.clientWidth || 900;
    const text = cssVar('--muted');
    const grid = cssVar('--grid');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width,
      height: HEIGHT,
      legend: { show: false },
      scales: { x: { time: true, min: props.start, max: props.end } },
      axes: [axis, { ...axis, values: (_u, ticks) => ticks.map(shortNumber), size: 60 }],
      series: [
        {},
        ...props.series.map((s, i) => ({
          label: seriesName(s.metric),
          stroke: palette[i % palette.length],
          width: 1.5,
          show: !hidden.has(i),
          fill: props.stacked ? palette[i % palette.length] + '33' : undefined,
          spanGaps: false,
        })),
      ],
    };
    raw.current = props.stacked ? align(props.series, false, hidden) : undefined;
    opts.hooks = { setCursor: [(u) => setCursor(u.cursor.idx ?? null)] };
    const data = align(props.series, props.stacked, hidden);
    raw.current ??= data;
    const plot = new uPlot(opts, data, el.current);
    const onResize = () => plot.setSize({ width: el.current?.clientWidth || width, height: HEIGHT });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [props.series, props.stacked, props.start, props.end, hidden, theme]);

  const toggle = (i: number, only: boolean) => {
    if (only) {
      const isolated = hidden.size === props.series.length - 1 && !hidden.has(i);
      setHidden(isolated ? new Set() : new Set(props.series.map((_, j) => j).filter((j) => j !== i)));
    } else {
      const next = new Set(hidden);
      if (next.has(i)) next.delete(i);
      else next.add(i);
      setHidden(next);
    }
  };

  const at = cursor === null ? undefined : raw.current?.[0][cursor];
  const valueAt = (i: number): string => {
    const v = cursor === null ? undefined : raw.current?.[i + 1]?.[cursor];
    return v === null || v === undefined ? '' : String(Number(v.toPrecision(6)));
  };
  return (
    <div class="graph">
      <div ref={el} class="plot" />
      <div class="cursor-time">{at === undefined ? '\u00a0' : new Date(at * 1000).toLocaleString()}</div>
      <ul class="legend">
        {props.series.map((s, i) => (
          <li
            class={hidden.has(i) ? 'off' : ''}
            title="Click to show only this series; Ctrl/Cmd-click to toggle it"
            onClick={(e) => toggle(i, !(e.ctrlKey || e.metaKey))}
          >
            <span class="swatch" style={{ background: palette[i % palette.length] }} />
            <span class="legend-name">{seriesName(s.metric)}</span>
            {at !== undefined && <span class="legend-value">{valueAt(i)}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
