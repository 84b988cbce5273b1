/**
 * Snappy block format (not the framed/stream format), as remote write and read bodies use it
 * (`Content-Encoding: snappy`), via snappyjs.
 */
import snappy from 'snappyjs';

/** Thrown for a body that is not valid snappy block data, or that decodes larger than allowed. */
export class SnappyError extends Error {
  override name = 'SnappyError';
}

/**
 * The decoded length a snappy block announces in its header (uvarint), or -1 when the header is
 * malformed. Lets a caller refuse a body before allocating its decoded size.
 */
export function snappyDecodedLength(buf: Uint8Array): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < buf.length; i++) {
    const b = buf[i]!;
    n += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return n;
    mul *= 128;
  }
  return -1;
}

/**
 * Decodes a snappy block. `maxBytes` bounds the decoded size (checked from the header before any
 * allocation, so a small body announcing gigabytes is refused cheaply).
 * @throws {SnappyError} with Go's `snappy` package wording (`snappy: corrupt input`,
 * `snappy: decoded block is too large`).
 */
export function snappyDecode(buf: Uint8Array, maxBytes: number): Uint8Array {
  const n = snappyDecodedLength(buf);
  if (n < 0) throw new SnappyError('snappy: corrupt input');
  if (n > maxBytes) throw new SnappyError('snappy: decoded block is too large');
  const out = decodeBlock(buf, n);
  if (out === null) throw new SnappyError('snappy: corrupt input');
  return out;
}

/**
 * Decodes the tags of a snappy block whose header announced `n` bytes (header skipped here), as
 * Go's `snappy.Decode`: every literal and copy is checked against the input and output bounds,
 * and the output must come out exactly `n` bytes; null for corrupt input. (snappyjs's decoder
 * loops for billions of steps on some corrupt literals — found by test/fuzz — so it is not used
 * for decoding.)
 */
function decodeBlock(src: Uint8Array, n: number): Uint8Array | null {
  let s = 0;
  while (src[s]! & 0x80) s++;
  s++;
  const dst = new Uint8Array(n);
  let d = 0;
  while (s < src.length) {
    const tag = src[s]!;
    let length: number;
    let offset: number;
    if ((tag & 3) === 0) {
      let x = tag >>> 2;
      if (x < 60) s++;
      else {
        const extra = x - 59;
        if (s + 1 + extra > src.length) return null;
        x = 0;
        for (let i = extra; i >= 1; i--) x = x * 256 + src[s + i]!;
        s += 1 + extra;
      }
      length = x + 1;
      if (length > n - d || length > src.length - s) return null;
      dst.set(src.subarray(s, s + length), d);
      d += length;
      s += length;
      continue;
    }
    if ((tag & 3) === 1) {
      if (s + 2 > src.length) return null;
      length = 4 + ((tag >>> 2) & 7);
      offset = ((tag & 0xe0) << 3) | src[s + 1]!;
      s += 2;
    } else if ((tag & 3) === 2) {
      if (s + 3 > src.length) return null;
      length = 1 + (tag >>> 2);
      offset = src[s + 1]! | (src[s + 2]! << 8);
      s += 3;
    } else {
      if (s + 5 > src.length) return null;
      length = 1 + (tag >>> 2);
      offset = src[s + 1]! + src[s + 2]! * 0x100 + src[s + 3]! * 0x10000 + src[s + 4]! * 0x1000000;
      s += 5;
    }
    if (offset <= 0 || offset > d || length > n - d) return null;
    // Overlapping copies repeat the last `offset` bytes, so copy forward byte by byte.
    for (const end = d + length; d < end; d++) dst[d] = dst[d - offset]!;
  }
  return d === n ? dst : null;
}

/** Encodes `buf` as one snappy block. */
export function snappyEncode(buf: Uint8Array): Uint8Array {
  return snappy.compress(buf instanceof Buffer ? new Uint8Array(buf.buffer, buf.byteOffset, buf.length) : buf);
}
