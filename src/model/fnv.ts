/**
 * 64-bit FNV-1a, as Go's `hash/fnv.New64a`, computed on two 32-bit halves (no BigInt per byte).
 *
 * Users: Alertmanager alert fingerprints (`model.LabelSet.Fingerprint()`, once per received
 * alert) and the scrape manager's target offsets (upstream `Target.hash` and the per-server seed,
 * once per loop start).
 */

/** The FNV-1a 64 prime is 2^40 + 0x1b3: the low part multiplies, the 2^40 part is a shift. */
const PRIME_LOW = 0x1b3;
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const TWO_32 = 0x1_0000_0000;
const utf8 = new TextEncoder();

/** Incremental 64-bit FNV-1a state; starts at the offset basis `cbf29ce484222325`. */
export class Fnv64a {
  /** High and low 32 bits of the state, unsigned. */
  hi = OFFSET_HI;
  lo = OFFSET_LO;

  /** Adds one byte (0–255). */
  addByte(b: number): void {
    const lo = (this.lo ^ b) >>> 0;
    const t = lo * PRIME_LOW; // < 2^41: exact in a double
    const carry = Math.floor(t / TWO_32);
    this.hi = (Math.imul(this.hi, PRIME_LOW) + carry + (lo << 8)) >>> 0;
    this.lo = t >>> 0;
  }

  /** Adds the UTF-8 bytes of `s` (lone surrogates as U+FFFD, as `TextEncoder`). */
  addString(s: string): void {
    // ASCII is its own UTF-8 and the common case (label names and values); `encode` costs ~3 µs
    // per call, more than hashing a short string, so it runs only from the first non-ASCII unit.
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        const bytes = utf8.encode(s.slice(i));
        for (let j = 0; j < bytes.length; j++) this.addByte(bytes[j]!);
        return;
      }
      this.addByte(c);
    }
  }

  /** The hash as 16 lower-case hex digits (Go `%016x`). */
  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }

  /** The hash as an unsigned 64-bit BigInt. */
  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

/** 64-bit FNV-1a of the UTF-8 bytes of `s`, as an unsigned BigInt (`''` → `0xcbf29ce484222325n`). */
export function fnv64a(s: string): bigint {
  const h = new Fnv64a();
  h.addString(s);
  return h.value();
}
