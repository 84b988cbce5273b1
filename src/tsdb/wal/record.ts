/**
 * WAL record encoding, byte-compatible with Prometheus's `tsdb/record` package for the two record
 * types the head writes:
 *
 * - series (type 1): per series `ref <8 bytes BE> | label count <uvarint> | (len <uvarint> bytes)*`
 *   for each name and value;
 * - samples (type 2): `first ref <8 BE> | first t <8 BE>` then per sample
 *   `ref − first ref <varint> | t − first t <varint> | value bits <8 BE>`.
 *
 * - exemplars (type 4): `first ref <8 BE> | first t <8 BE>` then per exemplar
 *   `ref − first ref <varint> | t − first t <varint> | value <8 BE float> | label count <uvarint> |
 *   (len <uvarint> bytes)*` for each name and value.
 *
 * Values are copied as raw IEEE-754 bits, so staleness markers survive replay. Tombstones records
 * (type 3) are in `tombstones.ts`.
 */
import type { Labels } from '../../model/labels.js';
import { Decbuf, DecodeError, type Encbuf, type StringCache } from '../encoding.js';

/** Record type codes (upstream `record.Type`). */
export const RecordType = {
  Series: 1,
  Samples: 2,
  Tombstones: 3,
  Exemplars: 4,
} as const;

/** Type code of an encoded record, or -1 for an empty one. */
export function recordType(rec: Uint8Array): number {
  return rec.length > 0 ? rec[0]! : -1;
}

/**
 * Appends a series record for `refs[from…to)` to `enc`, taking each series' labels from `labelsOf`.
 */
export function encodeSeries(enc: Encbuf, refs: ArrayLike<number>, from: number, to: number, labelsOf: (ref: number) => Labels): void {
  enc.putByte(RecordType.Series);
  for (let i = from; i < to; i++) {
    const ref = refs[i]!;
    const ls = labelsOf(ref);
    enc.putBE64int(ref);
    enc.putUvarint(ls.length >> 1);
    for (let j = 0; j < ls.length; j++) enc.putUvarintStr(ls[j]!);
  }
}

/**
 * Decodes a series record, calling `fn(ref, labels)` for each series (labels in the order stored,
 * which is sorted for records Lookout or Prometheus wrote). A `cache` shares repeated strings.
 * @throws {DecodeError} for a truncated or malformed record.
 */
export function decodeSeries(rec: Uint8Array, fn: (ref: number, labels: Labels) => void, cache?: StringCache): void {
  const d = new Decbuf(rec);
  if (d.byte() !== RecordType.Series) throw new DecodeError('not a series record');
  while (d.remaining > 0) {
    const ref = d.be64int();
    const n = d.uvarint();
    if (n > d.remaining) throw new DecodeError(`series record: label count ${n} exceeds record size`);
    const ls: string[] = new Array(n * 2);
    for (let j = 0; j < n * 2; j++) ls[j] = d.uvarintStr(cache);
    fn(ref, ls);
  }
}

/** Growable columns of decoded samples, reused across records during replay. */
export class SampleBatch {
  refs = new Float64Array(1024);
  ts = new Float64Array(1024);
  hi = new Uint32Array(1024);
  lo = new Uint32Array(1024);
  /** Number of valid entries. */
  length = 0;

  /** Makes room for `n` entries (discarding content). */
  ensure(n: number): void {
    if (n <= this.refs.length) return;
    let cap = this.refs.length;
    while (cap < n) cap *= 2;
    this.refs = new Float64Array(cap);
    this.ts = new Float64Array(cap);
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
  }
}

/**
 * Appends a samples record for `n` samples to `enc`: refs, timestamps (ms) and value bits
 * (`vbits` is a `Uint32Array` view of the values' `Float64Array`, `hiIdx` the index of the high
 * word within a value, see `chunkenc/floatbits`).
 */
export function encodeSamples(
  enc: Encbuf,
  refs: ArrayLike<number>,
  ts: Float64Array,
  vbits: Uint32Array,
  n: number,
  hiIdx: number,
): void {
  enc.putByte(RecordType.Samples);
  if (n === 0) return;
  const loIdx = 1 - hiIdx;
  const ref0 = refs[0]!;
  const t0 = ts[0]!;
  enc.putBE64int(ref0);
  enc.putBE64int(t0);
  enc.reserve(n * 28);
  for (let i = 0; i < n; i++) {
    enc.putVarint(refs[i]! - ref0);
    enc.putVarint(ts[i]! - t0);
    enc.putBE64bits(vbits[2 * i + hiIdx]!, vbits[2 * i + loIdx]!);
  }
}

/**
 * Decodes a samples record into `out` (replacing its content); returns the number of samples.
 * @throws {DecodeError} for a truncated or malformed record.
 */
export function decodeSamples(rec: Uint8Array, out: SampleBatch): number {
  const d = new Decbuf(rec);
  if (d.byte() !== RecordType.Samples) throw new DecodeError('not a samples record');
  out.length = 0;
  if (d.remaining === 0) return 0;
  const ref0 = d.be64int();
  const t0 = d.be64int();
  // Each sample takes at least 10 bytes (two 1-byte varints and 8 value bytes).
  out.ensure(Math.ceil(d.remaining / 10));
  let n = 0;
  while (d.remaining > 0) {
    out.refs[n] = ref0 + d.varint();
    out.ts[n] = t0 + d.varint();
    out.hi[n] = d.be64bits();
    out.lo[n] = d.lastLo;
    n++;
  }
  out.length = n;
  return n;
}

/**
 * Appends an exemplars record for `n` exemplars to `enc`: series refs, label sets, values and
 * timestamps (ms) in parallel arrays.
 */
export function encodeExemplars(
  enc: Encbuf,
  refs: readonly number[],
  labels: readonly Labels[],
  values: readonly number[],
  ts: readonly number[],
  n: number,
): void {
  enc.putByte(RecordType.Exemplars);
  if (n === 0) return;
  const view = new DataView(new ArrayBuffer(8));
  enc.putBE64int(refs[0]!);
  enc.putBE64int(ts[0]!);
  for (let i = 0; i < n; i++) {
    enc.putVarint(refs[i]! - refs[0]!);
    enc.putVarint(ts[i]! - ts[0]!);
    view.setFloat64(0, values[i]!);
    enc.putBE64bits(view.getUint32(0), view.getUint32(4));
    const ls = labels[i]!;
    enc.putUvarint(ls.length >> 1);
    for (const str of ls) enc.putUvarintStr(str);
  }
}

/**
 * Decodes an exemplars record, calling `fn(ref, labels, value, t)` for each exemplar.
 * @throws {DecodeError} for a truncated or malformed record.
 */
export function decodeExemplars(rec: Uint8Array, fn: (ref: number, labels: Labels, value: number, t: number) => void): void {
  const d = new Decbuf(rec);
  if (d.byte() !== RecordType.Exemplars) throw new DecodeError('not an exemplars record');
  if (d.remaining === 0) return;
  const view = new DataView(new ArrayBuffer(8));
  const ref0 = d.be64int();
  const t0 = d.be64int();
  while (d.remaining > 0) {
    const ref = ref0 + d.varint();
    const t = t0 + d.varint();
    view.setUint32(0, d.be64bits());
    view.setUint32(4, d.lastLo);
    const n = d.uvarint();
    if (n > d.remaining) throw new DecodeError(`exemplars record: label count ${n} exceeds record size`);
    const ls: string[] = new Array(n * 2);
    for (let j = 0; j < n * 2; j++) ls[j] = d.uvarintStr();
    fn(ref, ls, view.getFloat64(0), t);
  }
}
