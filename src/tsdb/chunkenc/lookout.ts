/**
 * Lookout's compact, lossless chunk encoding for blocks (on-disk code {@link Encoding.Lookout},
 * 0x40, which Prometheus does not use, so Prometheus 2.42 fails queries touching such a block with
 * `invalid chunk encoding "<unknown>"` instead of misreading it). Head chunks and the WAL stay
 * XOR; this encoding is written when a block is cut (block/writer.ts), a series' samples in the
 * block range split into runs of at most {@link LOOKOUT_CHUNK_SAMPLES}.
 *
 * Scraped values are mostly decimals with few digits (counters, integer or 1–3-decimal gauges),
 * and scrape timestamps are regular. The chunk stores them as integer sequences (bitpack.ts):
 *
 * ```
 * count <2, BE>        samples, as in every chunk (chunkSampleCount reads it)
 * timestamps           intseq(t)                  constant spacing costs ~0 bits a sample
 * k <4>                decimal exponent: values are m / 10^k; 15: float-bits form
 * exceptions           varbits(E) then E × (varbits(gap) | raw value bits <64>)
 * mantissas            intseq(m)
 * ```
 *
 * or, in the float-bits form (floats that are not short decimals but change slowly, such as a
 * histogram's `_sum`): the first value's raw bits <64>, exceptions as above (their difference is
 * 0), then intseq of the n − 1 differences between consecutive values' bit patterns read as 64-bit
 * integers.
 *
 * A value v is stored as the integer m with `m / 10^k === v` (checked by the exact round trip, so
 * -0, NaN payloads such as the staleness marker, infinities and other floats that are not such a
 * decimal become exceptions, stored as their raw bits at their position; gaps count from the
 * previous exception's position + 1). Chunks that would need exceptions for more than an eighth of
 * their samples take the float-bits form when at most an eighth of its differences exceed ±2^49;
 * else they are not encoded this way ({@link encodeLookoutChunk} returns null) and the writer
 * falls back to XOR.
 */
import { CorruptionError } from '../block/fileread.js';
import { BitIn, BitOut, BitpackError, MAX_SEQ_INT, readIntSeq, writeIntSeq } from './bitpack.js';
import type { ChunkIterator } from './chunk.js';
import { HI, LO } from './floatbits.js';

/** Most samples in one Lookout chunk (the decoder rejects larger counts as corrupt). */
export const LOOKOUT_MAX_SAMPLES = 1024;

/**
 * Most samples the block writer puts in one Lookout chunk (a series' samples are split into equal
 * runs of at most this many, see {@link lookoutChunkBounds}): as many as Prometheus's XOR chunks
 * hold, so a short range read (an instant query's 5 min lookback) decodes about as many samples per
 * series as from an XOR block. On data set B (15 s) the per-chunk costs (chunk header and CRC,
 * index entry, sequence headers) are ~0.19 bytes per sample: 1.157 B/sample in all, against 1.095
 * at 160 and 1.026 at 240 samples, which decode 1.3× and 1.8× as long for a 5 min read.
 */
export const LOOKOUT_CHUNK_SAMPLES = 120;

/**
 * Start of run `p` of `parts` equal runs of `count` samples: runs are [bound(p), bound(p + 1)).
 * With `parts` = `ceil(count / LOOKOUT_CHUNK_SAMPLES)` each run holds at most
 * {@link LOOKOUT_CHUNK_SAMPLES} samples and none is much shorter than the others.
 */
export function lookoutChunkBounds(count: number, parts: number, p: number): number {
  return Math.floor((p * count) / parts);
}

/** {@link MAX_SEQ_INT} as a module constant (read per sample). */
const MAX_INT = MAX_SEQ_INT;

/** Largest decimal exponent k tried. */
const MAX_DECIMALS = 9;
/** The k field of a chunk in float-bits form (see {@link encodeFloatBits}). */
const FLOAT_BITS = 15;
const P10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, k) => 10 ** k);

const out = new BitOut();
let mScratch = new Float64Array(1024);
const kOf = new Int8Array(LOOKOUT_MAX_SAMPLES);
const kCount = new Uint32Array(MAX_DECIMALS + 2);

/**
 * The mantissa found by the last {@link decimalExponent} call, in `mantissa[0]` (a typed array, so
 * storing a double allocates nothing).
 */
const mantissa = new Float64Array(1);

/**
 * Values of at most this magnitude are short decimals only if they are decimals with
 * {@link MAX_DECIMALS} places and a mantissa within ±{@link MAX_SEQ_INT} (5·10^5 · 10^9 < 2^49).
 */
const SMALL = 5e5;

/**
 * Smallest k with `round(v·10^k) / 10^k === v` (bit-exact, so not for -0) and the mantissa within
 * ±{@link MAX_SEQ_INT}, leaving the mantissa in {@link mantissa}; -1 when there is none.
 *
 * A double v with |v| ≤ 2^49 / 10^h lies within 2^−4 / 10^h of every decimal that rounds to it, so
 * at most one decimal with h places and a mantissa m within ±2^49 rounds to v, and a shorter
 * decimal rounds to v only if it is that one with trailing zeros cut (its mantissa `round(v·10^k)`
 * is then exact: the product is off by at most |m|·2^−52). So when v is such a decimal with h
 * places, k is h less the trailing zeros of m: h is `hint` (the k of earlier values, or -1) when
 * v fits it, else {@link MAX_DECIMALS} for values within ±{@link SMALL} (if v does not fit it, no
 * k fits). Larger values try every k.
 */
function decimalExponent(v: number, hint: number): number {
  if (!(Math.abs(v) <= MAX_INT) || (v === 0 && 1 / v < 0)) return -1;
  if (hint > 0 && decimalAt(v, hint)) return hint - stripZeros(hint);
  const r = Math.round(v);
  if (r === v) {
    mantissa[0] = r;
    return 0;
  }
  if (Math.abs(v) <= SMALL) return decimalAt(v, MAX_DECIMALS) ? MAX_DECIMALS - stripZeros(MAX_DECIMALS) : -1;
  for (let k = 1; k <= MAX_DECIMALS; k++) if (decimalAt(v, k)) return k;
  return -1;
}

/** Whether `round(v·10^k) / 10^k === v` with the mantissa within ±{@link MAX_SEQ_INT}, left in {@link mantissa}. */
function decimalAt(v: number, k: number): boolean {
  const m = Math.round(v * P10[k]!);
  if (Math.abs(m) <= MAX_INT && m / P10[k]! === v) {
    mantissa[0] = m;
    return true;
  }
  return false;
}

/** Removes up to `k` trailing decimal zeros from {@link mantissa}; returns how many. */
function stripZeros(k: number): number {
  let m = mantissa[0]!;
  let z = 0;
  for (let q = m / 10; z < k && q === Math.floor(q); q = m / 10) {
    m = q;
    z++;
  }
  mantissa[0] = m;
  return z;
}

/**
 * Encodes samples [from, to) of `ts` (ms, strictly increasing integers) and `vs` (values; NaN
 * payloads are read from the bits) as a Lookout chunk. Returns its bytes (a view valid until the
 * next call), or null when the samples do not suit the encoding (a timestamp beyond ±2^49 ms, or
 * more than an eighth of the values not short decimals and consecutive values' bit patterns
 * further apart than 2^49): write XOR chunks then.
 * @throws {RangeError} when `to − from` is not in 1…{@link LOOKOUT_MAX_SAMPLES}.
 */
export function encodeLookoutChunk(ts: Float64Array, vs: Float64Array, from: number, to: number): Uint8Array | null {
  const n = to - from;
  if (n < 1 || n > LOOKOUT_MAX_SAMPLES) throw new RangeError(`Lookout chunk of ${n} samples`);
  for (let i = from; i < to; i++) if (!(Math.abs(ts[i]!) <= MAX_INT)) return null;
  if (mScratch.length < n) mScratch = new Float64Array(n);
  const m = mScratch;
  kCount.fill(0);
  let hint = -1;
  for (let i = 0; i < n; i++) {
    const k = decimalExponent(vs[from + i]!, hint);
    if (k > hint) hint = k;
    kOf[i] = k;
    m[i] = mantissa[0]!;
    if (k >= 0) kCount[k]!++;
    else if (++kCount[MAX_DECIMALS + 1]! > n / 8) return encodeFloatBits(ts, vs, from, to);
  }
  // Smallest k leaving at most n/32 finer values as exceptions: an exception costs ~70 bits, one
  // more decimal digit ~3.3 bits a sample.
  let k = 0;
  let finer = n - kCount[0]!;
  while (k < MAX_DECIMALS && finer - kCount[MAX_DECIMALS + 1]! > n / 32) {
    k++;
    finer -= kCount[k]!;
  }
  if (finer > n / 8) return encodeFloatBits(ts, vs, from, to);
  let exceptions = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const ki = kOf[i]!;
    if (ki === k) {
      if (first < 0) first = i;
      continue;
    }
    if (ki >= 0 && ki < k) {
      // m·10^(k−ki) / 10^k is the same rational as m / 10^ki, so it rounds to the same value.
      const mi = m[i]! * P10[k - ki]!;
      if (Math.abs(mi) <= MAX_INT && mi / P10[k]! === vs[from + i]!) {
        m[i] = mi;
        if (first < 0) first = i;
        continue;
      }
    }
    kOf[i] = -1;
    exceptions++;
  }
  if (exceptions > n / 8) return encodeFloatBits(ts, vs, from, to);
  // Exceptions take the neighbouring mantissa, so they cost no bits in the sequence.
  for (let i = 0; i < n; i++) if (kOf[i]! < 0) m[i] = first < 0 ? 0 : i < first ? m[first]! : m[i - 1]!;

  const w = out;
  w.reset();
  w.put(n, 16);
  writeIntSeq(w, ts.subarray(from, to), n);
  w.put(k, 4);
  w.putVar(exceptions);
  const bits = new Uint32Array(vs.buffer, vs.byteOffset, vs.length * 2);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    if (kOf[i]! >= 0) continue;
    w.putVar(i - prev - 1);
    w.put(bits[2 * (from + i) + HI]!, 32);
    w.put(bits[2 * (from + i) + LO]!, 32);
    prev = i;
  }
  writeIntSeq(w, m, n);
  return w.buf.subarray(0, w.byteLength());
}

const TWO32 = 4294967296;
let dScratch = new Float64Array(1024);

/**
 * The float-bits form of a chunk (k = {@link FLOAT_BITS}): the first value's raw bits, then the
 * differences of consecutive values' bit patterns read as 64-bit integers (slowly changing floats
 * of one sign, such as a histogram's `_sum`). A value further than ±{@link MAX_SEQ_INT} from the
 * previous one (an exponent change, a NaN) is an exception: its raw bits are stored and its
 * difference is 0. Null when more than an eighth of the values would be exceptions.
 */
function encodeFloatBits(ts: Float64Array, vs: Float64Array, from: number, to: number): Uint8Array | null {
  const n = to - from;
  const bits = new Uint32Array(vs.buffer, vs.byteOffset, vs.length * 2);
  if (dScratch.length < n) dScratch = new Float64Array(n);
  const d = dScratch;
  let exceptions = 0;
  for (let i = 1; i < n; i++) {
    const j = from + i;
    const delta = (bits[2 * j + HI]! - bits[2 * j - 2 + HI]!) * TWO32 + (bits[2 * j + LO]! - bits[2 * j - 2 + LO]!);
    if (Math.abs(delta) <= MAX_INT) {
      d[i - 1] = delta;
      kOf[i] = 0;
    } else {
      d[i - 1] = 0;
      kOf[i] = -1;
      if (++exceptions > n / 8) return null;
    }
  }
  const w = out;
  w.reset();
  w.put(n, 16);
  writeIntSeq(w, ts.subarray(from, to), n);
  w.put(FLOAT_BITS, 4);
  w.put(bits[2 * from + HI]!, 32);
  w.put(bits[2 * from + LO]!, 32);
  w.putVar(exceptions);
  for (let i = 1, prev = 0; i < n; i++) {
    if (kOf[i]! >= 0) continue;
    w.putVar(i - prev - 1);
    w.put(bits[2 * (from + i) + HI]!, 32);
    w.put(bits[2 * (from + i) + LO]!, 32);
    prev = i;
  }
  if (n > 1) writeIntSeq(w, d, n - 1);
  return w.buf.subarray(0, w.byteLength());
}

/**
 * Decodes Lookout chunks into typed arrays: whole ({@link decode}, into the decoder's own arrays,
 * reused across chunks) or the samples of a time range ({@link decodeRange}, straight into the
 * caller's arrays when they have room for the whole chunk).
 */
export class LookoutDecoder {
  /** Timestamps (ms) of the last chunk decoded by {@link decode}. */
  ts = new Float64Array(LOOKOUT_MAX_SAMPLES);
  /** Values of the last chunk decoded by {@link decode}. */
  vs = new Float64Array(LOOKOUT_MAX_SAMPLES);
  /** The value bits (`vs` viewed as words, high word at index `2i + HI`). */
  vbits = new Uint32Array(this.vs.buffer);
  /** Samples of the last chunk decoded by {@link decode}. */
  n = 0;
  private readonly r = new BitIn();
  /** The last output words given to {@link decodeRange}, and a `Float64Array` view of them. */
  private outBits: Uint32Array = new Uint32Array(0);
  private outVs: Float64Array = new Float64Array(0);

  /**
   * Decodes the chunk `buf[start…end)` (starting with its sample count) into {@link ts} and
   * {@link vs}; returns the number of samples.
   * @throws {CorruptionError} for malformed chunk bytes.
   */
  decode(buf: Uint8Array, start: number, end: number): number {
    const n = chunkCount(buf, start, end);
    if (this.ts.length < n) {
      this.ts = new Float64Array(n);
      this.vs = new Float64Array(n);
      this.vbits = new Uint32Array(this.vs.buffer);
    }
    this.decodeTimestamps(buf, start, end, n, this.ts, 0);
    this.decodeValues(n, 0, n, this.vs, this.vbits, 0);
    this.n = n;
    return n;
  }

  /**
   * Reads the timestamps of the chunk `buf[start…end)` of `n` samples into `ts[at…at + n)`
   * (checked increasing); the reader is left at the values.
   */
  private decodeTimestamps(buf: Uint8Array, start: number, end: number, n: number, ts: Float64Array, at: number): void {
    const r = this.r.reset(buf, start, end);
    r.pos += 16;
    try {
      const rising = readIntSeq(r, n, ts, n, at);
      r.check();
      // Positive integer deltas summed exactly (the last, largest sum within 2^53) need no check.
      if (!rising || !(ts[at + n - 1]! <= Number.MAX_SAFE_INTEGER)) {
        for (let i = at + 1; i < at + n; i++) if (!(ts[i]! > ts[i - 1]!)) throw new BitpackError('timestamps not increasing');
      }
    } catch (e) {
      if (e instanceof BitpackError) throw new CorruptionError(`Lookout chunk: ${e.message}`);
      throw e;
    }
  }

  /**
   * Reads the values after the timestamps, setting those of samples [first, stop) (1 ≤ stop ≤ n)
   * in `vs[at + first…at + stop)` (their words in `vbits`, a view of `vs`); the values after
   * `stop` are not read (the values end the chunk), and `vs[at…at + first)` is left holding
   * intermediate terms.
   */
  private decodeValues(n: number, first: number, stop: number, vs: Float64Array, vbits: Uint32Array, at: number): void {
    const r = this.r;
    try {
      const k = r.get(4);
      if (k === FLOAT_BITS) this.readFloatBits(n, stop, vs, vbits, at);
      else this.readDecimals(n, k, first, stop, vs, vbits, at);
      r.check();
    } catch (e) {
      if (e instanceof BitpackError) throw new CorruptionError(`Lookout chunk: ${e.message}`);
      throw e;
    }
  }

  /** Reads the float-bits form's values (after k) of samples [0, stop) into `vs[at…)`. */
  private readFloatBits(n: number, stop: number, vs: Float64Array, vbits: Uint32Array, at: number): void {
    const r = this.r;
    let hi = r.get(32);
    let lo = r.get(32);
    vbits[2 * at + HI] = hi;
    vbits[2 * at + LO] = lo;
    const exceptions = r.getVar();
    if (exceptions > n - 1) throw new BitpackError(`${exceptions} exceptions in ${n} samples`);
    const excStart = r.pos;
    for (let e = 0, pos = 0; e < exceptions; e++) {
      pos += r.getVar() + 1;
      r.pos += 64;
      if (pos >= n) throw new BitpackError(`exception position ${pos} out of range`);
    }
    if (n === 1) return;
    readIntSeq(r, n - 1, vs, stop - 1, at + 1);
    const valuesEnd = r.pos;
    r.pos = excStart;
    let next = exceptions > 0 ? r.getVar() + 1 : n;
    for (let e = 0, i = 1; i < stop; i++) {
      const j = at + i;
      if (i === next) {
        hi = r.get(32);
        lo = r.get(32);
        next = ++e < exceptions ? i + r.getVar() + 1 : n;
      } else {
        // vs[j] holds the difference until its words are overwritten with the value.
        const delta = vs[j]!;
        const dh = Math.floor(delta / TWO32);
        lo += delta - dh * TWO32;
        const carry = lo >= TWO32 ? 1 : 0;
        lo -= carry * TWO32;
        hi = (hi + dh + carry) >>> 0;
      }
      vbits[2 * j + HI] = hi;
      vbits[2 * j + LO] = lo;
    }
    r.pos = valuesEnd;
  }

  /**
   * Reads the decimal form's values (after k): exceptions, then the mantissas of samples [0, stop)
   * into `vs[at…)`; values are made only for [first, stop).
   */
  private readDecimals(n: number, k: number, first: number, stop: number, vs: Float64Array, vbits: Uint32Array, at: number): void {
    const r = this.r;
    if (k > MAX_DECIMALS) throw new BitpackError(`decimal exponent ${k} out of range`);
    const exceptions = r.getVar();
    if (exceptions > n) throw new BitpackError(`${exceptions} exceptions in ${n} samples`);
    const excStart = r.pos;
    for (let e = 0, pos = -1; e < exceptions; e++) {
      pos += r.getVar() + 1;
      r.pos += 64;
      if (pos >= n) throw new BitpackError(`exception position ${pos} out of range`);
    }
    readIntSeq(r, n, vs, stop, at);
    r.check();
    if (k > 0) {
      const p = P10[k]!;
      for (let i = at + first; i < at + stop; i++) vs[i] = vs[i]! / p;
    }
    const valuesEnd = r.pos;
    r.pos = excStart;
    for (let e = 0, pos = -1; e < exceptions; e++) {
      pos += r.getVar() + 1;
      if (pos >= stop) break;
      if (pos < first) {
        r.pos += 64;
        continue;
      }
      vbits[2 * (at + pos) + HI] = r.get(32);
      vbits[2 * (at + pos) + LO] = r.get(32);
    }
    r.pos = valuesEnd;
  }

  /**
   * Decodes the samples with mint ≤ t ≤ maxt (ms) of the chunk `buf[start…end)` into `ts[off…]`
   * and their value words into `vbits` (a `Uint32Array` view of a `Float64Array`, high word at
   * `2i + hiIdx`), as `XorIterator.decodeRange`. Returns the new `off`. Timestamps are decoded
   * whole (and checked increasing); values only up to the last sample in the range, and the
   * earlier ones are only summed, not converted.
   *
   * When the word order is the platform's and `ts`, `vbits` have room for the whole chunk from
   * `off` (its sample count n: `ts[off…off + n)`), the chunk is decoded in place there and the
   * range's samples moved down to `off` (`copyWithin`, so value bits are kept); entries past the
   * returned `off` up to `off + n` are then overwritten. Otherwise it goes through the decoder's
   * own arrays.
   * @throws {CorruptionError} for malformed chunk bytes (in the timestamps, or in the values read).
   */
  decodeRange(buf: Uint8Array, start: number, end: number, mint: number, maxt: number, ts: Float64Array, vbits: Uint32Array, off: number, hiIdx: number): number {
    const n = chunkCount(buf, start, end);
    if (hiIdx === HI && ts.length >= off + n && vbits.length >= 2 * (off + n) && vbits.byteOffset % 8 === 0) {
      let vs = this.outVs;
      if (this.outBits !== vbits) {
        vs = this.outVs = new Float64Array(vbits.buffer, vbits.byteOffset, vbits.length >>> 1);
        this.outBits = vbits;
      }
      this.decodeTimestamps(buf, start, end, n, ts, off);
      let first = 0;
      while (first < n && ts[off + first]! < mint) first++;
      let stop = n;
      while (stop > first && ts[off + stop - 1]! > maxt) stop--;
      if (first === stop) return off;
      this.decodeValues(n, first, stop, vs, vbits, off);
      if (first > 0) {
        ts.copyWithin(off, off + first, off + stop);
        vbits.copyWithin(2 * off, 2 * (off + first), 2 * (off + stop));
      }
      return off + stop - first;
    }
    if (this.ts.length < n) {
      this.ts = new Float64Array(n);
      this.vs = new Float64Array(n);
      this.vbits = new Uint32Array(this.vs.buffer);
    }
    const src = this.ts;
    this.decodeTimestamps(buf, start, end, n, src, 0);
    let first = 0;
    while (first < n && src[first]! < mint) first++;
    let stop = n;
    while (stop > first && src[stop - 1]! > maxt) stop--;
    if (first === stop) return off;
    this.decodeValues(n, first, stop, this.vs, this.vbits, 0);
    const bits = this.vbits;
    const loIdx = 1 - hiIdx;
    for (let i = first; i < stop; i++, off++) {
      ts[off] = src[i]!;
      vbits[2 * off + hiIdx] = bits[2 * i + HI]!;
      vbits[2 * off + loIdx] = bits[2 * i + LO]!;
    }
    return off;
  }
}

/**
 * The sample count at the start of the chunk `buf[start…end)`.
 * @throws {CorruptionError} when the chunk is shorter than the count or the count is 0.
 */
function chunkCount(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 2) throw new CorruptionError('Lookout chunk: read 16 bits past the end');
  const n = (buf[start]! << 8) | buf[start + 1]!;
  if (n === 0) throw new CorruptionError('Lookout chunk: no samples');
  return n;
}

/** A {@link ChunkIterator} over a Lookout chunk (decoded whole by {@link reset}). */
export class LookoutIterator implements ChunkIterator {
  private readonly d = new LookoutDecoder();
  private i = -1;

  /**
   * Decodes the chunk `buf[start…end)` and positions before its first sample.
   * @throws {CorruptionError} for malformed chunk bytes.
   */
  reset(buf: Uint8Array, start: number, end: number): this {
    this.d.decode(buf, start, end);
    this.i = -1;
    return this;
  }

  next(): boolean {
    if (this.i + 1 >= this.d.n) return false;
    this.i++;
    return true;
  }

  get t(): number {
    return this.d.ts[this.i]!;
  }

  get vHi(): number {
    return this.d.vbits[2 * this.i + HI]!;
  }

  get vLo(): number {
    return this.d.vbits[2 * this.i + LO]!;
  }

  get v(): number {
    return this.d.vs[this.i]!;
  }
}
