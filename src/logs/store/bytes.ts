/**
 * Growable byte writer and a matching reader for the log store's binary records (WAL records,
 * chunk blocks): unsigned LEB128 varints, little-endian float64/uint32, length-prefixed UTF-8.
 * Varints are written for values up to 2^53 with arithmetic (no BigInt), as the values stored are
 * millisecond timestamps, nanoseconds, lengths and counts.
 */

/** Appends bytes to a buffer that doubles when full. */
export class ByteWriter {
  private buf: Buffer;
  /** Bytes written so far. */
  len = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Unsigned varint of an integer 0…2^53−1. */
  uvarint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  /** Signed varint (zigzag) of an integer −2^52…2^52. */
  varint(v: number): void {
    this.uvarint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  /** One byte 0…255. */
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }

  /** Little-endian uint32. */
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.len);
    this.len += 4;
  }

  /** Little-endian float64. */
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  /** Raw bytes. */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** UTF-8 text without a length prefix; returns its byte length. */
  utf8(s: string): number {
    this.ensure(s.length * 3);
    const n = this.buf.write(s, this.len, 'utf8');
    this.len += n;
    return n;
  }

  /** Varint byte length, then the UTF-8 bytes. */
  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.uvarint(n);
    this.ensure(n);
    this.buf.write(s, this.len, 'utf8');
    this.len += n;
  }

  /** Overwrites a uint32 at `at` (a position already written). */
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  /** A view of the bytes written (shares memory with the writer until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** Forgets what was written (keeps the buffer). */
  reset(): void {
    this.len = 0;
  }
}

/** Thrown when a record ends early or holds an impossible value. */
export class CorruptRecordError extends Error {
  override name = 'CorruptRecordError';
}

/** Reads what {@link ByteWriter} wrote. Throws {@link CorruptRecordError} past the end. */
export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new CorruptRecordError(`record truncated at byte ${this.pos}`);
  }

  /** Unsigned varint (≤ 2^53). */
  uvarint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
      if (mul > 2 ** 56) throw new CorruptRecordError(`varint too long at byte ${this.pos}`);
    }
  }

  /** Zigzag signed varint. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
  }

  /** One byte. */
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  /** Little-endian uint32. */
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Little-endian float64. */
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Varint length, then UTF-8 text. */
  string(): string {
    const n = this.uvarint();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}
