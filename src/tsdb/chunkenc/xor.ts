/**
 * Gorilla XOR chunks, bit-compatible with Prometheus's `chunkenc/xor.go`:
 *
 * - sample 0: timestamp as a zig-zag varint, value as its raw 64 bits;
 * - sample 1: timestamp delta as a uvarint, value XOR-encoded;
 * - sample n ≥ 2: delta-of-delta of the timestamp in one of five buckets ('0', '10'+14 bits,
 *   '110'+17 bits, '1110'+20 bits, '1111'+64 bits), value XOR-encoded against the previous value:
 *   '0' when equal, otherwise '1' then either '0' + the meaningful bits inside the previous
 *   leading/trailing-zero window, or '1' + 5 bits of leading zeros + 6 bits of meaningful-bit count
 *   + the meaningful bits.
 *
 * The encoder keeps its state (previous timestamp, delta, value bits, zero window, count) in
 * {@link XorAppendState} columns indexed by an integer, so the head keeps the state of every open
 * chunk in typed arrays instead of one appender object per series. Values travel as two 32-bit words
 * so NaN payloads such as the staleness marker are stored bit-exactly.
 */
import { growColumn } from '../columns.js';
import { BitReader, BitWriter } from './bstream.js';
import {
  CHUNK_HEADER_BYTES,
  type Chunk,
  type ChunkIterator,
  chunkSampleCount,
  Encoding,
  MAX_FIRST_SAMPLES_BYTES,
  MAX_XOR_SAMPLE_BYTES,
} from './chunk.js';
import { fromBits, highBits, lowBits } from './floatbits.js';

/** Marks "no leading/trailing window yet" (upstream uses 0xff the same way). */
const NO_WINDOW = 0xff;

/**
 * The 32 bits of `buf` starting at bit `pos` (most significant first), as an unsigned integer.
 * Reads bytes pos/8 … pos/8 + 4: the caller keeps them inside the buffer.
 */
function peek32(buf: Uint8Array, pos: number): number {
  const b = pos >>> 3;
  const w = ((buf[b]! << 24) | (buf[b + 1]! << 16) | (buf[b + 2]! << 8) | buf[b + 3]!) >>> 0;
  const sh = pos & 7;
  return sh === 0 ? w : ((w << sh) | (buf[b + 4]! >>> (8 - sh))) >>> 0;
}

/** Count of trailing zero bits of a non-zero 32-bit integer. */
function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Encoder state of many XOR chunks, one entry per index (the head indexes it by series ref).
 * All columns grow together through {@link grow}.
 */
export class XorAppendState {
  /** Timestamp (ms) of the newest sample. */
  t: Float64Array;
  /** Timestamp delta between the two newest samples (ms). */
  tDelta: Float64Array;
  /** High word of the newest value's bits. */
  vHi: Uint32Array;
  /** Low word of the newest value's bits. */
  vLo: Uint32Array;
  /** Leading zeros of the current XOR window (0xff: none yet). */
  leading: Uint8Array;
  /** Trailing zeros of the current XOR window. */
  trailing: Uint8Array;
  /** Samples in the chunk. */
  count: Uint16Array;
  /** Whether the chunk ends in upstream's empty tail byte (see `BitWriter.tail`). */
  tail: Uint8Array;

  constructor(capacity: number) {
    this.tail = new Uint8Array(capacity);
    this.t = new Float64Array(capacity);
    this.tDelta = new Float64Array(capacity);
    this.vHi = new Uint32Array(capacity);
    this.vLo = new Uint32Array(capacity);
    this.leading = new Uint8Array(capacity);
    this.trailing = new Uint8Array(capacity);
    this.count = new Uint16Array(capacity);
  }

  /** Number of entries the columns hold. */
  get capacity(): number {
    return this.t.length;
  }

  /** Reallocates every column to `capacity` entries, keeping existing entries. */
  grow(capacity: number): void {
    this.t = growColumn(this.t, capacity);
    this.tDelta = growColumn(this.tDelta, capacity);
    this.vHi = growColumn(this.vHi, capacity);
    this.vLo = growColumn(this.vLo, capacity);
    this.leading = growColumn(this.leading, capacity);
    this.trailing = growColumn(this.trailing, capacity);
    this.tail = growColumn(this.tail, capacity);
    this.count = growColumn(this.count, capacity);
  }

  /** Starts entry `i` over as an empty chunk. */
  clear(i: number): void {
    this.count[i] = 0;
    this.leading[i] = NO_WINDOW;
    this.trailing[i] = 0;
    this.tDelta[i] = 0;
    this.tail[i] = 0;
  }
}

/**
 * Upper bound of the bytes the next append to entry `i` may add (for capacity checks before
 * {@link xorAppend}).
 */
export function xorNextSampleMaxBytes(st: XorAppendState, i: number): number {
  return st.count[i]! < 2 ? MAX_FIRST_SAMPLES_BYTES : MAX_XOR_SAMPLE_BYTES;
}

/**
 * Exactly how many bits {@link xorAppend} writes for sample (t ms, value bits hi:lo) appended to
 * state entry `i` now (from the third sample on; for the first two, the bound
 * {@link MAX_FIRST_SAMPLES_BYTES} in bits). Lets the head grow an open chunk's slot only when the
 * next sample does not fit, instead of whenever fewer than {@link MAX_XOR_SAMPLE_BYTES} bytes are
 * left (that kept ~19 bytes of every open chunk's slot empty).
 */
export function xorSampleBits(st: XorAppendState, i: number, t: number, hi: number, lo: number): number {
  if (st.count[i]! < 2) return MAX_FIRST_SAMPLES_BYTES * 8;
  const dod = t - st.t[i]! - st.tDelta[i]!;
  const tBits = dod === 0 ? 1 : dod >= -8191 && dod <= 8192 ? 16 : dod >= -65535 && dod <= 65536 ? 20 : dod >= -524287 && dod <= 524288 ? 24 : 68;
  const xh = (hi ^ st.vHi[i]!) >>> 0;
  const xl = (lo ^ st.vLo[i]!) >>> 0;
  if (xh === 0 && xl === 0) return tBits + 1;
  let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
  const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
  if (lead >= 32) lead = 31;
  const prevLead = st.leading[i]!;
  const prevTrail = st.trailing[i]!;
  if (prevLead !== NO_WINDOW && lead >= prevLead && trail >= prevTrail) return tBits + 2 + 64 - prevLead - prevTrail;
  return tBits + 2 + 5 + 6 + 64 - lead - trail;
}

/**
 * Appends sample (t ms, value bits hi:lo) to the XOR chunk of state entry `i`, whose bytes start at
 * byte `start` of `w.buf` and whose bit stream ends at `w.pos` (`w.tail` as after the previous
 * append). Updates the 2-byte sample count at `start` and `st.tail`. The region after `w.pos` must
 * be zero and large enough ({@link xorNextSampleMaxBytes}). `t` must be greater than the previous
 * timestamp; this is not checked.
 */
export function xorAppend(st: XorAppendState, i: number, w: BitWriter, start: number, t: number, hi: number, lo: number): void {
  const n = st.count[i]!;
  if (n === 0) {
    w.writeVarint(t);
    w.writeBits64(hi, lo, 64);
    st.leading[i] = NO_WINDOW;
    st.trailing[i] = 0;
  } else if (n === 1) {
    const d = t - st.t[i]!;
    w.writeUvarint(d);
    st.tDelta[i] = d;
    writeXorValue(st, i, w, hi, lo);
  } else {
    const d = t - st.t[i]!;
    const dod = d - st.tDelta[i]!;
    if (dod === 0) {
      w.writeBit(0);
    } else if (dod >= -8191 && dod <= 8192) {
      w.writeBits(0b10, 2);
      w.writeBits(dod, 14);
    } else if (dod >= -65535 && dod <= 65536) {
      w.writeBits(0b110, 3);
      w.writeBits(dod, 17);
    } else if (dod >= -524287 && dod <= 524288) {
      w.writeBits(0b1110, 4);
      w.writeBits(dod, 20);
    } else {
      w.writeBits(0b1111, 4);
      w.writeInt64(dod);
    }
    st.tDelta[i] = d;
    writeXorValue(st, i, w, hi, lo);
  }
  st.t[i] = t;
  st.vHi[i] = hi;
  st.vLo[i] = lo;
  st.tail[i] = w.tail ? 1 : 0;
  const c = n + 1;
  st.count[i] = c;
  w.buf[start] = c >>> 8;
  w.buf[start + 1] = c & 0xff;
}

function writeXorValue(st: XorAppendState, i: number, w: BitWriter, hi: number, lo: number): void {
  const xh = (hi ^ st.vHi[i]!) >>> 0;
  const xl = (lo ^ st.vLo[i]!) >>> 0;
  if (xh === 0 && xl === 0) {
    w.writeBit(0);
    return;
  }
  w.writeBit(1);
  let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
  const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
  // The 5-bit field cannot hold 32 or more; upstream clamps to 31 the same way.
  if (lead >= 32) lead = 31;
  const prevLead = st.leading[i]!;
  const prevTrail = st.trailing[i]!;
  if (prevLead !== NO_WINDOW && lead >= prevLead && trail >= prevTrail) {
    w.writeBit(0);
    writeShifted(w, xh, xl, prevTrail, 64 - prevLead - prevTrail);
    return;
  }
  st.leading[i] = lead;
  st.trailing[i] = trail;
  w.writeBit(1);
  w.writeBits(lead, 5);
  const sig = 64 - lead - trail;
  // 64 meaningful bits do not fit in 6 bits; they are written as 0, which cannot otherwise occur.
  w.writeBits(sig & 63, 6);
  writeShifted(w, xh, xl, trail, sig);
}

/** Writes the low `n` bits of (hi:lo) >>> shift. */
function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, n: number): void {
  if (shift >= 32) {
    w.writeBits(hi >>> (shift - 32), n);
  } else if (shift === 0) {
    w.writeBits64(hi, lo, n);
  } else {
    w.writeBits64(hi >>> shift, ((lo >>> shift) | (hi << (32 - shift))) >>> 0, n);
  }
}

/**
 * Iterates an XOR chunk. Reuse one instance across chunks and series with {@link reset}; the
 * iterator holds no per-sample objects.
 */
export class XorIterator implements ChunkIterator {
  t = 0;
  vHi = 0;
  vLo = 0;
  private readonly br = new BitReader();
  private n = 0;
  private i = 0;
  private tDelta = 0;
  private leading = 0;
  private trailing = 0;

  /**
   * Points the iterator at the chunk whose bytes are [start, end) of `buf` (sample count header
   * included).
   */
  reset(buf: Uint8Array, start: number, end: number): this {
    this.n = end - start >= CHUNK_HEADER_BYTES ? chunkSampleCount(buf, start) : 0;
    this.br.reset(buf, start + CHUNK_HEADER_BYTES, end);
    this.i = 0;
    this.t = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.tDelta = 0;
    this.leading = 0;
    this.trailing = 0;
    return this;
  }

  /** The current value (see {@link ChunkIterator.v}). */
  get v(): number {
    return fromBits(this.vHi, this.vLo);
  }

  /** Number of samples the chunk header announces. */
  get numSamples(): number {
    return this.n;
  }

  /** Whether the chunk's bytes ended before its announced samples did (a corrupt chunk). */
  get corrupt(): boolean {
    return this.br.overrun;
  }

  /** Advances to the next sample; false at the end (or at the end of truncated bytes, see {@link corrupt}). */
  next(): boolean {
    if (this.i >= this.n) return false;
    const br = this.br;
    if (this.i === 0) {
      this.t = br.readVarint();
      this.vHi = br.readBits(32);
      this.vLo = br.readBits(32);
    } else if (this.i === 1) {
      this.tDelta = br.readUvarint();
      this.t += this.tDelta;
      this.readValue();
    } else {
      let dod = 0;
      if (br.readBit() !== 0) {
        let sz: number;
        if (br.readBit() === 0) sz = 14;
        else if (br.readBit() === 0) sz = 17;
        else if (br.readBit() === 0) sz = 20;
        else sz = 64;
        if (sz === 64) {
          dod = br.readInt64();
        } else {
          dod = br.readBits(sz);
          // Values above 2^(sz-1) are negative numbers in sz-bit two's complement.
          if (dod > 1 << (sz - 1)) dod -= 1 << sz;
        }
      }
      this.tDelta += dod;
      this.t += this.tDelta;
      this.readValue();
    }
    if (br.overrun) {
      this.i = this.n;
      return false;
    }
    this.i++;
    return true;
  }

  /** Absolute bit position of the reader (after the last sample read). */
  get bitPos(): number {
    return this.br.pos;
  }

  /**
   * Stores the decoder state after the last sample read into entry `i` of `st`, so an encoder can
   * continue the chunk (as upstream `XORChunk.Appender` does after iterating to the end).
   */
  saveState(st: XorAppendState, i: number): void {
    st.count[i] = this.i;
    st.t[i] = this.t;
    st.tDelta[i] = this.tDelta;
    st.vHi[i] = this.vHi;
    st.vLo[i] = this.vLo;
    st.leading[i] = this.i === 0 ? NO_WINDOW : this.leading;
    st.trailing[i] = this.trailing;
    st.tail[i] = 0;
  }

  /**
   * Decodes the remaining samples with mint ≤ t ≤ maxt into `ts[off…]` and the value bits into
   * `vbits` (a `Uint32Array` view of a `Float64Array`, two words per sample), stopping after the
   * first sample past `maxt`. Returns the new `off`. The arrays must have room for every remaining
   * sample of the chunk.
   */
  decodeRange(mint: number, maxt: number, ts: Float64Array, vbits: Uint32Array, off: number, hiIdx: number): number {
    const loIdx = 1 - hiIdx;
    // The first two samples (varint-coded) and the last few bits of the chunk go through next();
    // the samples in between through the loop below, which keeps the decoder state in locals.
    while (this.i < 2) {
      if (!this.next()) return off;
      const t = this.t;
      if (t < mint) continue;
      if (t > maxt) return off;
      ts[off] = t;
      vbits[2 * off + hiIdx] = this.vHi;
      vbits[2 * off + loIdx] = this.vLo;
      off++;
    }
    const br = this.br;
    const buf = br.buf;
    // A sample takes at most 4 + 64 (timestamp) + 2 + 5 + 6 + 64 (value) = 145 bits; peek32 reads
    // up to 39 bits past a position: stop the fast loop while everything read is inside the region.
    const fastEnd = br.end - 192;
    const n = this.n;
    let i = this.i;
    let pos = br.pos;
    let t = this.t;
    let tDelta = this.tDelta;
    let vHi = this.vHi;
    let vLo = this.vLo;
    let leading = this.leading;
    let trailing = this.trailing;
    let past = false;
    while (i < n && pos <= fastEnd) {
      let p = pos;
      let w = peek32(buf, p);
      let dod = 0;
      if (w >>> 31 === 0) {
        p += 1;
      } else if (w >>> 30 === 2) {
        dod = (peek32(buf, p + 2) >>> 18);
        if (dod > 8192) dod -= 16384;
        p += 16;
      } else if (w >>> 29 === 6) {
        dod = (peek32(buf, p + 3) >>> 15);
        if (dod > 65536) dod -= 131072;
        p += 20;
      } else if (w >>> 28 === 14) {
        dod = (peek32(buf, p + 4) >>> 12);
        if (dod > 524288) dod -= 1048576;
        p += 24;
      } else {
        dod = (peek32(buf, p + 4) | 0) * 4294967296 + peek32(buf, p + 36);
        p += 68;
      }
      w = peek32(buf, p);
      let h = 0;
      let l = 0;
      if (w >>> 31 === 0) {
        p += 1;
      } else {
        let lead = leading;
        let trail = trailing;
        if (w >>> 30 === 3) {
          lead = (w >>> 25) & 31;
          let sig = (w >>> 19) & 63;
          if (sig === 0) sig = 64;
          trail = 64 - lead - sig;
          p += 13;
        } else {
          p += 2;
        }
        const bits = 64 - lead - trail;
        // Malformed windows are left to the checked path (next()), as are the bits near the end.
        if (trail < 0 || bits <= 0 || bits > 64) break;
        leading = lead;
        trailing = trail;
        if (bits > 32) {
          h = peek32(buf, p) >>> (64 - bits);
          l = peek32(buf, p + bits - 32);
        } else {
          l = peek32(buf, p) >>> (32 - bits);
        }
        p += bits;
        if (trail >= 32) {
          h = l << (trail - 32);
          l = 0;
        } else if (trail > 0) {
          h = (h << trail) | (l >>> (32 - trail));
          l = l << trail;
        }
      }
      pos = p;
      i++;
      tDelta += dod;
      t += tDelta;
      vHi = (vHi ^ h) >>> 0;
      vLo = (vLo ^ l) >>> 0;
      if (t < mint) continue;
      if (t > maxt) {
        past = true;
        break;
      }
      ts[off] = t;
      vbits[2 * off + hiIdx] = vHi;
      vbits[2 * off + loIdx] = vLo;
      off++;
    }
    br.pos = pos;
    this.i = i;
    this.t = t;
    this.tDelta = tDelta;
    this.vHi = vHi;
    this.vLo = vLo;
    this.leading = leading;
    this.trailing = trailing;
    if (past) return off;
    while (this.next()) {
      const t = this.t;
      if (t < mint) continue;
      if (t > maxt) break;
      ts[off] = t;
      vbits[2 * off + hiIdx] = this.vHi;
      vbits[2 * off + loIdx] = this.vLo;
      off++;
    }
    return off;
  }

  private readValue(): void {
    const br = this.br;
    if (br.readBit() === 0) return;
    if (br.readBit() !== 0) {
      this.leading = br.readBits(5);
      let sig = br.readBits(6);
      if (sig === 0) sig = 64;
      this.trailing = 64 - this.leading - sig;
    }
    const trail = this.trailing;
    const n = 64 - this.leading - trail;
    let h: number;
    let l: number;
    if (n > 32) {
      h = br.readBits(n - 32);
      l = br.readBits(32);
    } else {
      h = 0;
      l = br.readBits(n);
    }
    if (trail >= 32) {
      h = l << (trail - 32);
      l = 0;
    } else if (trail > 0) {
      h = (h << trail) | (l >>> (32 - trail));
      l = l << trail;
    }
    this.vHi = (this.vHi ^ h) >>> 0;
    this.vLo = (this.vLo ^ l) >>> 0;
  }
}

/**
 * A stand-alone, growable XOR chunk (for tests, tools and future block writers); the head keeps its
 * open chunks in slab arenas instead.
 */
export class XorChunk implements Chunk {
  readonly encoding = Encoding.XOR;
  private buf: Uint8Array;
  private readonly st = new XorAppendState(1);
  private readonly w = new BitWriter();

  /**
   * An empty chunk, or one holding a copy of `bytes` (a complete XOR chunk as returned by
   * {@link bytes}); appending to a loaded chunk continues its stream.
   * @throws {Error} when `bytes` is shorter than its header announces.
   */
  constructor(bytes?: Uint8Array) {
    this.st.clear(0);
    if (!bytes || bytes.length < CHUNK_HEADER_BYTES) {
      this.buf = new Uint8Array(128);
      this.w.reset(this.buf, CHUNK_HEADER_BYTES * 8);
      return;
    }
    this.buf = new Uint8Array(Math.max(128, bytes.length * 2));
    this.buf.set(bytes);
    const it = new XorIterator().reset(this.buf, 0, bytes.length);
    let count = 0;
    while (it.next()) count++;
    if (count !== it.numSamples) throw new Error(`corrupt XOR chunk: header says ${it.numSamples} samples, bytes hold ${count}`);
    it.saveState(this.st, 0);
    // Continue after the last sample's bits; a trailing empty byte (if any) is written into.
    this.w.reset(this.buf, it.bitPos, false);
    this.st.tail[0] = bytes.length > (it.bitPos + 7) >>> 3 ? 1 : 0;
    this.w.tail = this.st.tail[0] === 1;
  }

  /** The chunk's bytes, exactly as upstream would hold them (a view, valid until the next append). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.w.byteLength());
  }

  /** Number of samples in the chunk. */
  numSamples(): number {
    return this.st.count[0]!;
  }

  /** Appends (t ms, v); `t` must exceed the previous timestamp (not checked). */
  append(t: number, v: number): void {
    this.appendBits(t, highBits(v), lowBits(v));
  }

  /**
   * Appends (t ms, value given as its high and low 32-bit words, so NaN payloads are kept exactly);
   * `t` must exceed the previous timestamp (not checked).
   */
  appendBits(t: number, hi: number, lo: number): void {
    const need = this.w.byteLength() + xorNextSampleMaxBytes(this.st, 0);
    if (need > this.buf.length) {
      const b = new Uint8Array(Math.max(need, this.buf.length * 2));
      b.set(this.buf);
      this.buf = b;
      this.w.reset(b, this.w.pos, this.w.tail);
    }
    xorAppend(this.st, 0, this.w, 0, t, hi, lo);
  }

  /** Byte length the chunk would have after one more append, at most (for size-capped cutting). */
  sizeAfterNextAppend(): number {
    return this.w.byteLength() + xorNextSampleMaxBytes(this.st, 0);
  }

  /** An iterator over the samples, reusing `reuse` when it is an {@link XorIterator}. */
  iterator(reuse?: ChunkIterator): XorIterator {
    const it = reuse instanceof XorIterator ? reuse : new XorIterator();
    return it.reset(this.buf, 0, this.w.byteLength());
  }
}
