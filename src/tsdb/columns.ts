/**
 * Column storage helpers. Per-series and per-chunk state lives in typed arrays indexed by ref
 * (DESIGN: no object per series); a full column grows by reallocation to a larger array. Used by
 * the head's series columns, the XOR append state and the head chunk table.
 */

/** A typed array that can serve as a column. */
export type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * A copy of column `a` reallocated to `n` entries (`n >= a.length`): same element type, existing
 * entries kept, new entries zero. Allocates; call it on growth only, never per sample.
 */
export function growColumn<T extends Column>(a: T, n: number): T {
  const b = new (a.constructor as new (length: number) => T)(n);
  b.set(a);
  return b;
}
