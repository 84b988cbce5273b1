/**
 * Writes a block's `index` file in Prometheus's index format version 2
 * (`tsdb/docs/format/index.md`), so blocks are readable by Prometheus and `promtool tsdb`:
 *
 * ```
 * magic 0xBAAAD700 <4> | version 2 <1>
 * symbol table:  len <4> | #symbols <4> | (len <uvarint> | bytes)* | CRC32 <4>
 * series:        each 16-byte aligned (its id = offset / 16):
 *                len <uvarint> | #labels <uvarint> | (name id, value id <uvarint>)* |
 *                #chunks <uvarint> | chunk metas (first: mint <varint>, maxt − mint <uvarint>, ref <uvarint>;
 *                then mint − previous maxt <uvarint>, maxt − mint <uvarint>, ref delta <varint>) | CRC32 <4>
 * postings:      each 4-byte aligned: len <4> | #entries <4> | series id <4>* | CRC32 <4>
 *                (first the list of all series under the empty name and value)
 * postings offset table: len <4> | #entries <4> | (2 <uvarint> | name | value | offset <uvarint>)* | CRC32 <4>
 * TOC:           symbols, series, label indices, label offset table, postings, postings offset table <8 each> | CRC32 <4>
 * ```
 *
 * All checksums are CRC-32C. As current upstream, no label index sections are written (readers
 * of version 2 do not use them): their two TOC entries point at the postings and at the postings
 * offset table.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { Encbuf } from '../encoding.js';
import { crc32c } from '../wal/crc32c.js';

/** Magic number of an index file. */
export const INDEX_MAGIC = 0xbaaad700;

/** Index format version written (upstream `FormatV2`). */
export const INDEX_VERSION = 2;

/** Series entries are 16-byte aligned so a 4-byte series id (offset / 16) addresses 64 GiB. */
export const SERIES_ALIGN = 16;

/** Size of the TOC at the end of the file: six 8-byte offsets and a CRC. */
export const TOC_LEN = 6 * 8 + 4;

/** A chunk's entry in the index: time range (ms, both inclusive) and reference in the chunk segments. */
export interface ChunkMeta {
  minT: number;
  maxT: number;
  ref: number;
}

/** Thrown when series or symbols are added out of order. */
export class IndexOrderError extends Error {
  override name = 'IndexOrderError';
}

/** Buffered sequential writes to a file. */
class Output {
  readonly buf = new Encbuf(1 << 20);
  /** File offset of the next byte. */
  pos = 0;
  constructor(readonly fd: number) {}

  /** Writes the buffer out when it holds more than 1 MiB. */
  maybeFlush(): void {
    if (this.buf.len >= 1 << 20) this.flush();
  }

  flush(): void {
    const b = this.buf;
    let off = 0;
    while (off < b.len) off += writeSync(this.fd, b.buf, off, b.len - off);
    b.reset();
  }

  /** Bytes written through the buffer so far are `pos`; this adds `n` to it after appending to `buf`. */
  advance(n: number): void {
    this.pos += n;
  }

  pad(align: number): void {
    const n = (align - (this.pos % align)) % align;
    for (let i = 0; i < n; i++) this.buf.putByte(0);
    this.pos += n;
  }
}

/**
 * Writes one index file. Call {@link addSymbols} once, then {@link addSeries} for every series in
 * label-set order, then {@link close}.
 */
export class IndexWriter {
  private readonly out: Output;
  private numSymbols = -1;
  private readonly toc = { symbols: 0, series: 0, postings: 0, postingsTable: 0 };
  private readonly entry = new Encbuf(4096);
  /** Series ids in order (the list of all postings). */
  private readonly all: number[] = [];
  /** (name id × #symbols + value id) → series ids. */
  private readonly postings = new Map<number, number[]>();
  private symbols: readonly string[] = [];
  private lastIds: number[] = [];
  private done = false;

  /** Creates (truncates) the file at `path`. @throws {Error} (fs errors). */
  constructor(path: string) {
    this.out = new Output(openSync(path, 'w'));
    const b = this.out.buf;
    b.putBE32(INDEX_MAGIC);
    b.putByte(INDEX_VERSION);
    this.out.advance(5);
  }

  /**
   * Writes the symbol table: every label name and value of the block, sorted ascending (by UTF-16
   * code units, which orders like UTF-8 bytes for strings without surrogate pairs) and unique.
   * Series refer to symbols by their position in this list.
   * @throws {IndexOrderError} when the symbols are not sorted and unique, or were added already.
   */
  addSymbols(symbols: readonly string[]): void {
    if (this.numSymbols >= 0) throw new IndexOrderError('symbols added twice');
    for (let i = 1; i < symbols.length; i++) {
      if (!(symbols[i - 1]! < symbols[i]!)) throw new IndexOrderError(`symbol ${JSON.stringify(symbols[i])} out of order`);
    }
    const out = this.out;
    this.toc.symbols = out.pos;
    const body = new Encbuf(64 * 1024);
    body.putBE32(symbols.length);
    for (const s of symbols) body.putUvarintStr(s);
    const b = out.buf;
    b.putBE32(body.len);
    b.putBytes(body.bytes());
    b.putBE32(crc32c(body.buf, 0, body.len));
    out.advance(4 + body.len + 4);
    out.maybeFlush();
    this.numSymbols = symbols.length;
    this.symbols = symbols;
  }

  /**
   * Adds a series: `ids` holds its label names' and values' symbol ids alternately (labels sorted
   * by name), `chunks` its chunks in time order, not overlapping. Series must come in ascending
   * label-set order.
   * @throws {IndexOrderError} for a series out of order, unknown symbol ids, or chunks out of order.
   */
  addSeries(ids: ArrayLike<number>, chunks: readonly ChunkMeta[]): void {
    if (this.numSymbols < 0) throw new IndexOrderError('series added before symbols');
    const n = ids.length;
    for (let i = 0; i < n; i++) if (!(ids[i]! >= 0 && ids[i]! < this.numSymbols)) throw new IndexOrderError(`unknown symbol id ${ids[i]}`);
    if (this.all.length > 0 && compareIds(this.lastIds, ids) >= 0) {
      throw new IndexOrderError(`out-of-order series added with label set ${this.describe(ids)}, last label set ${this.describe(this.lastIds)}`);
    }
    for (let i = 1; i < chunks.length; i++) {
      if (chunks[i]!.minT <= chunks[i - 1]!.maxT) throw new IndexOrderError(`chunk minT ${chunks[i]!.minT} is not higher than previous chunk maxT ${chunks[i - 1]!.maxT}`);
    }
    const out = this.out;
    if (this.all.length === 0) {
      out.pad(SERIES_ALIGN);
      this.toc.series = out.pos;
    } else {
      out.pad(SERIES_ALIGN);
    }
    const id = out.pos / SERIES_ALIGN;
    const e = this.entry;
    e.reset();
    e.putUvarint(n >> 1);
    for (let i = 0; i < n; i++) e.putUvarint(ids[i]!);
    e.putUvarint(chunks.length);
    if (chunks.length > 0) {
      const c0 = chunks[0]!;
      e.putVarint(c0.minT);
      e.putUvarint(c0.maxT - c0.minT);
      e.putUvarint(c0.ref);
      let t0 = c0.maxT;
      let ref0 = c0.ref;
      for (let i = 1; i < chunks.length; i++) {
        const c = chunks[i]!;
        e.putUvarint(c.minT - t0);
        e.putUvarint(c.maxT - c.minT);
        t0 = c.maxT;
        e.putVarint(c.ref - ref0);
        ref0 = c.ref;
      }
    }
    const b = out.buf;
    const start = b.len;
    b.putUvarint(e.len);
    b.putBytes(e.bytes());
    b.putBE32(crc32c(e.buf, 0, e.len));
    out.advance(b.len - start);
    out.maybeFlush();
    this.all.push(id);
    const syms = this.numSymbols;
    for (let i = 0; i < n; i += 2) {
      const key = ids[i]! * syms + ids[i + 1]!;
      const list = this.postings.get(key);
      if (list === undefined) this.postings.set(key, [id]);
      else list.push(id);
    }
    this.lastIds = Array.from(ids);
  }

  /**
   * Writes the postings, the postings offset table and the TOC, fsyncs and closes the file.
   * @throws {Error} (fs errors).
   */
  close(): void {
    if (this.done) return;
    this.done = true;
    if (this.numSymbols < 0) this.addSymbols([]);
    const out = this.out;
    try {
      if (this.all.length === 0) this.toc.series = out.pos;
      out.pad(4);
      this.toc.postings = out.pos;
      const table = new Encbuf(64 * 1024);
      let entries = 0;
      const writeList = (name: string, value: string, list: readonly number[]): void => {
        out.pad(4);
        table.putUvarint(2);
        table.putUvarintStr(name);
        table.putUvarintStr(value);
        table.putUvarint(out.pos);
        entries++;
        const b = out.buf;
        b.putBE32(4 + 4 * list.length);
        const crcStart = b.len;
        b.putBE32(list.length);
        b.reserve(4 * list.length);
        for (const id of list) b.putBE32(id);
        b.putBE32(crc32c(b.buf, crcStart, b.len));
        out.advance(4 + 4 + 4 * list.length + 4);
        out.maybeFlush();
      };
      writeList('', '', this.all);
      const keys = Float64Array.from(this.postings.keys()).sort();
      const syms = this.numSymbols;
      for (const key of keys) {
        const nameId = Math.floor(key / syms);
        writeList(this.symbols[nameId]!, this.symbols[key - nameId * syms]!, this.postings.get(key)!);
      }
      this.postings.clear();
      this.toc.postingsTable = out.pos;
      const b = out.buf;
      const body = new Encbuf(table.len + 4);
      body.putBE32(entries);
      body.putBytes(table.bytes());
      b.putBE32(body.len);
      b.putBytes(body.bytes());
      b.putBE32(crc32c(body.buf, 0, body.len));
      out.advance(4 + body.len + 4);
      const tocStart = b.len;
      b.putBE64int(this.toc.symbols);
      b.putBE64int(this.toc.series);
      b.putBE64int(this.toc.postings);
      b.putBE64int(this.toc.postingsTable);
      b.putBE64int(this.toc.postings);
      b.putBE64int(this.toc.postingsTable);
      b.putBE32(crc32c(b.buf, tocStart, b.len));
      out.advance(TOC_LEN);
      out.flush();
      fsyncSync(out.fd);
    } finally {
      closeSync(out.fd);
    }
  }

  /** Closes the file without completing it (after a failure). Never throws. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.out.fd);
    } catch {
      // Already unusable; the caller removes the block directory.
    }
  }

  private describe(ids: ArrayLike<number>): string {
    const parts: string[] = [];
    for (let i = 0; i < ids.length; i += 2) parts.push(`${this.symbols[ids[i]!]}=${JSON.stringify(this.symbols[ids[i + 1]!])}`);
    return `{${parts.join(', ')}}`;
  }
}

/**
 * Orders two label sets given as symbol ids (names and values alternating): since symbol ids
 * follow string order, this is `labels.Compare` — pair by pair, name then value, shorter first on a tie.
 */
export function compareIds(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
