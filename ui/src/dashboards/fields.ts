/**
 * Field options of a series: the panel's `fieldConfig.defaults` with its overrides applied
 * (matchers byName, byRegexp, byFrameRefID), value mappings and reducers (`reduceOptions.calcs`).
 */
import type { FieldConfig, Panel, ValueMapping } from './model.js';
import type { Series } from './query.js';

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    o = o[k] = next && typeof next === 'object' ? { ...(next as Record<string, unknown>) } : {};
  }
  o[keys[keys.length - 1]!] = value;
}

function matches(m: { id: string; options?: unknown }, name: string, refId: string): boolean {
  if (m.id === 'byName') return m.options === name;
  if (m.id === 'byRegexp') {
    try {
      return new RegExp(String(m.options)).test(name);
    } catch {
      return false;
    }
  }
  if (m.id === 'byFrameRefID') return m.options === refId;
  return false;
}

/** The field config for series `name` (from query `refId`) in `panel`: defaults, then matching overrides in order. */
export function fieldFor(panel: Panel, name: string, refId = ''): FieldConfig {
  const out: FieldConfig = { ...(panel.fieldConfig?.defaults ?? {}) };
  if (out.custom) out.custom = { ...out.custom };
  for (const o of panel.fieldConfig?.overrides ?? []) {
    if (!matches(o.matcher, name, refId)) continue;
    for (const p of o.properties) setPath(out as Record<string, unknown>, p.id, p.value);
  }
  return out;
}

/** The text a value mapping gives `v` (value, range and special null/NaN mappings); undefined when none matches. */
export function mapValue(v: number | null, mappings: ValueMapping[] | undefined): { text?: string; color?: string } | undefined {
  for (const m of mappings ?? []) {
    const o = m.options as Record<string, { text?: string; color?: string } | unknown>;
    if (m.type === 'value' && v !== null) {
      const r = o[String(v)] as { text?: string; color?: string } | undefined;
      if (r) return r;
    } else if (m.type === 'range' && v !== null) {
      const from = o.from as number | null | undefined;
      const to = o.to as number | null | undefined;
      if ((from == null || v >= from) && (to == null || v <= to)) return o.result as { text?: string; color?: string };
    } else if (m.type === 'special') {
      const match = o.match as string;
      if ((match === 'null' && v === null) || (match === 'nan' && v !== null && Number.isNaN(v)) || (match === 'null+nan' && (v === null || Number.isNaN(v)))) {
        return o.result as { text?: string; color?: string };
      }
    }
  }
  return undefined;
}

/** Reduces a series' values by a Grafana calc id (`lastNotNull`, `last`, `mean`, `max`, `min`, `sum`, `count`, `range`, `delta`, `diff`, `first`, `firstNotNull`); null when empty. */
export function reduce(values: number[], calc: string): number | null {
  const ok = values.filter((v) => !Number.isNaN(v));
  if (values.length === 0) return null;
  switch (calc) {
    case 'last':
      return values[values.length - 1]!;
    case 'first':
      return values[0]!;
    case 'firstNotNull':
      return ok[0] ?? null;
    case 'mean':
      return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
    case 'max':
      return ok.length ? Math.max(...ok) : null;
    case 'min':
      return ok.length ? Math.min(...ok) : null;
    case 'sum':
      return ok.reduce((a, b) => a + b, 0);
    case 'count':
      return values.length;
    case 'range':
      return ok.length ? Math.max(...ok) - Math.min(...ok) : null;
    case 'delta': {
      let d = 0;
      // A decrease is a counter reset: the new value is the increase since it (Grafana's delta).
      for (let i = 1; i < ok.length; i++) d += ok[i]! >= ok[i - 1]! ? ok[i]! - ok[i - 1]! : ok[i]!;
      return d;
    }
    case 'diff':
      return ok.length ? ok[ok.length - 1]! - ok[0]! : null;
    default:
      return ok.length ? ok[ok.length - 1]! : null;
  }
}

/** Grafana's calc ids → legend column titles. */
export const CALC_TITLES: Record<string, string> = { lastNotNull: 'Last *', last: 'Last', mean: 'Mean', max: 'Max', min: 'Min', sum: 'Total', count: 'Count', range: 'Range', delta: 'Delta', diff: 'Difference', first: 'First', firstNotNull: 'First *' };

/** The series' display name: override/default `displayName` (with `${__field.labels.x}`), else its legend name. */
export function displayName(s: Series, f: FieldConfig): string {
  if (!f.displayName) return s.name;
  return f.displayName.replace(/\$\{__field\.labels\.(\w+)\}/g, (_w, l: string) => s.labels[l] ?? '').replace(/\$\{__series\.name\}/g, s.name);
}
