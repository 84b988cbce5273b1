/**
 * Float formatting with Go's `strconv` semantics, as the exposition formats need it:
 * {@link formatGoFloat} is Go `strconv.FormatFloat(v, 'g', -1, 64)`, the rendering of `expfmt` and
 * of `labels.FormatOpenMetricsFloat`. Parsing (`parseFloatBytes`, `parseGoFloat`) is shared by
 * every module in `../model/gofloat.ts`.
 */

/**
 * Go `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest decimal that round-trips, in plain
 * notation when the decimal exponent is in [-4, 6) and as `d.ddde±XX` otherwise
 * (`123456` → `"123456"`, `1234567` → `"1.234567e+06"`, `0.00001` → `"1e-05"`).
 * NaN → `"NaN"`, ±Infinity → `"+Inf"` / `"-Inf"`, -0 → `"-0"`.
 */
export function formatGoFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const e = v.toExponential();
  const ei = e.indexOf('e');
  const exp = Number(e.slice(ei + 1));
  if (exp >= -4 && exp < 6) return String(v);
  const digits = exp < 0 ? -exp : exp;
  return `${e.slice(0, ei)}e${exp < 0 ? '-' : '+'}${digits < 10 ? '0' : ''}${digits}`;
}

/**
 * Prometheus `labels.FormatOpenMetricsFloat`: {@link formatGoFloat} with `.0` appended when the
 * text has neither a `.` nor an `e` (`1` → `"1.0"`, `1e-05` stays), `+Inf`, `-Inf`, `NaN`;
 * both zeros give `"0.0"`. The canonical form of `le` and `quantile` label values.
 */
export function formatOpenMetricsFloat(v: number): string {
  if (v === 0) return '0.0';
  const s = formatGoFloat(v);
  if (v !== v || v === Infinity || v === -Infinity) return s;
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}
