/**
 * Float64 ⇄ two uint32 words, without BigInt. Chunks and WAL records store values as raw IEEE-754
 * bits so NaN payloads (the `STALE_NAN` staleness marker) survive exactly; code that moves values
 * between them uses these words instead of routing values through plain `number[]`.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Index of the high (sign/exponent) word of a float64 in a `Uint32Array` view: 1 on little-endian hosts. */
export const HI: number = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** Index of the low word of a float64 in a `Uint32Array` view. */
export const LO: number = 1 - HI;

/** High 32 bits of `v`'s IEEE-754 representation, as an unsigned integer. */
export function highBits(v: number): number {
  f64[0] = v;
  return u32[HI]!;
}

/** Low 32 bits of `v`'s IEEE-754 representation, as an unsigned integer. */
export function lowBits(v: number): number {
  f64[0] = v;
  return u32[LO]!;
}

/** The float64 with the given high and low words (both unsigned 32-bit integers). */
export function fromBits(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0]!;
}

/** Whether `a` and `b` have identical bit patterns (so `-0 ≠ 0` and NaN payloads are compared). */
export function sameBits(a: number, b: number): boolean {
  f64[0] = a;
  const ah = u32[HI]!;
  const al = u32[LO]!;
  f64[0] = b;
  return ah === u32[HI]! && al === u32[LO]!;
}
