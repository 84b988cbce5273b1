/**
 * The `table` panel: one row per label set, label columns then a value column per query
 * (`Value`, or `Value #<refId>` with several queries, merged by label set as Grafana's merge
 * transformation), values the series' last sample; `organize` transformations and byName overrides.
 */
import { fieldFor, mapValue } from '../fields';
import type { Panel } from '../model';
import type { Series } from '../query';
import { cssColor, formatValue, thresholdColor } from '../units';

/** Builds the table: column names and rows (label strings or numbers). */
export function buildTable(panel: Panel, series: Series[]): { columns: string[]; rows: (string | number | null)[][] } {
  const refIds = [...new Set(series.map((s) => s.refId))];
  const valueCol = (ref: string) => (refIds.length > 1 ? `Value #${ref}` : 'Value');
  const labelNames = [...new Set(series.flatMap((s) => Object.keys(s.labels)).filter((l) => l !== '__name__'))].sort();
  let columns = [...labelNames, ...refIds.map(valueCol)];
  const byKey = new Map<string, (string | number | null)[]>();
  for (const s of series) {
    const key = labelNames.map((l) => s.labels[l] ?? '').join('\u0000');
    let row = byKey.get(key);
    if (!row) {
      row = [...labelNames.map((l) => s.labels[l] ?? ''), ...refIds.map(() => null)];
      byKey.set(key, row);
    }
    row[labelNames.length + refIds.indexOf(s.refId)] = s.values.length ? s.values[s.values.length - 1]! : null;
  }
  let rows = [...byKey.values()];
  for (const t of panel.transformations ?? []) {
    if (t.id !== 'organize') continue;
    const o = (t.options ?? {}) as { excludeByName?: Record<string, boolean>; renameByName?: Record<string, string>; indexByName?: Record<string, number> };
    const keep = columns.map((c, i) => [c, i] as const).filter(([c]) => !o.excludeByName?.[c]);
    const idx = o.indexByName ?? {};
    keep.sort((a, b) => (idx[a[0]] ?? 1e9 + a[1]) - (idx[b[0]] ?? 1e9 + b[1]));
    rows = rows.map((r) => keep.map(([, i]) => r[i]!));
    columns = keep.map(([c]) => o.renameByName?.[c] || c);
  }
  return { columns, rows };
}

/** Draws {@link buildTable}'s table; value cells formatted by their column's field config (unit, decimals, mappings, threshold colours). */
export function TablePanel(props: { panel: Panel; series: Series[] }) {
  const { columns, rows } = buildTable(props.panel, props.series);
  if (rows.length === 0) return <div class="no-data">No data</div>;
  const fields = columns.map((c) => fieldFor(props.panel, c));
  return (
    <div class="table-panel">
      <table>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th>{fields[i]!.displayName || c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              {r.map((v, i) => {
                const f = fields[i]!;
                if (typeof v === 'string') return <td>{v}</td>;
                const mapped = mapValue(v, f.mappings);
                const cellType = (f.custom?.cellOptions as { type?: string } | undefined)?.type ?? f.custom?.displayMode;
                const colored = typeof cellType === 'string' && cellType.includes('color');
                const color = v !== null && colored ? thresholdColor(v, f.thresholds?.steps, f.thresholds?.mode, f.min ?? 0, f.max ?? 100) : undefined;
                return (
                  <td class="num" data-value={v ?? ''} style={color ? { color: mapped?.color ? cssColor(mapped.color) : color } : undefined}>
                    {mapped?.text ?? formatValue(v, f.unit, f.decimals)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
