/**
 * Compressed blocks of log entries: the unit a stream's head is cut into and a chunk holds, as
 * Loki's `MemChunk` blocks. A whole block of lines is compressed at once (DEFLATE via
 * `node:zlib`), never line by line, and the columns are laid out so that alike bytes sit together:
 *
 *   uvarint n · varint first ms · n × (varint ms delta, uvarint nanos) · n × uvarint line bytes ·
 *   u8 has-metadata · [n × (uvarint pairs, pairs × (string name, string value))] · line bytes
 *
 * Entries in a block are sorted by (ms, nanos); ties keep their push order.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { EMPTY_LABELS, type Labels } from '../../model/labels.js';
import { ByteReader, ByteWriter, CorruptRecordError } from './bytes.js';

/**
 * DEFLATE level: 6 (zlib's default) — levels 7–9 gain about 1% on JSON logs here at twice the
 * CPU, and levels below 4 lose 10–20% of the ratio.
 */
const DEFLATE_LEVEL = 6;

/**
 * Decoded entries of one block or merged head, sorted ascending by (ms, nanos). Columns, not an
 * object per entry; lines are decoded from UTF-8 only when asked for.
 */
export interface Run {
  readonly n: number;
  /** Entry times, integer ms since the epoch. */
  readonly ms: Float64Array;
  /** Nanoseconds inside the ms, 0…999999. */
  readonly nanos: Int32Array;
  /** The line of entry `i`. */
  lineAt(i: number): string;
  /** Structured metadata of entry `i` (EMPTY_LABELS when none). */
  metaAt(i: number): Labels;
}

/** Entries as columns, in any order: what a stream's head holds. */
export interface EntryColumns {
  readonly ms: readonly number[];
  readonly nanos: readonly number[];
  readonly lines: readonly string[];
  /** Per entry metadata, or null when no entry of the head has any. */
  readonly meta: readonly Labels[] | null;
}

/** Index permutation that sorts `cols` by (ms, nanos), stable. */
export function sortedOrder(cols: EntryColumns, n: number): Int32Array {
  const order = new Int32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (i > 0 && (cols.ms[i]! < cols.ms[i - 1]! || (cols.ms[i] === cols.ms[i - 1] && cols.nanos[i]! < cols.nanos[i - 1]!))) sorted = false;
  }
  if (!sorted) order.sort((a, b) => cols.ms[a]! - cols.ms[b]! || cols.nanos[a]! - cols.nanos[b]! || a - b);
  return order;
}

/**
 * Encodes the first `n` entries of `cols` (taken in `order`, which must sort them) and compresses
 * them. Returns the compressed bytes.
 */
export function encodeBlock(cols: EntryColumns, n: number, order: Int32Array, w = new ByteWriter(64 * 1024)): Buffer {
  w.reset();
  w.uvarint(n);
  let prev = n > 0 ? cols.ms[order[0]!]! : 0;
  w.varint(prev);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    w.varint(cols.ms[i]! - prev);
    prev = cols.ms[i]!;
    w.uvarint(cols.nanos[i]!);
  }
  for (let k = 0; k < n; k++) w.uvarint(Buffer.byteLength(cols.lines[order[k]!]!, 'utf8'));
  const meta = cols.meta;
  w.u8(meta ? 1 : 0);
  if (meta) {
    for (let k = 0; k < n; k++) {
      const m = meta[order[k]!]!;
      w.uvarint(m.length >> 1);
      for (const s of m) w.string(s);
    }
  }
  for (let k = 0; k < n; k++) w.utf8(cols.lines[order[k]!]!);
  return deflateRawSync(w.view(), { level: DEFLATE_LEVEL });
}

/** Decompresses and decodes a block. Throws {@link CorruptRecordError} when it does not decode. */
export function decodeBlock(compressed: Uint8Array): Run {
  let raw: Buffer;
  try {
    raw = inflateRawSync(compressed);
  } catch (e) {
    throw new CorruptRecordError(`block does not decompress: ${(e as Error).message}`);
  }
  const r = new ByteReader(raw);
  const n = r.uvarint();
  if (n > raw.length) throw new CorruptRecordError(`block claims ${n} entries in ${raw.length} bytes`);
  const ms = new Float64Array(n);
  const nanos = new Int32Array(n);
  let prev = r.varint();
  for (let i = 0; i < n; i++) {
    prev += r.varint();
    ms[i] = prev;
    nanos[i] = r.uvarint();
  }
  const offsets = new Uint32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = total;
    total += r.uvarint();
  }
  offsets[n] = total;
  let meta: Labels[] | null = null;
  if (r.u8() === 1) {
    meta = new Array<Labels>(n);
    for (let i = 0; i < n; i++) {
      const pairs = r.uvarint();
      if (pairs === 0) {
        meta[i] = EMPTY_LABELS;
        continue;
      }
      const m: string[] = new Array(pairs * 2);
      for (let j = 0; j < pairs * 2; j++) m[j] = r.string();
      meta[i] = m;
    }
  }
  const base = r.pos;
  if (base + total !== raw.length) throw new CorruptRecordError(`block lines take ${raw.length - base} bytes, expected ${total}`);
  // All lines are decoded as one string and each line is a substring of it: one UTF-8 decode per
  // block instead of one per line. Offsets become UTF-16 offsets (equal to byte offsets when the
  // block is ASCII, the usual case).
  const text = raw.toString('utf8', base);
  if (text.length !== total) utf16Offsets(raw, base, offsets, n);
  return {
    n,
    ms,
    nanos,
    lineAt: (i) => text.substring(offsets[i]!, offsets[i + 1]!),
    metaAt: meta ? (i) => meta[i]! : () => EMPTY_LABELS,
  };
}

/**
 * Turns byte offsets of line starts (relative to `base`) into UTF-16 offsets in the decoded text:
 * every byte that starts a code point adds one code unit, a 4-byte sequence (outside the BMP) two.
 */
function utf16Offsets(raw: Buffer, base: number, offsets: Uint32Array, n: number): void {
  let units = 0;
  let pos = base;
  for (let i = 1; i <= n; i++) {
    const stop = base + offsets[i]!;
    for (; pos < stop; pos++) {
      const b = raw[pos]!;
      if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
    }
    offsets[i] = units;
  }
}

/** A sorted in-memory run over the first `n` entries of head columns (a snapshot). */
export function headRun(cols: EntryColumns, n: number): Run {
  const order = sortedOrder(cols, n);
  const ms = new Float64Array(n);
  const nanos = new Int32Array(n);
  const lines: string[] = new Array(n);
  const meta: Labels[] | null = cols.meta ? new Array(n) : null;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    ms[k] = cols.ms[i]!;
    nanos[k] = cols.nanos[i]!;
    lines[k] = cols.lines[i]!;
    if (meta) meta[k] = cols.meta![i]!;
  }
  return { n, ms, nanos, lineAt: (i) => lines[i]!, metaAt: meta ? (i) => meta[i]! : () => EMPTY_LABELS };
}

/** Merges runs whose time ranges overlap into one sorted run (ties: earlier run first). */
export function mergeRuns(runs: readonly Run[]): Run {
  if (runs.length === 1) return runs[0]!;
  let n = 0;
  for (const r of runs) n += r.n;
  const src = new Int32Array(n);
  const idx = new Int32Array(n);
  let k = 0;
  for (let s = 0; s < runs.length; s++) {
    for (let i = 0; i < runs[s]!.n; i++) {
      src[k] = s;
      idx[k++] = i;
    }
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  perm.sort((a, b) => {
    const ra = runs[src[a]!]!;
    const rb = runs[src[b]!]!;
    return ra.ms[idx[a]!]! - rb.ms[idx[b]!]! || ra.nanos[idx[a]!]! - rb.nanos[idx[b]!]! || a - b;
  });
  const ms = new Float64Array(n);
  const nanos = new Int32Array(n);
  for (let k2 = 0; k2 < n; k2++) {
    const p = perm[k2]!;
    ms[k2] = runs[src[p]!]!.ms[idx[p]!]!;
    nanos[k2] = runs[src[p]!]!.nanos[idx[p]!]!;
  }
  return {
    n,
    ms,
    nanos,
    lineAt: (i) => runs[src[perm[i]!]!]!.lineAt(idx[perm[i]!]!),
    metaAt: (i) => runs[src[perm[i]!]!]!.metaAt(idx[perm[i]!]!),
  };
}
