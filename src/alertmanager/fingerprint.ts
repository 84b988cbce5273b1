/**
 * Label set fingerprints as Prometheus `model.LabelSet.Fingerprint()`: 64-bit FNV-1a over the
 * label names sorted, each name and value followed by the separator byte 0xff, rendered as 16 hex
 * digits (`%016x`). Alertmanager uses them as alert identities (`fingerprint` in API v2 and in the
 * webhook payload), so equal label sets give the same id as a real Alertmanager.
 *
 * The 64-bit arithmetic runs on two 32-bit halves (no BigInt).
 */

const PRIME_LOW = 0x1b3; // FNV-1a 64 prime is 2^40 + 0x1b3
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const SEPARATOR = 0xff;
const TWO_32 = 0x1_0000_0000;
const encoder = new TextEncoder();

/** Incremental 64-bit FNV-1a state. */
class Fnv64 {
  hi = OFFSET_HI;
  lo = OFFSET_LO;

  addByte(b: number): void {
    const lo = (this.lo ^ b) >>> 0;
    const t = lo * PRIME_LOW; // < 2^41: exact in a double
    const carry = Math.floor(t / TWO_32);
    this.hi = (Math.imul(this.hi, PRIME_LOW) + carry + (lo << 8)) >>> 0;
    this.lo = t >>> 0;
  }

  addString(s: string): void {
    const bytes = encoder.encode(s);
    for (let i = 0; i < bytes.length; i++) this.addByte(bytes[i]!);
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

/**
 * The fingerprint of a label set `{name: value}` as 16 lower-case hex digits. Names are ordered by
 * code unit (byte order for ASCII names). The empty set gives the FNV offset basis
 * `cbf29ce484222325`, as upstream.
 */
export function fingerprint(labels: Readonly<Record<string, string>>): string {
  const h = new Fnv64();
  const names = Object.keys(labels).sort();
  for (const n of names) {
    h.addString(n);
    h.addByte(SEPARATOR);
    h.addString(labels[n]!);
    h.addByte(SEPARATOR);
  }
  return h.hex();
}
