/**
 * The `heatmap` panel for Prometheus histograms: series labelled `le` (cumulative bucket counts or
 * rates) become per-bucket cells (each bucket minus the one below, as Grafana's "heatmap" format),
 * drawn on a canvas with time across and buckets upwards; colour by count.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { Series } from '../query';

/** Buckets sorted by upper bound, de-accumulated: `counts[bucket][time]`. */
export function heatmapCells(series: Series[]): { times: number[]; bounds: string[]; counts: number[][] } {
  const withLe = series.filter((s) => s.labels.le !== undefined);
  const bound = (le: string) => (/^\+?inf$/i.test(le) ? Infinity : Number(le));
  const sorted = [...withLe].sort((a, b) => bound(a.labels.le!) - bound(b.labels.le!));
  const times = [...new Set(sorted.flatMap((s) => s.times))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const cum = sorted.map((s) => {
    const row = new Array<number>(times.length).fill(0);
    s.times.forEach((t, j) => (row[index.get(t)!] = Number.isFinite(s.values[j]) ? s.values[j]! : 0));
    return row;
  });
  const counts = cum.map((row, b) => row.map((v, j) => Math.max(0, v - (b > 0 ? cum[b - 1]![j]! : 0))));
  return { times, bounds: sorted.map((s) => s.labels.le!), counts };
}

/** Draws {@link heatmapCells} on a canvas `height` px tall with the bucket bounds beside it. */
export function HeatmapPanel(props: { series: Series[]; height: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { times, bounds, counts } = heatmapCells(props.series);
  useEffect(() => {
    const c = canvas.current;
    if (!c || times.length === 0) return;
    const w = c.clientWidth || 400;
    const h = Math.max(40, props.height - 4);
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    const max = Math.max(1e-12, ...counts.flat());
    const cw = w / times.length;
    const ch = h / bounds.length;
    counts.forEach((row, b) =>
      row.forEach((v, j) => {
        if (v <= 0) return;
        const t = Math.sqrt(v / max);
        ctx.fillStyle = `rgba(255, ${Math.round(200 - 150 * t)}, 40, ${0.15 + 0.85 * t})`;
        ctx.fillRect(j * cw, h - (b + 1) * ch, Math.ceil(cw), Math.ceil(ch));
      }),
    );
  }, [props.series, props.height]);
  if (bounds.length === 0) return <div class="no-data">No histogram buckets (series need an "le" label)</div>;
  return (
    <div class="heatmap-panel" data-buckets={bounds.length}>
      <div class="heatmap-axis">
        {[...bounds].reverse().map((b) => (
          <span>{b}</span>
        ))}
      </div>
      <canvas ref={canvas} class="heatmap-canvas" style={{ height: `${Math.max(40, props.height - 4)}px` }} />
    </div>
  );
}
