/**
 * CRC-32C (Castagnoli polynomial, reflected 0x82F63B78), the checksum Prometheus's WAL puts in
 * every record fragment header. Slicing-by-8 tables: eight table lookups per 8 input bytes, which
 * keeps checksumming well below the cost of the write syscall it guards.
 */

const POLY = 0x82f63b78;
const T = new Uint32Array(8 * 256);

for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[i] = c >>> 0;
}
for (let i = 0; i < 256; i++) {
  for (let s = 1; s < 8; s++) {
    const prev = T[(s - 1) * 256 + i]!;
    T[s * 256 + i] = ((prev >>> 8) ^ T[prev & 0xff]!) >>> 0;
  }
}

/** CRC-32C of bytes [start, end) of `buf`, as an unsigned 32-bit integer. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff;
  let i = start;
  const end8 = end - 8;
  while (i <= end8) {
    const a = (c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) >>> 0;
    const b = buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24);
    c =
      T[7 * 256 + (a & 0xff)]! ^
      T[6 * 256 + ((a >>> 8) & 0xff)]! ^
      T[5 * 256 + ((a >>> 16) & 0xff)]! ^
      T[4 * 256 + (a >>> 24)]! ^
      T[3 * 256 + (b & 0xff)]! ^
      T[2 * 256 + ((b >>> 8) & 0xff)]! ^
      T[256 + ((b >>> 16) & 0xff)]! ^
      T[b >>> 24]!;
    i += 8;
  }
  while (i < end) c = T[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Runs every path of {@link crc32c} once at load (empty input, each tail length, a full 8-byte
 * round, results on both sides of 2^31), so V8 has type feedback for all of it before it optimizes.
 * Without this, the first long input (a WAL segment or a checkpoint at startup) got the main loop
 * compiled on the stack with no feedback for the tail loop or the unsigned return; that code then
 * deoptimized on most later calls for the life of the process (hundreds of times a minute while
 * scraping, measured with `--trace-deopt`).
 */
function warmUp(): void {
  const sample = new Uint8Array(24);
  for (let i = 0; i < sample.length; i++) sample[i] = (i * 37 + 11) & 0xff;
  let high = false;
  let low = false;
  for (let len = 0; len <= sample.length; len++) {
    const c = crc32c(sample, 0, len);
    if (c >= 0x80000000) high = true;
    else low = true;
  }
  if (!high || !low) throw new Error('crc32c warm-up did not see results on both sides of 2^31');
}
warmUp();
