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

  /** Writes the low `n` (0…32) bits of the unsigned integer `v`. */
  put(v: number, n: number): void {
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    while (n > 0) {
      const free = 8 - (pos & 7);
      const take = free < n ? free : n;
      const bits = (v >>> (n - take)) & ((1 << take) - 1);
      buf[pos >>> 3]! |= bits << (free - take);
      n -= take;
      pos += take;
    }
    this.pos = pos;
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
  readonly count = new Float64Array(54);
  readonly sum = new Float64Array(54);
  maxLen = 0;

  clear(): void {
    this.count.fill(0, 0, this.maxLen + 1);
    this.sum.fill(0, 0, this.maxLen + 1);
    this.maxLen = 0;
  }

  add(z: number): void {
    const b = bitLength(z);
    this.count[b]!++;
    this.sum[b]! += z;
    if (b > this.maxLen) this.maxLen = b;
  }
}

/** Histograms of the Rice candidates: zig-zag and above-the-min terms of orders 1 and 2. */
const zigHist = [new LengthHistogram(), new LengthHistogram()];
const offHist = [new LengthHistogram(), new LengthHistogram()];

/**
 * The Rice parameter with the lowest estimated cost (bits, including the 6-bit parameter) for the
 * terms of histogram `h`, into `out`. Terms below 2^k cost 1 + k bits; longer ones add their
 * quotient (a floor: about half a unit less than the plain ratio), or are escaped when it reaches
 * the limit, so a few outliers do not drive k up.
 */
function riceEstimate(h: LengthHistogram, out: { k: number; bits: number }): void {
  out.bits = Infinity;
  for (let k = 0; k <= Math.min(52, h.maxLen); k++) {
    let bits = 6;
    for (let b = 0; b <= h.maxLen; b++) {
      const c = h.count[b]!;
      if (c === 0) continue;
      if (b <= k) bits += c * (1 + k);
      else if (b - k > 5) bits += c * (RICE_LIMIT + 6 + b);
      else bits += c * (0.5 + k) + h.sum[b]! / 2 ** k;
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

/** Term i (≥ order) of order `order` of x. */
function term(x: Float64Array, i: number, order: number): number {
  if (order === 0) return x[i]!;
  if (order === 1) return x[i]! - x[i - 1]!;
  return x[i]! - 2 * x[i - 1]! + x[i - 2]!;
}

const mins = [0, 0, 0];
const maxs = [0, 0, 0];

/**
 * Chooses the cheapest order and method for x[0…n) (n ≥ 1) into {@link plan}, in two passes over
 * x: the ranges of the terms of each order (frame-of-reference costs), then bit-length histograms
 * of the order-1 and order-2 terms (Rice estimates; Rice codes suit small differences).
 */
function choosePlan(x: Float64Array, n: number): void {
  let min0 = x[0]!;
  let max0 = min0;
  let min1 = Infinity;
  let max1 = -Infinity;
  let min2 = Infinity;
  let max2 = -Infinity;
  let prevD = 0;
  for (let i = 1; i < n; i++) {
    const v = x[i]!;
    if (v < min0) min0 = v;
    if (v > max0) max0 = v;
    const d = v - x[i - 1]!;
    if (d < min1) min1 = d;
    if (d > max1) max1 = d;
    if (i > 1) {
      const dd = d - prevD;
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
    const perTerm = span === 0 ? 0 : width - (2 ** width - span - 1) / (span + 1);
    const bits = base + varCost(zigzag(mins[order]!)) + varCost(span) + perTerm * (n - order);
    if (bits < plan.bits) setPlan(plan, order, 0, span, mins[order]!, bits);
    if (order > 0 && span > 0) tryRice = true;
  }
  if (!tryRice) return;
  for (let o = 0; o < 2; o++) {
    zigHist[o]!.clear();
    offHist[o]!.clear();
  }
  const straddle1 = min1 < 0 && max1 > 0;
  const straddle2 = min2 < 0 && max2 > 0;
  // Terms of both signs take zig-zag codes, terms of one sign their distance to the min. The
  // sparse method's cost is summed on the way (its count's varbits added below).
  let sparse1 = 0;
  let sparse2 = 0;
  let count1 = 0;
  let count2 = 0;
  let last1 = 0;
  let last2 = 1;
  for (let i = 1; i < n; i++) {
    const d = x[i]! - x[i - 1]!;
    if (straddle1) zigHist[0]!.add(zigzag(d));
    else offHist[0]!.add(d - min1);
    if (d !== 0) {
      sparse1 += varCost(i - last1 - 1) + varCost(zigzag(d));
      count1++;
      last1 = i;
    }
    if (i > 1) {
      const dd = d - (x[i - 1]! - x[i - 2]!);
      if (straddle2) zigHist[1]!.add(zigzag(dd));
      else offHist[1]!.add(dd - min2);
      if (dd !== 0) {
        sparse2 += varCost(i - last2 - 1) + varCost(zigzag(dd));
        count2++;
        last2 = i;
      }
    }
  }
  for (let order = 1; order <= 2 && order < n; order++) {
    let base = 2 + 2 + varCost(zigzag(x[0]!));
    if (order === 2) base += varCost(zigzag(x[1]! - x[0]!));
    if (order === 1 ? straddle1 : straddle2) {
      riceEstimate(zigHist[order - 1]!, riceOut);
      if (base + riceOut.bits < plan.bits) setPlan(plan, order, 1, riceOut.k, 0, base + riceOut.bits);
    } else {
      riceEstimate(offHist[order - 1]!, riceOut);
      const bits = base + varCost(zigzag(mins[order]!)) + riceOut.bits;
      if (bits < plan.bits) setPlan(plan, order, 2, riceOut.k, mins[order]!, bits);
    }
    const sparse = base + (order === 1 ? varCost(count1) + sparse1 : varCost(count2) + sparse2);
    if (sparse < plan.bits) setPlan(plan, order, 3, 0, 0, sparse);
  }
}

const riceOut = { k: 0, bits: 0 };

function putRice(w: BitOut, z: number, k: number, scale: number): void {
  const q = Math.floor(z / scale);
  if (q + 1 + k <= 32) {
    // q ones, a zero and the k low bits, in one write.
    w.put((2 ** (q + 1) - 2) * scale + (z - q * scale), q + 1 + k);
  } else if (q < RICE_LIMIT) {
    // q ones and a zero (q < 32, so q + 1 ≤ 32 bits).
    w.put(q === 31 ? 0xfffffffe : ((1 << (q + 1)) - 2) >>> 0, q + 1);
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
  if (method === 0) {
    w.putVar(zigzag(min));
    w.putVar(param);
    if (param > 0) {
      const width = bitLength(param);
      const u = 2 ** width - param - 1;
      for (let i = from; i < n; i++) {
        const z = term(x, i, order) - min;
        if (z < u) w.putBig(z, width - 1);
        else w.putBig(z + u, width);
      }
    }
  } else if (method === 1) {
    w.put(param, 6);
    const scale = 2 ** param;
    for (let i = from; i < n; i++) putRice(w, zigzag(term(x, i, order)), param, scale);
  } else if (method === 3) {
    let count = 0;
    for (let i = from; i < n; i++) if (term(x, i, order) !== 0) count++;
    w.putVar(count);
    for (let i = from, last = from - 1; i < n; i++) {
      const y = term(x, i, order);
      if (y === 0) continue;
      w.putVar(i - last - 1);
      w.putVar(zigzag(y));
      last = i;
    }
  } else {
    w.putVar(zigzag(min));
    w.put(param, 6);
    const scale = 2 ** param;
    for (let i = from; i < n; i++) putRice(w, term(x, i, order) - min, param, scale);
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
 * Reads the frame-of-reference deltas of an order-1 sequence (after its first value and method)
 * and sums them into `out[1…stop)`. Returns whether every delta is positive.
 */
function readDeltasFor(r: BitIn, stop: number, out: Float64Array): boolean {
  const min = unzigzag(r.getVar());
  const span = r.getVar();
  let x = out[0]!;
  if (span === 0) {
    for (let i = 1; i < stop; i++) out[i] = x += min;
    return min > 0;
  }
  const width = bitLength(span);
  const u = 2 ** width - span - 1;
  if (width <= 32) {
    const shift = 32 - width;
    for (let i = 1; i < stop; i++) {
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
  for (let i = 1; i < stop; i++) {
    const v = r.getBig(width - 1);
    out[i] = x += min + (v < u ? v : 2 * v + r.get(1) - u);
  }
  return min > 0;
}

/**
 * Reads the integers written by {@link writeIntSeq} for a sequence of n terms into `out[0…stop)`
 * (`stop` ≤ n, default n). With `stop` < n the later terms are not read (so the reader is left
 * inside the sequence: use it for a sequence that ends the stream). Returns true when the terms
 * read are known to rise (an order-1 sequence of positive deltas, in the form that stores their
 * minimum), false when nothing is known.
 * @throws {BitpackError} for an invalid order, method or parameter.
 */
export function readIntSeq(r: BitIn, n: number, out: Float64Array, stop = n): boolean {
  const order = r.get(2);
  if (order > 2) throw new BitpackError(`invalid sequence order ${order}`);
  const from = Math.min(order, n);
  for (let i = 0; i < from; i++) out[i] = unzigzag(r.getVar());
  const method = r.get(2);
  if (method === 0 && order === 1 && stop > 1) {
    // Deltas of one range (the most common case: regular timestamps, counters): summed as read.
    return readDeltasFor(r, stop, out);
  }
  if (method === 0) {
    const min = unzigzag(r.getVar());
    const span = r.getVar();
    if (span === 0) {
      if (from < stop) out.fill(min, from, stop);
    } else {
      const width = bitLength(span);
      const u = 2 ** width - span - 1;
      if (width <= 32) {
        const shift = 32 - width;
        for (let i = from; i < stop; i++) {
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
        for (let i = from; i < stop; i++) {
          const v = r.getBig(width - 1);
          out[i] = min + (v < u ? v : 2 * v + r.get(1) - u);
        }
      }
    }
  } else if (method === 1 || method === 2) {
    const min = method === 2 ? unzigzag(r.getVar()) : 0;
    const k = r.get(6);
    if (k > 52) throw new BitpackError(`Rice parameter ${k} out of range`);
    const scale = 2 ** k;
    if (method === 1) for (let i = from; i < stop; i++) out[i] = unzigzag(getRice(r, k, scale));
    else for (let i = from; i < stop; i++) out[i] = min + getRice(r, k, scale);
  } else {
    const count = r.getVar();
    if (count > n - from) throw new BitpackError(`${count} non-zero terms in ${n - from}`);
    if (from < stop) out.fill(0, from, stop);
    for (let c = 0, i = from - 1; c < count; c++) {
      i += r.getVar() + 1;
      if (i >= n) throw new BitpackError(`sparse term ${i} out of range`);
      const y = unzigzag(r.getVar());
      if (i < stop) out[i] = y;
    }
  }
  if (order === 1) {
    for (let i = 1; i < stop; i++) out[i] = out[i]! + out[i - 1]!;
  } else if (order === 2) {
    if (stop > 1) out[1] = out[1]! + out[0]!;
    for (let i = 2; i < stop; i++) out[i] = out[i]! + 2 * out[i - 1]! - out[i - 2]!;
  }
  return false;
}
