/**
 * Bit streams and integer-sequence codes for Lookout's compact block chunks (see lookout.ts).
 * Bits are written most significant first. Integers travel as JS numbers and may use up to 53
 * bits; signed integers are zig-zag mapped with arithmetic (not 32-bit bit operations). Sequences
 * hold integers up to {@link MAX_SEQ_INT} in magnitude, so their deltas of deltas and zig-zag codes
 * stay exact.
 *
 * An integer sequence x[0…n) is stored as (see {@link writeIntSeq}):
 *
 * ```
 * order <2>                 0: the values, 1: first value + deltas, 2: first value + first delta + deltas of deltas
 * head*  <varbits, signed>  the first `order` terms
 * method <2>                how the remaining terms y are coded:
 *   0 frame of reference:   min <varbits, signed> | span <varbits> | tb(y − min)* (span = max − min)
 *   1 Rice of zig-zag(y):   k <6> | rice(zigzag(y))*
 *   2 Rice above the min:   min <varbits, signed> | k <6> | rice(y − min)*
 *   3 sparse:               c <varbits> | c × (zeros before it <varbits> | y <varbits, signed>)
 *                           for the c non-zero terms; the rest are 0
 * ```
 *
 * `tb(z)` is z in truncated binary over the span + 1 values: with w the bit length of the span and
 * u = 2^w − (span + 1), z < u takes w − 1 bits, any other z is z + u in w bits (nothing when the
 * span is 0). `varbits` is a 6-bit bit length w followed by w bits; `rice(z)` with parameter k is q = ⌊z / 2^k⌋
 * one bits, a zero bit and the low k bits of z when q < 32, else 32 one bits then `varbits(z)`.
 * The encoder picks the order and method that give the fewest bits.
 */

/** Largest magnitude of an integer the sequence code accepts (deltas of deltas stay within ±2^51). */
export const MAX_SEQ_INT = 2 ** 49;

const TWO32 = 4294967296;
/** 2^k for k = 0…64 (a table: `2 ** k` with a variable k is a slow call). */
const POW2 = Float64Array.from({ length: 65 }, (_, k) => 2 ** k);
/** Unary quotients at or above this are escaped (see the module docs). */
const RICE_LIMIT = 32;

/** Thrown when packed bits are malformed (the caller maps it to its own corruption error). */
export class BitpackError extends Error {
  override name = 'BitpackError';
}

/** Number of bits needed for the non-negative integer `z` (0 for 0), `z` < 2^53. */
export function bitLength(z: number): number {
  if (z < TWO32) return 32 - Math.clz32(z);
  return 64 - Math.clz32(Math.floor(z / TWO32));
}

function zigzag(x: number): number {
  return x >= 0 ? 2 * x : -2 * x - 1;
}

function unzigzag(z: number): number {
  if (z < 2147483648) return (z >>> 1) ^ -(z & 1);
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** A growable bit writer. */
export class BitOut {
  buf = new Uint8Array(4096);
  /** Bits written. */
  pos = 0;

  /** Starts over (keeps the buffer). */
  reset(): void {
    this.buf.fill(0, 0, (this.pos + 7) >>> 3);
    this.pos = 0;
  }

  /** Bytes used so far. */
  byteLength(): number {
    return (this.pos + 7) >>> 3;
  }

  private ensure(bits: number): void {
    const need = ((this.pos + bits + 7) >>> 3) + 8;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.byteLength()));
    this.buf = next;
  }

  /**
   * Writes the low `n` (0…32) bits of the unsigned integer `v` (< 2^32): the bits after the
   * position are zero, so the first byte is or-ed and the next ones are stored whole.
   */
  put(v: number, n: number): void {
    if (n === 0) return;
    const pos = this.pos;
    if (((pos + n + 7) >>> 3) + 8 > this.buf.length) this.ensure(n);
    const buf = this.buf;
    const s = pos & 7;
    let b = pos >>> 3;
    if (s + n > 32) {
      // 33…39 bits from the byte boundary: the first byte's part, then 24…31 bits aligned.
      const head = 8 - s;
      const rest = n - head;
      buf[b]! |= (n === 32 ? v >>> rest : (v >>> rest) & ((1 << head) - 1));
      const word = ((v & ((1 << rest) - 1)) << (32 - rest)) >>> 0;
      buf[++b] = word >>> 24;
      buf[++b] = (word >>> 16) & 255;
      buf[++b] = (word >>> 8) & 255;
      buf[++b] = word & 255;
      this.pos = pos + n;
      return;
    }
    const word = ((n === 32 ? v : v & ((1 << n) - 1)) << (32 - s - n)) >>> 0;
    buf[b]! |= word >>> 24;
    const end = s + n;
    if (end > 8) {
      buf[++b] = (word >>> 16) & 255;
      if (end > 16) {
        buf[++b] = (word >>> 8) & 255;
        if (end > 24) buf[++b] = word & 255;
      }
    }
    this.pos = pos + n;
  }

  /** Writes the non-negative integer `v` (< 2^53) in `n` (0…53) bits. */
  putBig(v: number, n: number): void {
    if (n > 32) {
      this.put(Math.floor(v / TWO32), n - 32);
      this.put(v >>> 0, 32);
    } else {
      this.put(n === 32 ? v >>> 0 : v, n);
    }
  }

  /** Writes `varbits(z)` of a non-negative integer. */
  putVar(z: number): void {
    const w = bitLength(z);
    this.put(w, 6);
    this.putBig(z, w);
  }
}

/** Bits of `varbits(z)`. */
function varCost(z: number): number {
  return 6 + bitLength(z);
}

/** `buf[i]`, or 0 at or past `lim`. */
function byteAt(buf: Uint8Array, i: number, lim: number): number {
  return i < lim ? buf[i]! : 0;
}

/** A bit reader over `buf[start…end)`; reads past the end yield zeros and are caught by {@link check}. */
export class BitIn {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  endBit = 0;

  /** Reads `buf[start…end)` from its first bit. */
  reset(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.pos = start * 8;
    this.endBit = end * 8;
    return this;
  }

  /** The 32 bits from the current position (not consumed). */
  peek32(): number {
    const buf = this.buf;
    const pos = this.pos;
    const b = pos >>> 3;
    const lim = this.endBit >>> 3;
    let w: number;
    let next: number;
    if (b + 4 < lim) {
      w = (buf[b]! << 24) | (buf[b + 1]! << 16) | (buf[b + 2]! << 8) | buf[b + 3]!;
      next = buf[b + 4]!;
    } else {
      // Near the end: the bytes past it read as zeros.
      w = (byteAt(buf, b, lim) << 24) | (byteAt(buf, b + 1, lim) << 16) | (byteAt(buf, b + 2, lim) << 8) | byteAt(buf, b + 3, lim);
      next = byteAt(buf, b + 4, lim);
    }
    const s = pos & 7;
    if (s !== 0) w = (w << s) | (next >>> (8 - s));
    return w >>> 0;
  }

  /** Reads `n` (0…32) bits as an unsigned integer. */
  get(n: number): number {
    if (n === 0) return 0;
    const v = this.peek32() >>> (32 - n);
    this.pos += n;
    return v;
  }

  /** Reads `n` (0…53) bits as a non-negative integer. */
  getBig(n: number): number {
    if (n <= 32) return this.get(n);
    const hi = this.get(n - 32);
    return hi * TWO32 + this.get(32);
  }

  /** Reads `varbits`. @throws {BitpackError} for a width above 53. */
  getVar(): number {
    const w = this.get(6);
    if (w > 53) throw new BitpackError(`bit width ${w} out of range`);
    return this.getBig(w);
  }

  /** @throws {BitpackError} when more bits were read than the stream holds. */
  check(): void {
    if (this.pos > this.endBit) throw new BitpackError(`read ${this.pos - this.endBit} bits past the end`);
  }
}

/** Bit-length histograms (count and sum of terms per length 0…53) for the Rice estimates. */
class LengthHistogram {
  readonly count = new Int32Array(54);
  readonly sum = new Float64Array(54);
  /** Terms added. */
  total = 0;
  minLen = 54;
  maxLen = 0;

  clear(): void {
    if (this.total > 0) {
      this.count.fill(0, this.minLen, this.maxLen + 1);
      this.sum.fill(0, this.minLen, this.maxLen + 1);
    }
    this.total = 0;
    this.minLen = 54;
    this.maxLen = 0;
  }
}

/** Histograms of the Rice candidates: zig-zag and above-the-min terms of orders 1 and 2. */
const zigHist = [new LengthHistogram(), new LengthHistogram()];
const offHist = [new LengthHistogram(), new LengthHistogram()];

/** 2^−k for k = 0…53 (dividing by 2^k and multiplying by 2^−k give the same double). */
const INV_POW2 = Float64Array.from({ length: 54 }, (_, k) => 2 ** -k);

/**
 * The Rice parameter with the lowest estimated cost (bits, including the 6-bit parameter) for the
 * terms of histogram `h`, into `out`. Terms below 2^k cost 1 + k bits; longer ones add their
 * quotient (a floor: about half a unit less than the plain ratio), or are escaped when it reaches
 * the limit, so a few outliers do not drive k up. Every term costs at least 1 + k bits, so the
 * search stops at the first k whose floor 6 + terms·(1 + k) reaches the best estimate (no larger
 * k can beat it).
 */
function riceEstimate(h: LengthHistogram, out: { k: number; bits: number }): void {
  out.bits = Infinity;
  const { count, sum, minLen, maxLen, total } = h;
  const top = Math.min(52, maxLen);
  for (let k = 0; k <= top; k++) {
    if (6 + total * (1 + k) >= out.bits) break;
    let bits = 6;
    const inv = INV_POW2[k]!;
    for (let b = minLen; b <= maxLen; b++) {
      const c = count[b]!;
      if (c === 0) continue;
      if (b <= k) bits += c * (1 + k);
      else if (b - k > 5) bits += c * (RICE_LIMIT + 6 + b);
      else bits += c * (0.5 + k) + sum[b]! * inv;
    }
    if (bits < out.bits) {
      out.bits = bits;
      out.k = k;
    }
  }
}

/** Plan of coding a sequence: order, method, parameter (span or k), min, and estimated bits. */
interface Plan {
  order: number;
  method: number;
  param: number;
  min: number;
  bits: number;
}

const plan: Plan = { order: 0, method: 0, param: 0, min: 0, bits: 0 };

function setPlan(p: Plan, order: number, method: number, param: number, min: number, bits: number): void {
  p.order = order;
  p.method = method;
  p.param = param;
  p.min = min;
  p.bits = bits;
}

/**
 * The order-1 and order-2 terms of the sequence last given to {@link choosePlan}: `d1[i − 1]` =
 * x[i] − x[i−1], `d2[i − 2]` = d1[i − 1] − d1[i − 2] (exact: the terms of integers within
 * ±{@link MAX_SEQ_INT} stay below 2^53). Grown as needed.
 */
let d1 = new Float64Array(1024);
let d2 = new Float64Array(1024);

const mins = [0, 0, 0];
const maxs = [0, 0, 0];

/**
 * Adds the terms `t[0…count)` to histogram `h` (cleared first), as zig-zag codes when `zig`, else
 * as their distance to `min`. With `sparse` also returns the bits of their sparse code (without
 * the count), the first term being at sequence position `first`; else 0.
 */
function histogramTerms(t: Float64Array, count: number, zig: boolean, min: number, h: LengthHistogram, first: number, sparse: boolean): number {
  h.clear();
  const hc = h.count;
  const hs = h.sum;
  let minLen = 54;
  let maxLen = 0;
  let bits = 0;
  if (!sparse) {
    // Without the sparse cost (the common case): one loop per form of the terms.
    for (let j = 0; j < count; j++) {
      const y = t[j]!;
      const e = zig ? (y >= 0 ? 2 * y : -2 * y - 1) : y - min;
      const b = e < TWO32 ? 32 - Math.clz32(e) : bitLength(e);
      hc[b]!++;
      hs[b]! += e;
      if (b > maxLen) maxLen = b;
      if (b < minLen) minLen = b;
    }
    h.total = count;
    h.minLen = minLen;
    h.maxLen = maxLen;
    return 0;
  }
  let last = first - 1;
  for (let j = 0; j < count; j++) {
    const y = t[j]!;
    const z = y >= 0 ? 2 * y : -2 * y - 1;
    const e = zig ? z : y - min;
    const b = e < TWO32 ? 32 - Math.clz32(e) : bitLength(e);
    hc[b]!++;
    hs[b]! += e;
    if (b > maxLen) maxLen = b;
    if (b < minLen) minLen = b;
    if (y !== 0) {
      const gap = j + first - last - 1;
      bits += 12 + (gap < TWO32 ? 32 - Math.clz32(gap) : bitLength(gap)) + (z < TWO32 ? 32 - Math.clz32(z) : bitLength(z));
      last = j + first;
    }
  }
  h.total = count;
  h.minLen = minLen;
  h.maxLen = maxLen;
  return bits;
}

/**
 * Chooses the cheapest order and method for x[0…n) (n ≥ 1) into {@link plan}, in two passes: the
 * ranges of the terms of each order (frame-of-reference costs), kept in {@link d1} and {@link d2},
 * then bit-length histograms of the order-1 and order-2 terms (Rice estimates; Rice codes suit
 * small differences).
 */
function choosePlan(x: Float64Array, n: number): void {
  if (d1.length < n) {
    d1 = new Float64Array(n);
    d2 = new Float64Array(n);
  }
  const t1 = d1;
  const t2 = d2;
  let min0 = x[0]!;
  let max0 = min0;
  let min1 = Infinity;
  let max1 = -Infinity;
  let min2 = Infinity;
  let max2 = -Infinity;
  let prevD = 0;
  let nonZero1 = 0;
  let nonZero2 = 0;
  for (let i = 1; i < n; i++) {
    const v = x[i]!;
    if (v < min0) min0 = v;
    if (v > max0) max0 = v;
    const d = v - x[i - 1]!;
    t1[i - 1] = d;
    if (d !== 0) nonZero1++;
    if (d < min1) min1 = d;
    if (d > max1) max1 = d;
    if (i > 1) {
      const dd = d - prevD;
      t2[i - 2] = dd;
      if (dd !== 0) nonZero2++;
      if (dd < min2) min2 = dd;
      if (dd > max2) max2 = dd;
    }
    prevD = d;
  }
  mins[0] = min0;
  maxs[0] = max0;
  mins[1] = min1;
  maxs[1] = max1;
  mins[2] = min2;
  maxs[2] = max2;
  plan.bits = Infinity;
  let tryRice = false;
  for (let order = 0; order <= 2; order++) {
    let base = 2 + 2;
    if (order >= 1) base += varCost(zigzag(x[0]!));
    if (order === 2 && n > 1) base += varCost(zigzag(x[1]! - x[0]!));
    if (order >= n) {
      const bits = base + varCost(0) + varCost(0);
      if (bits < plan.bits) setPlan(plan, order, 0, 0, 0, bits);
      continue;
    }
    // Truncated binary: about w − u/(span + 1) bits a term for evenly spread terms.
    const span = maxs[order]! - mins[order]!;
    const width = bitLength(span);
    const perTerm = span === 0 ? 0 : width - (POW2[width]! - span - 1) / (span + 1);
    const bits = base + varCost(zigzag(mins[order]!)) + varCost(span) + perTerm * (n - order);
    if (bits < plan.bits) setPlan(plan, order, 0, span, mins[order]!, bits);
    if (order > 0 && span > 0) tryRice = true;
  }
  if (!tryRice) return;
  // Terms of both signs take zig-zag codes, terms of one sign their distance to the min. The
  // sparse method's cost (each non-zero term takes at least 13 bits) is summed on the way unless
  // its floor already loses.
  for (let order = 1; order <= 2 && order < n; order++) {
    const min = mins[order]!;
    const zig = min < 0 && maxs[order]! > 0;
    const h = zig ? zigHist[order - 1]! : offHist[order - 1]!;
    const nonZero = order === 1 ? nonZero1 : nonZero2;
    let base = 2 + 2 + varCost(zigzag(x[0]!));
    if (order === 2) base += varCost(zigzag(x[1]! - x[0]!));
    const trySparse = base + varCost(nonZero) + 13 * nonZero < plan.bits;
    const sparseBits = histogramTerms(order === 1 ? t1 : t2, n - order, zig, min, h, order, trySparse);
    if (zig) {
      riceEstimate(h, riceOut);
      if (base + riceOut.bits < plan.bits) setPlan(plan, order, 1, riceOut.k, 0, base + riceOut.bits);
    } else {
      riceEstimate(h, riceOut);
      const bits = base + varCost(zigzag(min)) + riceOut.bits;
      if (bits < plan.bits) setPlan(plan, order, 2, riceOut.k, min, bits);
    }
    if (!trySparse) continue;
    const sparse = base + varCost(nonZero) + sparseBits;
    if (sparse < plan.bits) setPlan(plan, order, 3, 0, 0, sparse);
  }
}

const riceOut = { k: 0, bits: 0 };

function putRice(w: BitOut, z: number, k: number, scale: number): void {
  const q = k < 32 && z < TWO32 ? (z >>> k) : Math.floor(z / scale);
  if (q + 1 + k <= 32) {
    // q ones, a zero and the k low bits, in one write.
    w.put((POW2[q + 1]! - 2) * scale + (z - q * scale), q + 1 + k);
  } else if (q < RICE_LIMIT) {
    // q ones and a zero (q < 32, so q + 1 ≤ 32 bits).
    w.put(POW2[q + 1]! - 2, q + 1);
    w.putBig(z - q * scale, k);
  } else {
    w.put(0xffffffff, RICE_LIMIT);
    w.putVar(z);
  }
}

/**
 * Writes the integers x[0…n) (n ≥ 1, each a safe integer of magnitude ≤ {@link MAX_SEQ_INT}) in
 * the cheapest order and method (see the module docs).
 */
export function writeIntSeq(w: BitOut, x: Float64Array, n: number): void {
  choosePlan(x, n);
  const { order, method, param, min } = plan;
  w.put(order, 2);
  if (order >= 1) w.putVar(zigzag(x[0]!));
  if (order === 2 && n > 1) w.putVar(zigzag(x[1]! - x[0]!));
  w.put(method, 2);
  const from = Math.min(order, n);
  // Term i of the chosen order is t[i − order].
  const t = order === 0 ? x : order === 1 ? d1 : d2;
  if (method === 0) {
    w.putVar(zigzag(min));
    w.putVar(param);
    if (param > 0) {
      const width = bitLength(param);
      const u = POW2[width]! - param - 1;
      if (width <= 32) {
        for (let i = from; i < n; i++) {
          const z = t[i - order]! - min;
          if (z < u) w.put(z, width - 1);
          else w.put(z + u, width);
        }
      } else {
        for (let i = from; i < n; i++) {
          const z = t[i - order]! - min;
          if (z < u) w.putBig(z, width - 1);
          else w.putBig(z + u, width);
        }
      }
    }
  } else if (method === 1) {
    w.put(param, 6);
    const scale = POW2[param]!;
    for (let i = from; i < n; i++) putRice(w, zigzag(t[i - order]!), param, scale);
  } else if (method === 3) {
    let count = 0;
    for (let i = from; i < n; i++) if (t[i - order]! !== 0) count++;
    w.putVar(count);
    for (let i = from, last = from - 1; i < n; i++) {
      const y = t[i - order]!;
      if (y === 0) continue;
      w.putVar(i - last - 1);
      w.putVar(zigzag(y));
      last = i;
    }
  } else {
    w.putVar(zigzag(min));
    w.put(param, 6);
    const scale = POW2[param]!;
    for (let i = from; i < n; i++) putRice(w, t[i - order]! - min, param, scale);
  }
}

function getRice(r: BitIn, k: number, scale: number): number {
  const w = r.peek32();
  const ones = Math.clz32(~w);
  if (ones + 1 + k <= 32) {
    // The whole code lies in the peeked word.
    r.pos += ones + 1 + k;
    return k === 0 ? ones : ones * scale + ((w << (ones + 1)) >>> (32 - k));
  }
  if (ones < RICE_LIMIT) {
    r.pos += ones + 1;
    return ones * scale + r.getBig(k);
  }
  r.pos += RICE_LIMIT;
  return r.getVar();
}

/**
 * Reads the Rice-coded deltas (`min` + code, parameter `k`, `scale` = 2^k) of an order-1 sequence
 * into `out[from…stop)` (indices into `out`; `out[from − 1]` holds the first value), summed as
 * read (the same additions as summing them afterwards, as {@link readIntSeq} does for the other
 * orders). A code that lies in the 4 bytes from its first byte is read there, with the reader's
 * fields kept in locals; others through {@link getRice}.
 */
function readDeltasRice(r: BitIn, from: number, stop: number, out: Float64Array, min: number, k: number, scale: number): void {
  const buf = r.buf;
  const lastWord = (r.endBit >>> 3) - 4;
  let x = out[from - 1]!;
  let pos = r.pos;
  for (let i = from; i < stop; i++) {
    const b = pos >>> 3;
    const s = pos & 7;
    if (b <= lastWord) {
      // The 32 − s bits from the current position, then zeros.
      const w = ((buf[b]! << 24) | (buf[b + 1]! << 16) | (buf[b + 2]! << 8) | buf[b + 3]!) << s;
      const ones = Math.clz32(~w);
      if (ones + 1 + k <= 32 - s) {
        pos += ones + 1 + k;
        out[i] = x += min + (k === 0 ? ones : ones * scale + ((w << (ones + 1)) >>> (32 - k)));
        continue;
      }
    }
    r.pos = pos;
    out[i] = x += min + getRice(r, k, scale);
    pos = r.pos;
  }
  r.pos = pos;
}

/**
 * Reads the frame-of-reference deltas of an order-1 sequence (after its first value, in
 * `out[at]`, and method) and sums them into `out[at + 1…stop)` (`stop` an index into `out`).
 * Returns whether every delta is positive.
 */
function readDeltasFor(r: BitIn, at: number, stop: number, out: Float64Array): boolean {
  const min = unzigzag(r.getVar());
  const span = r.getVar();
  let x = out[at]!;
  if (span === 0) {
    for (let i = at + 1; i < stop; i++) out[i] = x += min;
    return min > 0;
  }
  const width = bitLength(span);
  const u = POW2[width]! - span - 1;
  let i = at + 1;
  if (width <= 25) {
    // A code starts at most 7 bits into its first byte, so it lies in the 4 bytes from there:
    // read them here while they are all inside the stream (the reader's fields kept in locals).
    const buf = r.buf;
    const lastWord = (r.endBit >>> 3) - 4;
    const shift = 32 - width;
    // u as a small integer, so the loop does integer arithmetic only.
    const ui = ((1 << width) - span - 1) | 0;
    let pos = r.pos;
    if (width <= 8) {
      // Three codes of at most 8 bits per 4 bytes read (at least 25 bits of them remain after the
      // first byte's offset): fewer reads, each waiting on the position the codes before set.
      for (; i + 2 < stop; i += 3) {
        const b = pos >>> 3;
        if (b > lastWord) break;
        const word = ((buf[b]! << 24) | (buf[b + 1]! << 16) | (buf[b + 2]! << 8) | buf[b + 3]!) << (pos & 7);
        const w1 = word >>> shift;
        const v1 = w1 >>> 1;
        const long1 = (ui - 1 - v1) >>> 31;
        x += min + (v1 + long1 * (w1 - ui - v1));
        out[i] = x;
        const len1 = width - 1 + long1;
        const w2 = (word << len1) >>> shift;
        const v2 = w2 >>> 1;
        const long2 = (ui - 1 - v2) >>> 31;
        x += min + (v2 + long2 * (w2 - ui - v2));
        out[i + 1] = x;
        const len2 = len1 + width - 1 + long2;
        const w3 = (word << len2) >>> shift;
        const v3 = w3 >>> 1;
        const long3 = (ui - 1 - v3) >>> 31;
        x += min + (v3 + long3 * (w3 - ui - v3));
        out[i + 2] = x;
        pos += len2 + width - 1 + long3;
      }
    }
    if (width <= 12) {
      // Two codes per 4 bytes read: at least 25 bits of them remain after the first byte's offset.
      for (; i + 1 < stop; i += 2) {
        const b = pos >>> 3;
        if (b > lastWord) break;
        const word = ((buf[b]! << 24) | (buf[b + 1]! << 16) | (buf[b + 2]! << 8) | buf[b + 3]!) << (pos & 7);
        const w1 = word >>> shift;
        const v1 = w1 >>> 1;
        const long1 = (ui - 1 - v1) >>> 31;
        x += min + (v1 + long1 * (w1 - ui - v1));
        out[i] = x;
        const len1 = width - 1 + long1;
        const w2 = (word << len1) >>> shift;
        const v2 = w2 >>> 1;
        const long2 = (ui - 1 - v2) >>> 31;
        x += min + (v2 + long2 * (w2 - ui - v2));
        out[i + 1] = x;
        pos += len1 + width - 1 + long2;
      }
    }
    for (; i < stop; i++) {
      const b = pos >>> 3;
      if (b > lastWord) break;
      const w = (((buf[b]! << 24) | (buf[b + 1]! << 16) | (buf[b + 2]! << 8) | buf[b + 3]!) << (pos & 7)) >>> shift;
      const v = w >>> 1;
      // Without a branch (which of the two code lengths comes next is unpredictable): long is 1
      // when v ≥ u (then the code is the width-bit w, its value w − u), else 0 (the value is v).
      const long = (ui - 1 - v) >>> 31;
      x += min + (v + long * (w - ui - v));
      pos += width - 1 + long;
      out[i] = x;
    }
    r.pos = pos;
  }
  if (width <= 32) {
    const shift = 32 - width;
    for (; i < stop; i++) {
      const w = r.peek32() >>> shift;
      const v = w >>> 1;
      if (v < u) {
        x += min + v;
        r.pos += width - 1;
      } else {
        x += min + w - u;
        r.pos += width;
      }
      out[i] = x;
    }
    return min > 0;
  }
  for (; i < stop; i++) {
    const v = r.getBig(width - 1);
    out[i] = x += min + (v < u ? v : 2 * v + r.get(1) - u);
  }
  return min > 0;
}

/**
 * Reads the integers written by {@link writeIntSeq} for a sequence of n terms: terms [0, stop)
 * (`stop` ≤ n, default n) into `out[at…at + stop)` (default `at` 0; no other entry of `out` is
 * written). With `stop` < n the later terms are not read (so the reader is left inside the
 * sequence: use it for a sequence that ends the stream). Returns true when the terms read are
 * known to rise (an order-1 sequence of positive deltas, in the form that stores their minimum),
 * false when nothing is known.
 * @throws {BitpackError} for an invalid order, method or parameter.
 */
export function readIntSeq(r: BitIn, n: number, out: Float64Array, stop = n, at = 0): boolean {
  const order = r.get(2);
  if (order > 2) throw new BitpackError(`invalid sequence order ${order}`);
  const from = Math.min(order, n);
  for (let i = 0; i < from; i++) {
    const head = unzigzag(r.getVar());
    if (i < stop) out[at + i] = head;
  }
  const method = r.get(2);
  if (method === 0 && order === 1 && stop > 1) {
    // Deltas of one range (the most common case: regular timestamps, counters): summed as read.
    return readDeltasFor(r, at, at + stop, out);
  }
  // From here on, indices into `out`.
  const lo = at + from;
  const hi = at + stop;
  if (method === 0) {
    const min = unzigzag(r.getVar());
    const span = r.getVar();
    if (span === 0) {
      if (lo < hi) out.fill(min, lo, hi);
    } else {
      const width = bitLength(span);
      const u = POW2[width]! - span - 1;
      if (width <= 32) {
        const shift = 32 - width;
        for (let i = lo; i < hi; i++) {
          // Both the (width − 1)-bit and the width-bit forms are in the peeked word.
          const w = r.peek32() >>> shift;
          const v = w >>> 1;
          if (v < u) {
            out[i] = min + v;
            r.pos += width - 1;
          } else {
            out[i] = min + w - u;
            r.pos += width;
          }
        }
      } else {
        for (let i = lo; i < hi; i++) {
          const v = r.getBig(width - 1);
          out[i] = min + (v < u ? v : 2 * v + r.get(1) - u);
        }
      }
    }
  } else if (method === 1 || method === 2) {
    const min = method === 2 ? unzigzag(r.getVar()) : 0;
    const k = r.get(6);
    if (k > 52) throw new BitpackError(`Rice parameter ${k} out of range`);
    const scale = POW2[k]!;
    if (method === 1) for (let i = lo; i < hi; i++) out[i] = unzigzag(getRice(r, k, scale));
    else if (order === 1) {
      readDeltasRice(r, lo, hi, out, min, k, scale);
      return false;
    } else for (let i = lo; i < hi; i++) out[i] = min + getRice(r, k, scale);
  } else {
    const count = r.getVar();
    if (count > n - from) throw new BitpackError(`${count} non-zero terms in ${n - from}`);
    if (lo < hi) out.fill(0, lo, hi);
    for (let c = 0, i = from - 1; c < count; c++) {
      i += r.getVar() + 1;
      if (i >= n) throw new BitpackError(`sparse term ${i} out of range`);
      const y = unzigzag(r.getVar());
      if (i < stop) out[at + i] = y;
    }
  }
  if (order === 1) {
    for (let i = at + 1; i < hi; i++) out[i] = out[i]! + out[i - 1]!;
  } else if (order === 2) {
    if (stop > 1) out[at + 1] = out[at + 1]! + out[at]!;
    for (let i = at + 2; i < hi; i++) out[i] = out[i]! + 2 * out[i - 1]! - out[i - 2]!;
  }
  return false;
}
