/**
 * Byte-level encoding helpers, as Prometheus's `tsdb/encoding` package: a growable write buffer
 * ({@link Encbuf}) and a bounds-checked read cursor ({@link Decbuf}) for big-endian integers and Go
 * varints. 64-bit integers are carried as JS numbers (exact up to 2^53) and written as two 32-bit
 * halves; float64 values are copied as raw bits.
 */

const TWO_32 = 4294967296;

/** A growable byte buffer; {@link bytes} returns a view of what was written. */
export class Encbuf {
  buf: Uint8Array;
  len = 0;
  private view: DataView;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Forgets the content, keeping the allocation. */
  reset(): void {
    this.len = 0;
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }

  /** The written bytes (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  /** Writes one byte. */
  putByte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /** Writes an unsigned 16-bit integer, big-endian. */
  putBE16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.len, v);
    this.len += 2;
  }

  /** Writes an unsigned 32-bit integer, big-endian. */
  putBE32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.len, v >>> 0);
    this.len += 4;
  }

  /** Writes a signed integer (|v| < 2^53) as 8 bytes of big-endian two's complement. */
  putBE64int(v: number): void {
    this.reserve(8);
    const hi = Math.floor(v / TWO_32);
    this.view.setInt32(this.len, hi);
    this.view.setUint32(this.len + 4, v - hi * TWO_32);
    this.len += 8;
  }

  /** Writes a float64 given as its two bit words, big-endian. */
  putBE64bits(hi: number, lo: number): void {
    this.reserve(8);
    this.view.setUint32(this.len, hi);
    this.view.setUint32(this.len + 4, lo);
    this.len += 8;
  }

  /** Writes a Go uvarint (v an integer in [0, 2^53)). */
  putUvarint(v: number): void {
    this.reserve(10);
    const buf = this.buf;
    let len = this.len;
    if (v < 0x80000000) {
      while (v >= 0x80) {
        buf[len++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      while (v >= 0x80) {
        buf[len++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
    }
    buf[len++] = v;
    this.len = len;
  }

  /** Writes a zig-zag Go varint (v a safe integer). */
  putVarint(v: number): void {
    this.putUvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Writes raw bytes. */
  putBytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** Writes a string as uvarint byte length + UTF-8 bytes. */
  putUvarintStr(s: string): void {
    const max = s.length * 3;
    this.reserve(10 + max);
    const lenPos = this.len;
    // Reserve a 1-byte length (strings < 128 bytes, the common case) and shift if longer.
    const written = utf8Write(this.buf, s, lenPos + 1);
    if (written < 0x80) {
      this.buf[lenPos] = written;
      this.len = lenPos + 1 + written;
      return;
    }
    const tmp = this.buf.slice(lenPos + 1, lenPos + 1 + written);
    this.len = lenPos;
    this.putUvarint(written);
    this.putBytes(tmp);
  }
}

const encoder = new TextEncoder();

function utf8Write(buf: Uint8Array, s: string, off: number): number {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    buf[off + i] = c;
  }
  if (ascii) return s.length;
  return encoder.encodeInto(s, buf.subarray(off)).written;
}

/** Thrown by {@link Decbuf} reads past the end of the data or of malformed varints. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/**
 * A bounds-checked varint read cursor over `buf[pos, end)`: Go's uvarint/zig-zag varint, as
 * Prometheus's index, WAL and chunk formats write them.
 */
export class VarintReader {
  constructor(
    public buf: Uint8Array,
    public pos: number,
    public end: number,
  ) {}

  /** Reads a Go uvarint (exact up to 2^53). @throws {DecodeError} when malformed or past the end. */
  uvarint(): number {
    const buf = this.buf;
    let pos = this.pos;
    const end = this.end;
    let v = 0;
    let shift = 0;
    // Fast path: up to 4 bytes (28 bits) in 32-bit integer arithmetic.
    while (pos < end && shift < 28) {
      const b = buf[pos++]!;
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
      shift += 7;
    }
    let mul = 2 ** shift;
    v >>>= 0;
    while (pos < end) {
      const b = buf[pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return v;
      }
      mul *= 0x80;
      if (mul > 2 ** 70) break;
    }
    throw new DecodeError(`malformed varint at byte ${this.pos}`);
  }

  /** Reads a zig-zag Go varint. @throws {DecodeError} as {@link uvarint}. */
  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}

/** A read cursor over bytes; every read checks bounds and throws {@link DecodeError}. */
export class Decbuf extends VarintReader {
  private readonly view: DataView;
  private readonly text: Buffer;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    super(buf, start, end);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new DecodeError(`unexpected end of data at byte ${this.pos} (need ${n})`);
  }

  /** Reads one byte. */
  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  /** Reads 8 bytes of big-endian two's complement as a number (exact within ±2^53). */
  be64int(): number {
    this.need(8);
    const v = this.view.getInt32(this.pos) * TWO_32 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return v;
  }

  /** Reads 8 bytes big-endian as two words: returns the high word, the low word is in {@link lastLo}. */
  be64bits(): number {
    this.need(8);
    const hi = this.view.getUint32(this.pos);
    this.lastLo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return hi;
  }
  /** Low word of the last {@link be64bits} read. */
  lastLo = 0;


  /**
   * Reads a uvarint-length-prefixed UTF-8 string (invalid sequences become U+FFFD). With a `cache`,
   * repeated ASCII strings come back as one shared instance without being decoded again.
   */
  uvarintStr(cache?: StringCache): string {
    const n = this.uvarint();
    this.need(n);
    const start = this.pos;
    this.pos += n;
    if (cache) return cache.get(this.text, start, start + n);
    return this.text.toString('utf8', start, start + n);
  }
}

type Latin1Slicer = { latin1Slice(start: number, end: number): string };
/** Node's native latin1 decoder (2–3× faster than `toString('latin1')` on short strings), when present. */
const hasLatin1Slice = typeof (Buffer.prototype as unknown as Partial<Latin1Slicer>).latin1Slice === 'function';

/** Size of {@link StringCache} (direct-mapped): enough for the label names and common values of a WAL. */
const STRING_CACHE_SLOTS = 4096;

/**
 * A direct-mapped cache of decoded ASCII strings keyed by their bytes. Label names and values repeat
 * across series records, so replay decodes each distinct string about once.
 */
export class StringCache {
  private readonly slots: (string | undefined)[] = new Array(STRING_CACHE_SLOTS);

  /** The string of UTF-8 bytes [start, end) of `buf`. */
  get(buf: Buffer, start: number, end: number): string {
    let h = 0x811c9dc5;
    let ascii = true;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (!ascii) return buf.toString('utf8', start, end);
    const slot = (h >>> 0) % STRING_CACHE_SLOTS;
    const cached = this.slots[slot];
    if (cached !== undefined && cached.length === end - start) {
      let same = true;
      for (let i = 0; i < cached.length; i++) {
        if (cached.charCodeAt(i) !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const s = hasLatin1Slice ? (buf as unknown as Latin1Slicer).latin1Slice(start, end) : buf.toString('latin1', start, end);
    this.slots[slot] = s;
    return s;
  }
}
