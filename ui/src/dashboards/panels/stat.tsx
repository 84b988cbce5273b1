/** The `stat`, `gauge` and `bargauge` panels: one reduced value per series, coloured by thresholds. */
import { displayName, fieldFor, mapValue, reduce } from '../fields';
import type { FieldConfig, Panel } from '../model';
import type { Series } from '../query';
import { cssColor, formatValue, thresholdColor } from '../units';

/** One displayed value: its name, number, text and colour. */
export interface Shown {
  name: string;
  value: number | null;
  text: string;
  color: string;
  min: number;
  max: number;
}

function defaultMax(f: FieldConfig, values: number[]): number {
  if (f.max != null) return f.max;
  if (f.unit === 'percent') return 100;
  if (f.unit === 'percentunit') return 1;
  const finite = values.filter(Number.isFinite);
  return finite.length ? Math.max(...finite, 0) : 100;
}

/** Reduces each series by the panel's `reduceOptions.calcs[0]` (default lastNotNull) and formats it. */
export function shownValues(panel: Panel, series: Series[]): Shown[] {
  const calc = ((panel.options?.reduceOptions as { calcs?: string[] } | undefined)?.calcs ?? [])[0] ?? 'lastNotNull';
  const reduced = series.map((s) => reduce(s.values, calc));
  const finite = reduced.filter((v): v is number => v !== null && Number.isFinite(v));
  return series.map((s, i) => {
    const f0 = fieldFor(panel, s.name, s.refId);
    const name = displayName(s, f0);
    const f = name === s.name ? f0 : fieldFor(panel, name, s.refId);
    const v = reduced[i]!;
    const min = f.min ?? (f.unit === 'percent' || f.unit === 'percentunit' ? 0 : Math.min(0, ...finite));
    const max = defaultMax(f, finite);
    const mapped = mapValue(v, f.mappings);
    const fixed = f.color?.mode === 'fixed' && f.color.fixedColor ? cssColor(f.color.fixedColor) : undefined;
    const color = mapped?.color ? cssColor(mapped.color) : (fixed ?? (v === null ? cssColor('text') : thresholdColor(v, f.thresholds?.steps, f.thresholds?.mode, min, max)));
    return { name, value: v, text: mapped?.text ?? formatValue(v, f.unit, f.decimals), color, min, max };
  });
}

/** Stat: big value(s), coloured text or background by thresholds. */
/** A sparkline of `values` (an SVG area scaled to its box), drawn under a stat's value. */
function Sparkline(props: { values: number[]; color: string }) {
  const ok = props.values.map((v) => (Number.isFinite(v) ? v : NaN));
  const finite = ok.filter((v) => !Number.isNaN(v));
  if (finite.length < 2) return null;
  const lo = Math.min(...finite);
  const span = Math.max(...finite) - lo || 1;
  const pts = ok.map((v, i) => (Number.isNaN(v) ? '' : `${((i / (ok.length - 1)) * 100).toFixed(2)},${(30 - ((v - lo) / span) * 28).toFixed(2)}`)).filter((x) => x !== '');
  return (
    <svg class="sparkline" viewBox="0 0 100 30" preserveAspectRatio="none">
      <path d={`M0,30 L${pts.join(' L')} L100,30 Z`} fill={props.color} fill-opacity="0.15" stroke="none" />
      <path d={`M${pts.join(' L')}`} fill="none" stroke={props.color} stroke-width="1" vector-effect="non-scaling-stroke" />
    </svg>
  );
}

/** `height` is the body height, px: the value's font follows it; `graphMode: area` adds a sparkline. */
export function StatPanel(props: { panel: Panel; series: Series[]; height: number }) {
  const shown = shownValues(props.panel, props.series);
  const mode = (props.panel.options?.colorMode as string | undefined) ?? 'value';
  const textMode = (props.panel.options?.textMode as string | undefined) ?? 'auto';
  const showName = textMode === 'value_and_name' || textMode === 'name' || (textMode === 'auto' && shown.length > 1);
  if (shown.length === 0) return <div class="no-data">No data</div>;
  const spark = props.panel.options?.graphMode === 'area';
  const fontPx = Math.max(12, Math.min(40, Math.floor(props.height * (showName || spark ? 0.35 : 0.55))));
  return (
    <div class="stat-panel">
      {shown.map((s, i) => (
        <div class="stat" style={mode === 'background' ? { background: s.color, color: '#fff' } : undefined} data-value={s.value ?? ''}>
          {showName && <div class="stat-name">{s.name}</div>}
          {textMode !== 'name' && (
            <div class="stat-value" style={mode === 'value' ? { color: s.color, fontSize: `${fontPx}px` } : { fontSize: `${fontPx}px` }}>
              {s.text}
            </div>
          )}
          {spark && <Sparkline values={props.series[i]!.values} color={mode === 'background' ? '#fff' : s.color} />}
        </div>
      ))}
    </div>
  );
}

/** Gauge: an arc from min to max per series, value in the middle. */
export function GaugePanel(props: { panel: Panel; series: Series[] }) {
  const shown = shownValues(props.panel, props.series);
  if (shown.length === 0) return <div class="no-data">No data</div>;
  return (
    <div class="gauge-panel">
      {shown.map((s) => {
        const frac = s.value === null || !Number.isFinite(s.value) ? 0 : Math.max(0, Math.min(1, (s.value - s.min) / (s.max - s.min || 1)));
        const a0 = Math.PI * 0.75;
        const sweep = Math.PI * 1.5;
        const pt = (a: number) => `${50 + 40 * Math.cos(a)} ${50 + 40 * Math.sin(a)}`;
        const arc = (from: number, to: number) => `M ${pt(from)} A 40 40 0 ${to - from > Math.PI ? 1 : 0} 1 ${pt(to)}`;
        return (
          <div class="gauge" data-value={s.value ?? ''}>
            <svg viewBox="0 0 100 88" preserveAspectRatio="xMidYMid meet">
              <path d={arc(a0, a0 + sweep)} stroke="rgba(128,128,128,0.25)" stroke-width="9" fill="none" />
              {frac > 0 && <path d={arc(a0, a0 + sweep * frac)} stroke={s.color} stroke-width="9" fill="none" />}
              <text x="50" y="56" text-anchor="middle" class="gauge-value" fill={s.color}>
                {s.text}
              </text>
            </svg>
            {shown.length > 1 && <div class="stat-name">{s.name}</div>}
          </div>
        );
      })}
    </div>
  );
}

/** Bar gauge: one bar per series, horizontal (default) or vertical. */
export function BarGaugePanel(props: { panel: Panel; series: Series[] }) {
  const shown = shownValues(props.panel, props.series);
  const vertical = props.panel.options?.orientation === 'vertical';
  if (shown.length === 0) return <div class="no-data">No data</div>;
  return (
    <div class={`bargauge-panel ${vertical ? 'vertical' : ''}`}>
      {shown.map((s) => {
        const frac = s.value === null || !Number.isFinite(s.value) ? 0 : Math.max(0, Math.min(1, (s.value - s.min) / (s.max - s.min || 1)));
        return (
          <div class="bar-row" data-value={s.value ?? ''}>
            <div class="bar-name">{s.name}</div>
            <div class="bar-track">
              <div class="bar-fill" style={vertical ? { height: `${frac * 100}%`, background: s.color } : { width: `${frac * 100}%`, background: s.color }} />
            </div>
            <div class="bar-value" style={{ color: s.color }}>
              {s.text}
            </div>
          </div>
        );
      })}
    </div>
  );
}
