/**
 * Per-series state of the head in columns: typed arrays indexed by series ref, grown by doubling,
 * instead of one object per series. What a series costs here is measured by `bench/tsdb.ts`.
 *
 * Label sets are interned into a {@link SymbolTable} and stored as runs of symbol ids in one
 * `Uint32Array` ({@link LabelArena}): 4 bytes per string instead of a JS array per series (~130
 * bytes for five labels on Node's 8-byte pointers). `Labels` arrays are built on demand, for query
 * results and WAL records.
 *
 * Also the label-set → ref lookup: a map from a 31-bit hash of the label set to a ref (numeric keys
 * stay unboxed), with a small map keyed by the full label text for the rare hash collisions — this
 * avoids keeping a joined key string per series.
 */
import { key, type Labels } from '../model/labels.js';
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
  /** Offset of the series' symbol ids in {@link labelArena}. */
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
    const off = this.labelArena.alloc(ls.length, this);
    const ids = this.labelArena.ids;
    for (let i = 0; i < ls.length; i++) ids[off + i] = this.symbols.intern(ls[i]!);
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
    const off = this.labelOff[ref]!;
    const n = this.labelLen[ref]!;
    const ids = this.labelArena.ids;
    for (let i = 0; i < n; i++) this.symbols.release(ids[off + i]!);
    this.labelArena.free(n);
    this.labelLen[ref] = 0;
    this.flags[ref] = 0;
    this.openSlot[ref] = NO_SLOT;
    this.firstChunk[ref] = NO_CHUNK;
    this.lastChunk[ref] = NO_CHUNK;
  }

  /** The label set of series `ref` as a new array (interned strings). */
  labels(ref: number): Labels {
    const off = this.labelOff[ref]!;
    const n = this.labelLen[ref]!;
    const ids = this.labelArena.ids;
    const strings = this.symbols.strings;
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = strings[ids[off + i]!]!;
    return out;
  }

  /** The value of label `name` of series `ref`, or undefined when absent. */
  labelValue(ref: number, name: string): string | undefined {
    const off = this.labelOff[ref]!;
    const n = this.labelLen[ref]!;
    const ids = this.labelArena.ids;
    const strings = this.symbols.strings;
    for (let i = 0; i < n; i += 2) if (strings[ids[off + i]!] === name) return strings[ids[off + i + 1]!];
    return undefined;
  }

  /** Calls `fn` with each label name of series `ref`. */
  forEachLabelName(ref: number, fn: (name: string) => void): void {
    const off = this.labelOff[ref]!;
    const n = this.labelLen[ref]!;
    for (let i = 0; i < n; i += 2) fn(this.symbols.strings[this.labelArena.ids[off + i]!]!);
  }

  /** Whether series `ref` has exactly the label set `ls`. */
  labelsEqual(ref: number, ls: Labels): boolean {
    const n = this.labelLen[ref]!;
    if (n !== ls.length) return false;
    const off = this.labelOff[ref]!;
    const ids = this.labelArena.ids;
    const strings = this.symbols.strings;
    for (let i = 0; i < n; i++) if (strings[ids[off + i]!] !== ls[i]) return false;
    return true;
  }

  /** Bytes of the typed-array columns and the label arena (allocated capacity). */
  bytesAllocated(): number {
    // XOR state 29 (t, tDelta, vHi, vLo, leading, trailing, count, tail) + open/completed chunk state 32
    // (openSlot, openBits, openMinT, nextAt, firstChunk, lastChunk) + flags 1 + label offset/length 6.
    return this.capacity * (29 + 32 + 1 + 6) + this.labelArena.ids.byteLength;
  }
}

/**
 * Interned strings with reference counts. Ids of strings no series uses any more are recycled, so
 * series churn does not grow the table.
 */
export class SymbolTable {
  /** String of each id ('' for free ids). */
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  private refs = new Uint32Array(256);
  private readonly free: number[] = [];

  /** The id of `s`, adding it if needed; counts one more use. */
  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.free.pop() ?? this.strings.length;
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
      this.free.push(id);
    }
  }

  /** Number of distinct strings held. */
  get size(): number {
    return this.ids.size;
  }
}

/**
 * One growable `Uint32Array` holding the symbol ids of every series' label set. Space of removed
 * series is reclaimed by compaction once it exceeds the live space.
 */
export class LabelArena {
  ids = new Uint32Array(4096);
  private top = 0;
  private garbage = 0;

  /** Reserves `n` ids; compacts or grows first when needed. Returns the offset. */
  alloc(n: number, cols: SeriesColumns): number {
    if (this.top + n > this.ids.length) {
      if (this.garbage > this.top / 2) this.compact(cols);
      if (this.top + n > this.ids.length) {
        let cap = this.ids.length * 2;
        while (cap < this.top + n) cap *= 2;
        const ids = new Uint32Array(cap);
        ids.set(this.ids.subarray(0, this.top));
        this.ids = ids;
      }
    }
    const off = this.top;
    this.top += n;
    return off;
  }

  /** Records that `n` ids of a removed series are garbage. */
  free(n: number): void {
    this.garbage += n;
  }

  /** Moves the live series' ids together, updating their offsets. */
  private compact(cols: SeriesColumns): void {
    const ids = new Uint32Array(this.ids.length);
    let top = 0;
    for (let ref = 1; ref < cols.capacity; ref++) {
      if ((cols.flags[ref]! & F_LIVE) === 0) continue;
      const off = cols.labelOff[ref]!;
      const n = cols.labelLen[ref]!;
      ids.set(this.ids.subarray(off, off + n), top);
      cols.labelOff[ref] = top;
      top += n;
    }
    this.ids = ids;
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

/** Label set → series ref. */
export class SeriesLookup {
  private readonly byHash = new Map<number, number>();
  private readonly collisions = new Map<string, number>();
  /** Hash → number of collision entries with that hash (so misses skip building the key). */
  private readonly collisionHashes = new Map<number, number>();

  constructor(private readonly cols: SeriesColumns) {}

  /** The ref of the series with exactly `ls`, or 0. */
  get(ls: Labels, hash: number): number {
    const ref = this.byHash.get(hash);
    if (ref !== undefined && this.cols.labelsEqual(ref, ls)) return ref;
    if (this.collisionHashes.has(hash)) return this.collisions.get(key(ls)) ?? 0;
    return 0;
  }

  /** Records `ref` for `ls` (not present yet). */
  set(ls: Labels, hash: number, ref: number): void {
    if (!this.byHash.has(hash)) {
      this.byHash.set(hash, ref);
      return;
    }
    this.collisions.set(key(ls), ref);
    this.collisionHashes.set(hash, (this.collisionHashes.get(hash) ?? 0) + 1);
  }

  /** Forgets `ref` (whose label set is `ls`). */
  delete(ls: Labels, hash: number, ref: number): void {
    if (this.byHash.get(hash) === ref) {
      this.byHash.delete(hash);
      return;
    }
    if (!this.collisions.delete(key(ls))) return;
    const n = this.collisionHashes.get(hash)! - 1;
    if (n === 0) this.collisionHashes.delete(hash);
    else this.collisionHashes.set(hash, n);
  }

  /** Number of label sets held in the collision map (for tests and statistics). */
  get collisionCount(): number {
    return this.collisions.size;
  }
}
