/**
 * The canonical float text of `le` and `quantile` label values that the exposition parsers
 * normalise to (Prometheus textparse `formatOpenMetricsFloat`). Go float parsing and `%g`
 * formatting themselves are shared by every module: `../model/gofloat.ts`.
 */
import { formatGoFloat } from '../model/gofloat.js';

/**
 * Prometheus textparse `formatOpenMetricsFloat`: {@link formatGoFloat} with `.0` appended when
 * the text has neither a `.` nor an `e` (`1` → `"1.0"`, `1e-05` stays), `+Inf`, `-Inf`, `NaN`;
 * both zeros give `"0.0"` (unlike `labels.FormatOpenMetricsFloat`, PromQL's, which keeps `-0.0`).
 * The canonical form of `le` and `quantile` label values.
 */
export function formatOpenMetricsFloat(v: number): string {
  if (v === 0) return '0.0';
  const s = formatGoFloat(v);
  if (v !== v || v === Infinity || v === -Infinity) return s;
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}
