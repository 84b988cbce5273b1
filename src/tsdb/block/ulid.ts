/**
 * ULIDs, the block identifiers of Prometheus's TSDB (`github.com/oklog/ulid`): 128 bits — a 48-bit
 * timestamp in ms, then 80 random bits — written as 26 characters of Crockford base32. Their text
 * sorts by creation time, so block directories list oldest first.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A new ULID for time `ms` (default now), as its 26-character text. */
export function newULID(ms: number = Date.now()): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError(`ULID time out of range: ${ms}`);
  const bytes = new Uint8Array(16);
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes.set(randomBytes(10), 6);
  // 128 bits as 26 base32 digits: the first digit carries the top 3 bits (2 leading zero bits).
  let out = '';
  let acc = 0;
  let bits = 2;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** Whether `s` is a ULID's text (26 Crockford base32 characters, first one at most '7'). */
export function isULID(s: string): boolean {
  return /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(s);
}
