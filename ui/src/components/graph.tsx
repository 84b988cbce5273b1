/** A time-series graph of a range query result, drawn with uPlot, with a clickable legend. */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { RangeSeries } from '../api';
import { seriesName, shortNumber } from '../format';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Aligns series on the union of their timestamps (seconds), nulls where a series has no point. */
function align(series: RangeSeries[], stacked: boolean): uPlot.AlignedData {
  const times = [...new Set(series.flatMap((s) => s.values.map((v) => v[0])))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const cols: (number | null)[][] = series.map(() => new Array<number | null>(times.length).fill(null));
  series.forEach((s, i) => {
    for (const [t, v] of s.values) cols[i]![index.get(t)!] = Number(v);
  });
  if (stacked) {
    for (let i = 1; i < cols.length; i++) {
      for (let j = 0; j < times.length; j++) {
        const below = cols[i - 1]![j];
        const v = cols[i]![j];
        if (v !== null && below !== null) cols[i]![j] = v + below!;
      }
    }
  }
  return [times, ...cols] as uPlot.AlignedData;
}

export function Graph(props: { series: RangeSeries[]; stacked: boolean; start: number; end: number }) {
  const el = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState<Set<number>>(new Set());

  useEffect(() => setHidden(new Set()), [props.series]);

  useEffect(() => {
    if (!el.current) return;
    const width = el.current.clientWidth || 900;
    const opts: uPlot.Options = {
      width,
      height: 360,
      legend: { show: false },
      scales: { x: { time: true, min: props.start, max: props.end } },
      axes: [{}, { values: (_u, ticks) => ticks.map(shortNumber), size: 60 }],
      series: [
        {},
        ...props.series.map((s, i) => ({
          label: seriesName(s.metric),
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          show: !hidden.has(i),
          fill: props.stacked ? PALETTE[i % PALETTE.length] + '33' : undefined,
          spanGaps: false,
        })),
      ],
    };
    const plot = new uPlot(opts, align(props.series, props.stacked), el.current);
    const onResize = () => plot.setSize({ width: el.current?.clientWidth || width, height: 360 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [props.series, props.stacked, props.start, props.end, hidden]);

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

  return (
    <div class="graph">
      <div ref={el} class="plot" />
      <ul class="legend">
        {props.series.map((s, i) => (
          <li
            class={hidden.has(i) ? 'off' : ''}
            title="Click to show only this series; Ctrl/Cmd-click to toggle it"
            onClick={(e) => toggle(i, !(e.ctrlKey || e.metaKey))}
          >
            <span class="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
            {seriesName(s.metric)}
          </li>
        ))}
      </ul>
    </div>
  );
}
