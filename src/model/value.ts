/**
 * Sample values. A sample is (timestamp ms, float64); Prometheus marks a series as ended with a
 * *staleness marker*: a special NaN whose bit pattern is `0x7ff0000000000002`.
 *
 * JavaScript keeps NaN payloads through typed arrays and plain variables, but V8 may replace them
 * with the canonical NaN when a value is stored in a plain `number[]`. Keep values that may be
 * staleness markers in `Float64Array`s and test them with {@link isStaleNaN}, never with `Number.isNaN`.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** Index of the high word of a float64 in `u32` (little-endian hosts: 1). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

u32[HI] = 0x7ff00000;
u32[LO] = 0x00000002;
/** The staleness marker value (a NaN with payload 2), as Prometheus `value.StaleNaN`. */
export const STALE_NAN: number = f64[0]!;

/** Whether `v` carries the exact bit pattern of the staleness marker. */
export function isStaleNaN(v: number): boolean {
  f64[0] = v;
  return u32[HI] === 0x7ff00000 && u32[LO] === 0x00000002;
}

/**
 * Formats a float as Prometheus's JSON API does: shortest round-trip decimal (Go format 'f') for
 * magnitudes in [1e-6, 1e21), exponent form (Go 'e', two-digit exponent) outside it: `"1"`,
 * `"0.5"`, `"1.5e-07"`, `"1e+21"`, `"NaN"`, `"+Inf"`, `"-Inf"`.
 */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const abs = Math.abs(v);
  if (abs >= 1e21 || abs < 1e-6) {
    const [mant, exp] = v.toExponential().split('e') as [string, string];
    const sign = exp[0] === '-' ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return String(v);
}
