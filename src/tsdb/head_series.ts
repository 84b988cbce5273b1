/**
 * Per-series state of the head in columns: typed arrays indexed by series ref, grown by doubling,
 * instead of one object per series. What a series costs here is measured by `bench/tsdb.ts`.
 *
 * Label sets are interned into a {@link SymbolTable} and stored as runs of varint symbol ids in
 * one byte arena ({@link LabelArena}): 1–3 bytes per string (names and common values get the low
 * ids) instead of a JS array per series (~130 bytes for five labels on Node's 8-byte pointers).
 * `Labels` arrays are built on demand, for query results and WAL records.
 *
 * Also the label-set → ref lookup: an open-addressing table of (31-bit hash of the label set, ref)
 * pairs in a typed array — no joined key string per series, no boxed map entries.
 */
import type { Labels } from '../model/labels.js';
import { XorAppendState } from './chunkenc/xor.js';
import { growColumn } from './columns.js';
import { NO_CHUNK } from './head_chunks.js';

/** No open chunk. */
export const NO_SLOT = -1;

/** Flag: the series exists (not yet removed). */
export const F_LIVE = 1;
/** Flag: the series was found empty (no samples) by the previous garbage collection. */
export const F_EMPTY_SEEN = 2;

/** Series state columns. Ref 0 is never used (0 means "unknown" in the storage seams). */
export class SeriesColumns {
  /** XOR encoder state of the open chunk; `xor.t` is also the series' newest sample time. */
  readonly xor: XorAppendState;
  /** Slot of the open chunk ({@link NO_SLOT} when the series has no samples). */
  openSlot: Int32Array;
  /** Bit position, relative to the slot start, where the open chunk's stream ends. */
  openBits: Uint32Array;
  /** Timestamp (ms) of the open chunk's first sample. */
  openMinT: Float64Array;
  /** Timestamp (ms) at or after which the next sample starts a new chunk. */
  nextAt: Float64Array;
  /** Oldest completed chunk ({@link NO_CHUNK} when none). */
  firstChunk: Int32Array;
  /** Newest completed chunk. */
  lastChunk: Int32Array;
  /** `F_*` flags. */
  flags: Uint8Array;
  /** Byte offset of the series' varint symbol ids in {@link labelArena}. */
  labelOff: Uint32Array;
  /** Number of symbol ids (2 × labels) of the series. */
  labelLen: Uint16Array;
  /** Interned label names and values. */
  readonly symbols = new SymbolTable();
  /** Symbol ids of every series' label set. */
  readonly labelArena = new LabelArena();

  constructor(capacity = 1024) {
    this.xor = new XorAppendState(capacity);
    this.openSlot = new Int32Array(capacity);
    this.openBits = new Uint32Array(capacity);
    this.openMinT = new Float64Array(capacity);
    this.nextAt = new Float64Array(capacity);
    this.firstChunk = new Int32Array(capacity);
    this.lastChunk = new Int32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.labelOff = new Uint32Array(capacity);
    this.labelLen = new Uint16Array(capacity);
  }

  /** Number of refs the columns can hold. */
  get capacity(): number {
    return this.flags.length;
  }

  /** Makes ref `ref` addressable, doubling the columns as needed. */
  ensure(ref: number): void {
    if (ref < this.capacity) return;
    let cap = this.capacity;
    while (cap <= ref) cap *= 2;
    this.xor.grow(cap);
    this.openSlot = growColumn(this.openSlot, cap);
    this.openBits = growColumn(this.openBits, cap);
    this.openMinT = growColumn(this.openMinT, cap);
    this.nextAt = growColumn(this.nextAt, cap);
    this.firstChunk = growColumn(this.firstChunk, cap);
    this.lastChunk = growColumn(this.lastChunk, cap);
    this.flags = growColumn(this.flags, cap);
    this.labelOff = growColumn(this.labelOff, cap);
    this.labelLen = growColumn(this.labelLen, cap);
  }

  /**
   * Initialises ref `ref` as a live series without samples, with label set `ls` (at most 32767
   * labels).
   */
  init(ref: number, ls: Labels): void {
    this.ensure(ref);
    const scratch = this.scratchIds(ls.length);
    let bytes = 0;
    for (let i = 0; i < ls.length; i++) {
      const id = this.symbols.intern(ls[i]!);
      scratch[i] = id;
      bytes += varintSize(id);
    }
    const off = this.labelArena.alloc(bytes, this);
    const buf = this.labelArena.bytes;
    let p = off;
    for (let i = 0; i < ls.length; i++) {
      let id = scratch[i]!;
      while (id >= 0x80) {
        buf[p++] = (id & 0x7f) | 0x80;
        id >>>= 7;
      }
      buf[p++] = id;
    }
    this.labelOff[ref] = off;
    this.labelLen[ref] = ls.length;
    this.xor.clear(ref);
    this.xor.t[ref] = -Infinity;
    this.openSlot[ref] = NO_SLOT;
    this.openBits[ref] = 0;
    this.firstChunk[ref] = NO_CHUNK;
    this.lastChunk[ref] = NO_CHUNK;
    this.flags[ref] = F_LIVE;
  }

  /** Marks `ref` removed and releases its labels. */
  kill(ref: number): void {
    const n = this.labelIds(ref, this.scratchIds(this.labelLen[ref]!));
    for (let i = 0; i < n; i++) this.symbols.release(this.scratch[i]!);
    this.labelArena.free(labelBytes(this.labelArena.bytes, this.labelOff[ref]!, n));
    this.labelLen[ref] = 0;
    this.flags[ref] = 0;
    this.openSlot[ref] = NO_SLOT;
    this.firstChunk[ref] = NO_CHUNK;
    this.lastChunk[ref] = NO_CHUNK;
  }

  /**
   * Decodes the symbol ids of series `ref` (2 × labels: name, value, …) into `out` (at least
   * `labelLen[ref]` long) and returns how many there are.
   */
  labelIds(ref: number, out: Uint32Array): number {
    const n = this.labelLen[ref]!;
    const buf = this.labelArena.bytes;
    let p = this.labelOff[ref]!;
    for (let i = 0; i < n; i++) {
      let b = buf[p++]!;
      let id = b & 0x7f;
      for (let shift = 7; b >= 0x80; shift += 7) {
        b = buf[p++]!;
        id += (b & 0x7f) * 2 ** shift;
      }
      out[i] = id;
    }
    return n;
  }

  /** The label set of series `ref` as a new array (interned strings). */
  labels(ref: number): Labels {
    const n = this.labelIds(ref, this.scratchIds(this.labelLen[ref]!));
    const ids = this.scratch;
    const strings = this.symbols.strings;
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = strings[ids[i]!]!;
    return out;
  }

  /** The value of label `name` of series `ref`, or undefined when absent. */
  labelValue(ref: number, name: string): string | undefined {
    const n = this.labelIds(ref, this.scratchIds(this.labelLen[ref]!));
    const ids = this.scratch;
    const strings = this.symbols.strings;
    for (let i = 0; i < n; i += 2) if (strings[ids[i]!] === name) return strings[ids[i + 1]!];
    return undefined;
  }

  /** Calls `fn` with each label name of series `ref`. */
  forEachLabelName(ref: number, fn: (name: string) => void): void {
    const n = this.labelLen[ref]!;
    const buf = this.labelArena.bytes;
    let p = this.labelOff[ref]!;
    for (let i = 0; i < n; i++) {
      let b = buf[p++]!;
      let id = b & 0x7f;
      for (let shift = 7; b >= 0x80; shift += 7) {
        b = buf[p++]!;
        id += (b & 0x7f) * 2 ** shift;
      }
      if ((i & 1) === 0) fn(this.symbols.strings[id]!);
    }
  }

  /** Whether series `ref` has exactly the label set `ls`. */
  labelsEqual(ref: number, ls: Labels): boolean {
    if (this.labelLen[ref]! !== ls.length) return false;
    const n = this.labelIds(ref, this.scratchIds(ls.length));
    const ids = this.scratch;
    const strings = this.symbols.strings;
    for (let i = 0; i < n; i++) if (strings[ids[i]!] !== ls[i]) return false;
    return true;
  }

  /** Bytes of the typed-array columns and the label arena (allocated capacity). */
  bytesAllocated(): number {
    // XOR state 29 (t, tDelta, vHi, vLo, leading, trailing, count, tail) + open/completed chunk state 32
    // (openSlot, openBits, openMinT, nextAt, firstChunk, lastChunk) + flags 1 + label offset/length 6.
    return this.capacity * (29 + 32 + 1 + 6) + this.labelArena.bytes.byteLength;
  }

  /** Scratch space for decoded symbol ids (reused; valid until the next call of a label method). */
  private scratch = new Uint32Array(64);

  private scratchIds(n: number): Uint32Array {
    if (n > this.scratch.length) this.scratch = new Uint32Array(Math.max(n, 2 * this.scratch.length));
    return this.scratch;
  }
}

/** Bytes of the unsigned LEB128 varint of `id` (below 2^32). */
function varintSize(id: number): number {
  return id < 0x80 ? 1 : id < 0x4000 ? 2 : id < 0x200000 ? 3 : id < 0x10000000 ? 4 : 5;
}

/** Bytes of the `n` varints starting at `buf[off]`. */
function labelBytes(buf: Uint8Array, off: number, n: number): number {
  let p = off;
  for (let i = 0; i < n; i++) while (buf[p++]! >= 0x80);
  return p - off;
}

/**
 * Interned strings with reference counts. Ids of strings no series uses any more are recycled, so
 * series churn does not grow the table; the lowest free id is reused first, because label sets
 * store ids as varints and the strings interned first (label names, common values) are the ones
 * most series share.
 */
export class SymbolTable {
  /** String of each id ('' for free ids). */
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  private refs = new Uint32Array(256);
  /** Free ids as a binary min-heap. */
  private free = new Uint32Array(64);
  private freeLen = 0;

  /** The id of `s`, adding it if needed; counts one more use. */
  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.freeLen > 0 ? this.popFree() : this.strings.length;
      if (id === this.strings.length) this.strings.push(s);
      else this.strings[id] = s;
      this.ids.set(s, id);
      if (id >= this.refs.length) {
        const r = new Uint32Array(this.refs.length * 2);
        r.set(this.refs);
        this.refs = r;
      }
    }
    this.refs[id]!++;
    return id;
  }

  /** Counts one use less of symbol `id`; forgets the string when unused. */
  release(id: number): void {
    if (--this.refs[id]! === 0) {
      this.ids.delete(this.strings[id]!);
      this.strings[id] = '';
      this.pushFree(id);
    }
  }

  private pushFree(id: number): void {
    if (this.freeLen === this.free.length) this.free = growColumn(this.free, 2 * this.free.length);
    const h = this.free;
    let i = this.freeLen++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= id) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = id;
  }

  private popFree(): number {
    const h = this.free;
    const top = h[0]!;
    const last = h[--this.freeLen]!;
    const n = this.freeLen;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && h[c + 1]! < h[c]!) c++;
      if (h[c]! >= last) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }

  /** Number of distinct strings held. */
  get size(): number {
    return this.ids.size;
  }
}

/**
 * One growable byte array holding the varint symbol ids of every series' label set. Space of
 * removed series is reclaimed by compaction once it exceeds the live space.
 */
export class LabelArena {
  bytes = new Uint8Array(16 * 1024);
  private top = 0;
  private garbage = 0;

  /** Reserves `n` bytes; compacts or grows first when needed. Returns the offset. */
  alloc(n: number, cols: SeriesColumns): number {
    if (this.top + n > this.bytes.length) {
      if (this.garbage > this.top / 2) this.compact(cols);
      if (this.top + n > this.bytes.length) {
        let cap = this.bytes.length * 2;
        while (cap < this.top + n) cap *= 2;
        const bytes = new Uint8Array(cap);
        bytes.set(this.bytes.subarray(0, this.top));
        this.bytes = bytes;
      }
    }
    const off = this.top;
    this.top += n;
    return off;
  }

  /** Records that `n` bytes of a removed series are garbage. */
  free(n: number): void {
    this.garbage += n;
  }

  /** Moves the live series' ids together, updating their offsets. */
  private compact(cols: SeriesColumns): void {
    const bytes = new Uint8Array(this.bytes.length);
    let top = 0;
    for (let ref = 1; ref < cols.capacity; ref++) {
      if ((cols.flags[ref]! & F_LIVE) === 0) continue;
      const off = cols.labelOff[ref]!;
      const n = labelBytes(this.bytes, off, cols.labelLen[ref]!);
      bytes.set(this.bytes.subarray(off, off + n), top);
      cols.labelOff[ref] = top;
      top += n;
    }
    this.bytes = bytes;
    this.top = top;
    this.garbage = 0;
  }
}

/** FNV-1a over the label set's UTF-16 code units with separators, folded to 31 bits (a V8 small integer). */
export function hashLabels(ls: Labels): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ls.length; i++) {
    const s = ls[i]!;
    for (let j = 0; j < s.length; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ 0xff, 0x01000193);
  }
  return h >> 1;
}

/** Initial slot count of the lookup table (a power of two). */
const LOOKUP_INITIAL_SLOTS = 1024;
/** Maximum share of used slots before the table doubles: linear probing stays short below ~0.7. */
const LOOKUP_MAX_LOAD = 0.7;

/**
 * Label set → series ref: an open-addressing hash table (linear probing) of (hash, ref) pairs in
 * one `Int32Array`, 8 bytes a slot, 11–21 bytes a series (a `Map<number, number>` took ~37 and
 * rehashes into a new large object as it grows). Equal hashes are told apart by comparing the label
 * set with the series' interned labels, so collisions need no second map. Ref 0 marks an empty slot.
 */
export class SeriesLookup {
  private table = new Int32Array(2 * LOOKUP_INITIAL_SLOTS);
  private mask = LOOKUP_INITIAL_SLOTS - 1;
  /** Number of series held. */
  size = 0;

  constructor(private readonly cols: SeriesColumns) {}

  /** The ref of the series with exactly `ls` (whose {@link hashLabels} is `hash`), or 0. */
  get(ls: Labels, hash: number): number {
    const t = this.table;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const ref = t[2 * i + 1]!;
      if (ref === 0) return 0;
      if (t[2 * i] === hash && this.cols.labelsEqual(ref, ls)) return ref;
    }
  }

  /** Records `ref` for `ls` (not present yet) under `hash`. */
  set(_ls: Labels, hash: number, ref: number): void {
    if (this.size + 1 > LOOKUP_MAX_LOAD * (this.mask + 1)) this.grow();
    this.put(hash, ref);
    this.size++;
  }

  /** Forgets `ref` (recorded under `hash`); a no-op when it is not held. */
  delete(_ls: Labels, hash: number, ref: number): void {
    const t = this.table;
    const mask = this.mask;
    let i = hash & mask;
    for (; ; i = (i + 1) & mask) {
      const r = t[2 * i + 1]!;
      if (r === 0) return;
      if (r === ref) break;
    }
    // Backward-shift deletion: move later entries of the probe run into the hole when their home
    // slot does not lie after the hole, so no tombstones are needed.
    for (let j = (i + 1) & mask; t[2 * j + 1] !== 0; j = (j + 1) & mask) {
      const home = t[2 * j]! & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        t[2 * i] = t[2 * j]!;
        t[2 * i + 1] = t[2 * j + 1]!;
        i = j;
      }
    }
    t[2 * i] = 0;
    t[2 * i + 1] = 0;
    this.size--;
  }

  /** Bytes of the table. */
  bytesAllocated(): number {
    return this.table.byteLength;
  }

  private put(hash: number, ref: number): void {
    const t = this.table;
    let i = hash & this.mask;
    while (t[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    t[2 * i] = hash;
    t[2 * i + 1] = ref;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = old.length - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.put(old[i]!, old[i + 1]!);
  }
}
