/**
 * Tombstones: deleted time ranges of series, as Prometheus's `tsdb/tombstones` package. A series
 * deleted through the admin API keeps its samples until compaction (or `clean_tombstones`) rewrites
 * its block; meanwhile queriers hide every sample inside a deleted interval.
 *
 * On disk, a block's `tombstones` file, byte-compatible with upstream (so promtool reads it):
 *
 * ```
 * magic 0x0130BA30 <4 bytes BE> | version 1 <1 byte>
 * (series ref <uvarint> | mint <varint> | maxt <varint>)*     one entry per interval
 * CRC32-Castagnoli of the entries (not of the version byte) <4 bytes BE>
 * ```
 *
 * In the WAL, a tombstones record (type 3): `(ref <8 bytes BE> | mint <varint> | maxt <varint>)*`.
 *
 * Intervals are closed ([mint, maxt], ms) and kept sorted and merged: adding an interval that
 * overlaps or touches (`mint ≤ previous maxt + 1`) another joins them, as upstream's `Intervals.Add`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptionError } from './block/fileread.js';
import { Decbuf, DecodeError, Encbuf } from './encoding.js';
import type { SeriesSamples } from './types.js';
import { crc32c } from './wal/crc32c.js';
import { RecordType } from './wal/record.js';
import { writeFileAtomic } from '../fs-atomic.js';

/** File name of a block's tombstones (upstream `TombstonesFilename`). */
export const TOMBSTONES_FILENAME = 'tombstones';

/** Magic number opening a tombstones file (upstream `MagicTombstone`). */
export const TOMBSTONES_MAGIC = 0x0130ba30;

/** The only tombstones file format version. */
const FORMAT_V1 = 1;

/**
 * Adds the closed interval [mint, maxt] (ms) to `ivs` — a flat, sorted list
 * `[mint0, maxt0, mint1, maxt1, …]` of disjoint intervals — merging overlapping and adjacent ones.
 * Returns the new list (`ivs` is not changed).
 */
export function addInterval(ivs: readonly number[], mint: number, maxt: number): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < ivs.length && ivs[i + 1]! < mint - 1) {
    out.push(ivs[i]!, ivs[i + 1]!);
    i += 2;
  }
  let lo = mint;
  let hi = maxt;
  while (i < ivs.length && ivs[i]! <= hi + 1) {
    lo = Math.min(lo, ivs[i]!);
    hi = Math.max(hi, ivs[i + 1]!);
    i += 2;
  }
  out.push(lo, hi);
  for (; i < ivs.length; i++) out.push(ivs[i]!);
  return out;
}

/**
 * Removes the samples of `s` inside the intervals `ivs` (flat, sorted), compacting its arrays in
 * place (value bits copied, so staleness markers survive). Returns `s` with the new count, or null
 * when no sample is left.
 */
export function dropDeleted(s: SeriesSamples, ivs: readonly number[]): SeriesSamples | null {
  const ts = s.ts;
  const bits = new Uint32Array(s.vs.buffer, s.vs.byteOffset, s.vs.length * 2);
  let k = 0;
  let n = 0;
  for (let i = 0; i < s.count; i++) {
    const t = ts[i]!;
    while (k < ivs.length && ivs[k + 1]! < t) k += 2;
    if (k < ivs.length && ivs[k]! <= t) continue;
    if (n !== i) {
      ts[n] = t;
      bits[2 * n] = bits[2 * i]!;
      bits[2 * n + 1] = bits[2 * i + 1]!;
    }
    n++;
  }
  if (n === 0) return null;
  return n === s.count ? s : { labels: s.labels, ts, vs: s.vs, count: n };
}

/** Deleted intervals by series reference (upstream `MemTombstones`). */
export class Tombstones {
  private readonly byRef = new Map<number, number[]>();

  /** Intervals of series `ref` (flat, sorted), or undefined when none are deleted. */
  get(ref: number): readonly number[] | undefined {
    return this.byRef.get(ref);
  }

  /** Marks [mint, maxt] (ms, inclusive) of series `ref` deleted. */
  add(ref: number, mint: number, maxt: number): void {
    this.byRef.set(ref, addInterval(this.byRef.get(ref) ?? [], mint, maxt));
  }

  /** Forgets series `ref`'s intervals. */
  delete(ref: number): void {
    this.byRef.delete(ref);
  }

  /** Number of series with deleted intervals. */
  get size(): number {
    return this.byRef.size;
  }

  /** Number of intervals over all series (upstream `Total`, meta.json's `numTombstones`). */
  total(): number {
    let n = 0;
    for (const ivs of this.byRef.values()) n += ivs.length / 2;
    return n;
  }

  /** Calls `fn(ref, intervals)` for every series, ascending by ref. */
  forEach(fn: (ref: number, ivs: readonly number[]) => void): void {
    for (const ref of [...this.byRef.keys()].sort((a, b) => a - b)) fn(ref, this.byRef.get(ref)!);
  }
}

/** Encodes `ts` as a block's tombstones file (see the module comment). */
export function encodeTombstonesFile(ts: Tombstones): Uint8Array {
  const enc = new Encbuf(64);
  enc.putBE32(TOMBSTONES_MAGIC);
  enc.putByte(FORMAT_V1);
  ts.forEach((ref, ivs) => {
    for (let i = 0; i < ivs.length; i += 2) {
      enc.putUvarint(ref);
      enc.putVarint(ivs[i]!);
      enc.putVarint(ivs[i + 1]!);
    }
  });
  enc.putBE32(crc32c(enc.buf, 5, enc.len));
  return enc.bytes().slice();
}

/**
 * Decodes a tombstones file's bytes. `path` names the file in errors.
 * @throws {CorruptionError} for a wrong magic number or version, a checksum mismatch, or a
 * malformed entry.
 */
export function decodeTombstonesFile(b: Uint8Array, path: string): Tombstones {
  const be32 = (o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  if (b.length < 9) throw new CorruptionError(`${path}: tombstones file too short (${b.length} bytes)`);
  if (be32(0) !== TOMBSTONES_MAGIC) throw new CorruptionError(`${path}: invalid magic number ${be32(0).toString(16)}`);
  if (b[4] !== FORMAT_V1) throw new CorruptionError(`${path}: invalid tombstones format version ${b[4]}`);
  const end = b.length - 4;
  if (crc32c(b, 5, end) !== be32(end)) throw new CorruptionError(`${path}: tombstones checksum mismatch`);
  const ts = new Tombstones();
  const d = new Decbuf(b, 5, end);
  try {
    while (d.remaining > 0) {
      const ref = d.uvarint();
      const mint = d.varint();
      ts.add(ref, mint, d.varint());
    }
  } catch (e) {
    if (e instanceof DecodeError) throw new CorruptionError(`${path}: ${e.message}`);
    throw e;
  }
  return ts;
}

/**
 * Reads `<dir>/tombstones`; an absent file means no deletions, as upstream.
 * @throws {CorruptionError} for a damaged file (see {@link decodeTombstonesFile}); fs errors.
 */
export function readTombstonesFile(dir: string): Tombstones {
  const path = join(dir, TOMBSTONES_FILENAME);
  if (!existsSync(path)) return new Tombstones();
  return decodeTombstonesFile(readFileSync(path), path);
}

/**
 * Writes `<dir>/tombstones` atomically (temporary file, fsync, rename). Returns its size in bytes.
 * @throws {Error} (fs errors).
 */
export function writeTombstonesFile(dir: string, ts: Tombstones): number {
  const path = join(dir, TOMBSTONES_FILENAME);
  const bytes = encodeTombstonesFile(ts);
  writeFileAtomic(path, bytes, true);
  return bytes.length;
}

/** Appends a WAL tombstones record for `entries` (ref, mint, maxt triples; ms) to `enc`. */
export function encodeTombstonesRecord(enc: Encbuf, entries: readonly number[]): void {
  enc.putByte(RecordType.Tombstones);
  for (let i = 0; i < entries.length; i += 3) {
    enc.putBE64int(entries[i]!);
    enc.putVarint(entries[i + 1]!);
    enc.putVarint(entries[i + 2]!);
  }
}

/**
 * Decodes a WAL tombstones record, calling `fn(ref, mint, maxt)` for each interval.
 * @throws {DecodeError} for a truncated or malformed record.
 */
export function decodeTombstonesRecord(rec: Uint8Array, fn: (ref: number, mint: number, maxt: number) => void): void {
  const d = new Decbuf(rec);
  if (d.byte() !== RecordType.Tombstones) throw new DecodeError('not a tombstones record');
  while (d.remaining > 0) {
    const ref = d.be64int();
    const mint = d.varint();
    fn(ref, mint, d.varint());
  }
}
