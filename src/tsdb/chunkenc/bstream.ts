/**
 * Bit streams, as Prometheus's `chunkenc/bstream.go`: bits are written most-significant first into
 * bytes, so a stream is byte-compatible with upstream XOR chunks. All arithmetic uses 32-bit integer
 * operations (no BigInt); 64-bit quantities are written as two 32-bit halves.
 *
 * Both classes are cursors over a caller-owned `Uint8Array` (a chunk, or a slot inside a slab page)
 * and are meant to be reused: `reset` points them at new bytes without allocating.
 */

const EMPTY = new Uint8Array(0);
const TWO_32 = 4294967296;

/**
 * Writes bits into a zero-filled byte region. The caller guarantees the region is large enough
 * (the writer does not grow buffers) and that bytes past the current position are zero, since bits
 * are OR-ed in.
 */
export class BitWriter {
  /** Target bytes. */
  buf: Uint8Array = EMPTY;
  /** Absolute bit position in `buf` of the next bit to write. */
  pos = 0;
  /**
   * Whether upstream's bstream would hold an extra, empty byte after the bits written so far: Go's
   * `writeByte` at a byte boundary always appends the next byte, so a stream whose last write was
   * whole bytes starting at a byte boundary is one byte longer. Tracked so chunk lengths (and
   * bytes) equal upstream's exactly; see {@link byteLength}.
   */
  tail = false;

  /** Points the writer at `buf`, continuing at absolute bit position `bitPos` with the given tail state. */
  reset(buf: Uint8Array, bitPos: number, tail = false): this {
    this.buf = buf;
    this.pos = bitPos;
    this.tail = tail;
    return this;
  }

  /** Bytes from the start of `buf` that upstream's stream would hold (including its empty tail byte). */
  byteLength(): number {
    return ((this.pos + 7) >>> 3) + (this.tail ? 1 : 0);
  }

  /** Writes one bit (any non-zero `bit` writes 1). */
  writeBit(bit: number): void {
    if (bit !== 0) this.buf[this.pos >>> 3]! |= 0x80 >>> (this.pos & 7);
    this.pos++;
    this.tail = false;
  }

  /** Writes the low `n` bits of `v` (0 ≤ n ≤ 32), most significant first; higher bits of `v` are ignored. */
  writeBits(v: number, n: number): void {
    const pos = this.pos;
    this.tail = n >= 8 && (n & 7) === 0 && (pos & 7) === 0;
    if (n === 0) return;
    const buf = this.buf;
    const off = pos & 7;
    let i = pos >>> 3;
    this.pos = pos + n;
    // The n bits left-aligned in a 32-bit word: the first byte takes its top 8 - off bits (OR-ed
    // behind the bits already there), every later byte is still zero and is assigned whole.
    let w = v << (32 - n);
    buf[i]! |= w >>> (24 + off);
    let left = n - 8 + off;
    w <<= 8 - off;
    while (left > 0) {
      buf[++i] = w >>> 24;
      w <<= 8;
      left -= 8;
    }
  }

  /** Writes the low `n` bits (0 ≤ n ≤ 64) of the 64-bit integer `hi:lo` (two unsigned 32-bit words). */
  writeBits64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      const tail = (n & 7) === 0 && (this.pos & 7) === 0;
      this.writeBits(hi, n - 32);
      this.writeBits(lo, 32);
      this.tail = tail;
    } else {
      this.writeBits(lo, n);
    }
  }

  /** Writes `v` (an integer in [0, 2^53)) as a Go `binary.PutUvarint` varint, 8 bits per byte. */
  writeUvarint(v: number): void {
    while (v >= 0x80) {
      this.writeBits((v % 0x80) | 0x80, 8);
      v = Math.floor(v / 0x80);
    }
    this.writeBits(v, 8);
  }

  /** Writes `v` (a safe integer) zig-zag encoded, as Go `binary.PutVarint`. */
  writeVarint(v: number): void {
    this.writeUvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Writes a signed integer `v` (|v| < 2^53) as 64-bit two's complement. */
  writeInt64(v: number): void {
    const hi = Math.floor(v / TWO_32);
    this.writeBits64(hi >>> 0, (v - hi * TWO_32) >>> 0, 64);
  }
}

/**
 * Reads bits written by {@link BitWriter}. Reading past `end` yields zero bits and sets
 * {@link overrun}; callers that decode untrusted bytes check it.
 */
export class BitReader {
  /** Source bytes. */
  buf: Uint8Array = EMPTY;
  /** Absolute bit position of the next bit to read. */
  pos = 0;
  /** Absolute bit position of the end of the readable region. */
  end = 0;

  /** Points the reader at bytes [byteStart, byteEnd) of `buf`. */
  reset(buf: Uint8Array, byteStart: number, byteEnd: number): this {
    this.buf = buf;
    this.pos = byteStart * 8;
    this.end = byteEnd * 8;
    return this;
  }

  /** Whether a read went past the end of the region. */
  get overrun(): boolean {
    return this.pos > this.end;
  }

  /** Reads one bit (0 or 1). */
  readBit(): number {
    const pos = this.pos;
    this.pos = pos + 1;
    if (pos >= this.end) return 0;
    return (this.buf[pos >>> 3]! >>> (7 - (pos & 7))) & 1;
  }

  /** Reads `n` bits (0 ≤ n ≤ 32) as an unsigned integer. */
  readBits(n: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos + n > this.end) {
      this.pos = pos + n;
      return this.readPastEnd(pos, n);
    }
    let v = 0;
    while (n > 0) {
      const avail = 8 - (pos & 7);
      const byte = buf[pos >>> 3]!;
      if (n >= avail) {
        v = (v << avail) | (byte & ((1 << avail) - 1));
        n -= avail;
        pos += avail;
      } else {
        v = (v << n) | ((byte >>> (avail - n)) & ((1 << n) - 1));
        pos += n;
        n = 0;
      }
    }
    this.pos = pos;
    return v >>> 0;
  }

  /** Reads a Go uvarint written byte-wise in the stream (values up to 2^53 are exact). */
  readUvarint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.readBits(8);
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
    return v;
  }

  /** Reads a zig-zag varint (Go `binary.Varint`). */
  readVarint(): number {
    const z = this.readUvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** Reads a 64-bit two's complement integer written by {@link BitWriter.writeInt64}. */
  readInt64(): number {
    const hi = this.readBits(32) | 0;
    const lo = this.readBits(32);
    return hi * TWO_32 + lo;
  }

  private readPastEnd(pos: number, n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++, pos++) {
      const bit = pos < this.end ? (this.buf[pos >>> 3]! >>> (7 - (pos & 7))) & 1 : 0;
      v = (v << 1) | bit;
    }
    return v >>> 0;
  }
}
