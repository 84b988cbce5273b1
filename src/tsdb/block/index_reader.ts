/**
 * Reads a block's `index` file (format version 2, see `index_writer.ts`; version 1 files are
 * refused) with positioned reads. Kept in memory: the symbol table's bytes with the offset of
 * every symbol, and for each label name every 32nd entry of the postings offset table (plus its
 * last), as upstream's reader does; series entries, postings lists and the rest of the offset
 * table are read on demand.
 */
import { Decbuf, DecodeError, VarintReader } from '../encoding.js';
import { crc32c } from '../wal/crc32c.js';
import { CorruptionError, FileWindow } from './fileread.js';
import { type ChunkMeta, INDEX_MAGIC, SERIES_ALIGN, TOC_LEN } from './index_writer.js';

/** Every how many postings offset table entries of a label name one is kept in memory (upstream `symbolFactor`). */
const SAMPLE_EVERY = 32;

/** Sampled postings offset table entries of one label name. */
interface NameEntries {
  /** Values of the sampled entries (ascending). */
  values: string[];
  /** Offset (in the file) of each sampled entry. */
  positions: number[];
  /** Offset just past the name's last entry. */
  end: number;
}

/**
 * A varint cursor over bytes, reset for each series entry: {@link VarintReader} without `Decbuf`'s
 * per-instance views, which cost more than decoding a small entry.
 */
class VarintCursor extends VarintReader {
  constructor() {
    super(new Uint8Array(0), 0, 0);
  }

  reset(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }
}

/**
 * A label set and chunk metas decoded from a series entry (reused across calls: the arrays and
 * the chunk meta objects in them are overwritten by the next decoding; copy what must outlive it).
 */
export interface SeriesEntry {
  /** Symbol ids of the label names and values, alternating. */
  ids: number[];
  chunks: ChunkMeta[];
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function be64(b: Uint8Array, o: number): number {
  return be32(b, o) * 4294967296 + be32(b, o + 4);
}

/** Decoded symbols kept (direct-mapped by id; a power of two): label names and common values. */
const SYMBOL_CACHE = 4096;

/** Largest series entry read in one go before its length is known. */
const SERIES_GUESS = 512;

/** An open index file. */
export class IndexReader {
  private readonly symbolBytes: Buffer;
  private readonly symbolOffsets: Uint32Array;
  private readonly cacheIds = new Int32Array(SYMBOL_CACHE).fill(-1);
  private readonly cacheStrings: string[] = new Array(SYMBOL_CACHE).fill('');
  private readonly names = new Map<string, NameEntries>();
  private readonly cursor = new VarintCursor();
  private readonly toc: { symbols: number; series: number; postings: number; postingsTable: number };
  /**
   * One bit per series id (a 16-byte slot of the file): set once the entry's CRC-32C was verified.
   * The file is immutable while open, so an entry is checked on its first read only.
   */
  private readonly seriesChecked: Uint8Array;

  private constructor(private readonly file: FileWindow) {
    this.seriesChecked = new Uint8Array(Math.floor(file.size / (8 * SERIES_ALIGN)) + 1);
    const path = file.path;
    if (file.size < 5 + TOC_LEN) throw new CorruptionError(`${path}: index too small (${file.size} bytes)`);
    const h = file.read(0, 5);
    if (be32(h, 0) !== INDEX_MAGIC) throw new CorruptionError(`${path}: invalid magic number ${be32(h, 0).toString(16)}`);
    if (h[4] !== 2) throw new CorruptionError(`${path}: unsupported index version ${h[4]}`);
    const t = file.read(file.size - TOC_LEN, TOC_LEN);
    if (crc32c(t, 0, 48) !== be32(t, 48)) throw new CorruptionError(`${path}: TOC checksum mismatch`);
    this.toc = { symbols: be64(t, 0), series: be64(t, 8), postings: be64(t, 32), postingsTable: be64(t, 40) };

    // Symbol table.
    const symLen = be32(file.read(this.toc.symbols, 4), 0);
    const sym = Buffer.from(file.read(this.toc.symbols + 4, symLen + 4));
    if (crc32c(sym, 0, symLen) !== be32(sym, symLen)) throw new CorruptionError(`${path}: symbol table checksum mismatch`);
    const count = be32(sym, 0);
    const offsets = new Uint32Array(count);
    const d = new Decbuf(sym, 4, symLen);
    try {
      for (let i = 0; i < count; i++) {
        offsets[i] = d.pos;
        const len = d.uvarint();
        d.pos += len;
        if (d.pos > symLen) throw new DecodeError('symbol past the end of the table');
      }
    } catch (e) {
      throw new CorruptionError(`${path}: symbol table: ${(e as Error).message}`);
    }
    this.symbolBytes = sym;
    this.symbolOffsets = offsets;

    // Postings offset table, sampled.
    const ptLen = be32(file.read(this.toc.postingsTable, 4), 0);
    const pt = file.read(this.toc.postingsTable + 4, ptLen + 4);
    if (crc32c(pt, 0, ptLen) !== be32(pt, ptLen)) throw new CorruptionError(`${path}: postings offset table checksum mismatch`);
    const ptCopy = Buffer.from(pt);
    const pd = new Decbuf(ptCopy, 4, ptLen);
    const n = be32(ptCopy, 0);
    let cur: NameEntries | null = null;
    let curName = '';
    let k = 0;
    let lastValue = '';
    let lastPos = -1;
    try {
      for (let i = 0; i < n; i++) {
        const entryPos = this.toc.postingsTable + 4 + pd.pos;
        if (pd.uvarint() !== 2) throw new DecodeError('postings offset table entry with a key count other than 2');
        const name = pd.uvarintStr();
        const value = pd.uvarintStr();
        pd.uvarint();
        if (cur === null || name !== curName) {
          if (cur !== null && lastPos >= 0) {
            cur.values.push(lastValue);
            cur.positions.push(lastPos);
          }
          if (cur !== null) cur.end = entryPos;
          cur = { values: [], positions: [], end: 0 };
          curName = name;
          this.names.set(name, cur);
          k = 0;
        }
        if (k % SAMPLE_EVERY === 0) {
          cur.values.push(value);
          cur.positions.push(entryPos);
          lastPos = -1;
        } else {
          lastValue = value;
          lastPos = entryPos;
        }
        k++;
      }
    } catch (e) {
      throw new CorruptionError(`${path}: postings offset table: ${(e as Error).message}`);
    }
    if (cur !== null) {
      if (lastPos >= 0) {
        cur.values.push(lastValue);
        cur.positions.push(lastPos);
      }
      cur.end = this.toc.postingsTable + 4 + ptLen;
    }
  }

  /**
   * Opens and checks the index file at `path` (TOC, symbol table and postings offset table
   * checksums).
   * @throws {CorruptionError} for a damaged or unsupported index; fs errors when it cannot be read.
   */
  static open(path: string): IndexReader {
    const f = FileWindow.open(path);
    try {
      return new IndexReader(f);
    } catch (e) {
      f.close();
      throw e;
    }
  }

  /** Size of the index file in bytes. */
  size(): number {
    return this.file.size;
  }

  /** Number of symbols in the table (ids 0 … count − 1, in ascending order of the strings). */
  symbolCount(): number {
    return this.symbolOffsets.length;
  }

  /** Symbol `id`. @throws {CorruptionError} for an id outside the table. */
  symbol(id: number): string {
    const slot = id & (SYMBOL_CACHE - 1);
    if (this.cacheIds[slot] === id) return this.cacheStrings[slot]!;
    if (id >= this.symbolOffsets.length) throw new CorruptionError(`${this.file.path}: unknown symbol id ${id}`);
    const s = new Decbuf(this.symbolBytes, this.symbolOffsets[id]!).uvarintStr();
    this.cacheIds[slot] = id;
    this.cacheStrings[slot] = s;
    return s;
  }

  /** Label names with postings (sorted; without the empty name of the all-series list). */
  labelNames(): string[] {
    return [...this.names.keys()].filter((n) => n !== '').sort();
  }

  /**
   * Calls `fn(value, postingsOffset)` for each value of label `name` in ascending order, from the
   * first value ≥ `from` (all values when omitted); stops when `fn` returns false.
   * @throws {CorruptionError} for a damaged table.
   */
  forEachValue(name: string, fn: (value: string, postingsOffset: number) => boolean | void, from?: string): void {
    const e = this.names.get(name);
    if (e === undefined) return;
    let i = 0;
    if (from !== undefined) {
      // Last sampled value ≤ from.
      let lo = 0;
      let hi = e.values.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (e.values[mid]! <= from) lo = mid + 1;
        else hi = mid;
      }
      i = Math.max(0, lo - 1);
    }
    const start = e.positions[i]!;
    const bytes = Buffer.from(this.file.read(start, e.end - start));
    const d = new Decbuf(bytes);
    try {
      while (d.remaining > 0) {
        d.uvarint();
        d.uvarintStr();
        const value = d.uvarintStr();
        const off = d.uvarint();
        if (from !== undefined && value < from) continue;
        if (fn(value, off) === false) return;
      }
    } catch (e) {
      throw new CorruptionError(`${this.file.path}: postings offset table: ${(e as Error).message}`);
    }
  }

  /** Sorted values of label `name`. */
  labelValues(name: string): string[] {
    const out: string[] = [];
    this.forEachValue(name, (v) => void out.push(v));
    return out;
  }

  /** Offset of the postings list of `name`=`value`, or -1 when there is none. */
  postingsOffset(name: string, value: string): number {
    let found = -1;
    this.forEachValue(
      name,
      (v, off) => {
        if (v === value) found = off;
        return v < value;
      },
      value,
    );
    return found;
  }

  /**
   * The postings list at `offset` (ascending series ids).
   * @throws {CorruptionError} for a damaged list.
   */
  postingsAt(offset: number): Uint32Array {
    const len = be32(this.file.read(offset, 4), 0);
    const b = this.file.read(offset + 4, len + 4);
    if (crc32c(b, 0, len) !== be32(b, len)) throw new CorruptionError(`${this.file.path}: postings checksum mismatch at ${offset}`);
    const n = be32(b, 0);
    if (4 + 4 * n !== len) throw new CorruptionError(`${this.file.path}: postings list at ${offset} has a bad length`);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = be32(b, 4 + 4 * i);
    return out;
  }

  /** Series ids with `name`=`value` (empty when none). */
  postings(name: string, value: string): Uint32Array {
    const off = this.postingsOffset(name, value);
    return off < 0 ? new Uint32Array(0) : this.postingsAt(off);
  }

  /** Every series id, ascending. */
  allPostings(): Uint32Array {
    return this.postings('', '');
  }

  /**
   * Decodes the series entry `id` into `out` (its arrays are reused). The entry's CRC-32C is
   * verified on its first read through this reader (upstream verifies it on every read).
   * @throws {CorruptionError} for a damaged entry.
   */
  series(id: number, out: SeriesEntry): SeriesEntry {
    const pos = id * SERIES_ALIGN;
    const file = this.file;
    const path = file.path;
    // Offsets into the file window's buffer (no view allocated per entry).
    const guess = Math.max(0, Math.min(SERIES_GUESS, file.size - pos));
    let o = file.at(pos, guess);
    let b = file.bytes;
    const e = this.cursor.reset(b, o, o + guess);
    let len: number;
    try {
      len = e.uvarint();
    } catch {
      throw new CorruptionError(`${path}: series ${id}: bad length`);
    }
    let start = e.pos;
    if (start + len + 4 > o + guess) {
      const head = start - o;
      o = file.at(pos, head + len + 4);
      b = file.bytes;
      start = o + head;
    }
    const checked = this.seriesChecked;
    if ((checked[id >>> 3]! & (1 << (id & 7))) === 0) {
      if (crc32c(b, start, start + len) !== be32(b, start + len)) throw new CorruptionError(`${path}: series ${id}: checksum mismatch`);
      checked[id >>> 3]! |= 1 << (id & 7);
    }
    e.reset(b, start, start + len);
    try {
      const nl = e.uvarint();
      out.ids.length = 0;
      for (let i = 0; i < 2 * nl; i++) out.ids.push(e.uvarint());
      const nc = e.uvarint();
      const chunks = out.chunks;
      let minT = 0;
      let maxT = 0;
      let ref = 0;
      for (let i = 0; i < nc; i++) {
        if (i === 0) {
          minT = e.varint();
          maxT = minT + e.uvarint();
          ref = e.uvarint();
        } else {
          minT = maxT + e.uvarint();
          maxT = minT + e.uvarint();
          ref += e.varint();
        }
        // The chunk metas of earlier calls are reused (see SeriesEntry).
        const c = chunks[i];
        if (c === undefined) chunks.push({ minT, maxT, ref });
        else {
          c.minT = minT;
          c.maxT = maxT;
          c.ref = ref;
        }
      }
      chunks.length = nc;
    } catch (err) {
      throw new CorruptionError(`${path}: series ${id}: ${(err as Error).message}`);
    }
    return out;
  }

  /** The label set of a decoded series entry. */
  labelsOf(entry: SeriesEntry): string[] {
    const ids = entry.ids;
    const out: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.symbol(ids[i]!);
    return out;
  }

  /** Closes the file. Idempotent. */
  close(): void {
    this.file.close();
  }
}
