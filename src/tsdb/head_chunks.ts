/**
 * Memory for head chunks, in slabs instead of one `Uint8Array` per chunk (a typed array costs
 * ~100–200 bytes of V8 overhead before its first byte, more than a whole 120-sample chunk):
 *
 * - {@link OpenChunkSlots}: fixed-size slots, in size classes, for the one open (growing) chunk of
 *   each series. A chunk that outgrows its slot moves to a slot of the next class.
 * - {@link ChunkStore}: where completed chunks go. {@link ChunkArena} keeps them in append-only
 *   memory pages (a `Head` on its own: tests, tools); under a `TSDB` they are flushed out of the JS
 *   heap into head chunk files (`chunks_head.ts`) and read back with positioned reads.
 * - {@link ChunkTable}: the metadata of completed chunks in columns (min/max time, address, length,
 *   next chunk of the same series), with a free list.
 */
import { growColumn } from './columns.js';

/**
 * Slot sizes of the open-chunk size classes, in bytes: steps of about √2, so a chunk's slot is on
 * average ~85% used (doubling steps left ~75%), at the price of copying a growing chunk ~10 times
 * instead of ~5 over its life.
 */
export const SLOT_SIZES: readonly number[] = [
  // A fresh chunk (2-byte header, varint timestamp, raw first value, a few samples) fits in 64.
  64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536,
  // A chunk is cut once past 1005 bytes (MAX_BYTES_PER_XOR_CHUNK − one maximal sample), so its
  // final append can need up to ~1030 bytes: 2048 is the largest class ever used.
  2048,
];

/**
 * Bytes of every slab page: large enough to amortise allocation, small enough not to strand
 * memory. A class's page holds ⌊64 KiB / slot size⌋ slots (at most 1.5 % of it unused), and every
 * class's pages are the same size, so a page one class releases serves the next page another
 * class needs ({@link PagePool}).
 */
export const SLOT_PAGE_BYTES = 64 * 1024;

/** Bits of a slot index that hold its place in its page: at most 1,024 slots (of 64 bytes) a page. */
const PAGE_SLOT_BITS = 10;
/** Bitmap words per page: one bit per possible slot place. */
const WORDS_PER_PAGE = (1 << PAGE_SLOT_BITS) >>> 5;

/** Bits of a slot id that hold the index inside its class (the class is in the bits above). */
const SLOT_INDEX_BITS = 27;

/**
 * Empty pages a class keeps instead of releasing them, so a page whose last slot comes and goes
 * (one series cutting a chunk) is not reallocated each time.
 */
const SPARE_EMPTY_PAGES = 1;

/**
 * Released pages kept for reuse by any class (4 MiB). Open chunks move up the classes in waves,
 * so pages one class releases are needed by the next class at about the same time; without
 * reuse each released page was garbage until a full garbage collection, and V8 lets external
 * memory grow by tens of MiB before it runs one.
 */
const MAX_POOLED_PAGES = 64;

/** Released slab pages, handed to whichever class needs a page next. */
class PagePool {
  private readonly free: Uint8Array[] = [];

  /** A page: a released one (its bytes are not zero; slots are zeroed when allocated) or a new one. */
  take(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(SLOT_PAGE_BYTES);
  }

  /** Takes back a page no class uses; beyond {@link MAX_POOLED_PAGES} it is left to the garbage collector. */
  give(page: Uint8Array): void {
    if (this.free.length < MAX_POOLED_PAGES) this.free.push(page);
  }

  /** Bytes of the pages held. */
  bytesAllocated(): number {
    return this.free.length * SLOT_PAGE_BYTES;
  }
}

/**
 * One size class: pages of `slotSize`-byte slots with a used-slot bitmap per page. A new slot goes
 * to the lowest page with room, so live slots stay packed in the low pages; a page left with no
 * live slot is released (beyond {@link SPARE_EMPTY_PAGES}) to the {@link PagePool}. Open chunks
 * grow in lockstep (every series of a target gets its samples at the same scrapes), so whole pages
 * of a class empty at once when their chunks move up a class; with one free list these pages would
 * stay allocated forever and every series would hold a slot in every class it passed through.
 */
class SlotClass {
  /** Slots per page. */
  readonly perPage: number;
  /** Pages by index; null once released. */
  readonly pages: (Uint8Array | null)[] = [];
  /**
   * Used-slot bitmap: bit `i % 32` of word `page × WORDS_PER_PAGE + (i ≫ 5)` is slot `i` of a
   * page; the bits of places past {@link perPage} are always set.
   */
  private used = new Uint32Array(0);
  /** Live slots per page. */
  private live = new Int32Array(0);
  /** No page below this one has a free slot. */
  private lowestFree = 0;
  private emptyPages = 0;
  private pagesAllocated = 0;
  /** Slots in use. */
  count = 0;

  constructor(
    readonly slotSize: number,
    private readonly pool: PagePool,
  ) {
    this.perPage = Math.floor(SLOT_PAGE_BYTES / slotSize);
  }

  alloc(): number {
    const perPage = this.perPage;
    let p = this.lowestFree;
    while (p < this.pages.length && this.live[p] === perPage) p++;
    if (p === this.pages.length) this.addPage();
    if (this.pages[p] === null) {
      this.pages[p] = this.pool.take();
      this.pagesAllocated++;
    } else if (this.live[p] === 0) this.emptyPages--;
    this.lowestFree = p;
    const w0 = p * WORDS_PER_PAGE;
    let w = w0;
    while (this.used[w] === 0xffffffff) w++;
    const word = this.used[w]!;
    const bit = 31 - Math.clz32(~word & (word + 1));
    this.used[w] = word | (1 << bit);
    this.live[p]!++;
    this.count++;
    const idx = (p << PAGE_SLOT_BITS) | ((w - w0) << 5) | bit;
    if (idx >= 1 << SLOT_INDEX_BITS) throw new RangeError('head chunk slot space exhausted');
    const off = this.offset(idx);
    this.pages[p]!.fill(0, off, off + this.slotSize);
    return idx;
  }

  release(idx: number): void {
    const p = idx >>> PAGE_SLOT_BITS;
    const i = idx & ((1 << PAGE_SLOT_BITS) - 1);
    this.used[p * WORDS_PER_PAGE + (i >>> 5)]! &= ~(1 << (i & 31));
    this.count--;
    if (p < this.lowestFree) this.lowestFree = p;
    if (--this.live[p]! > 0) return;
    if (this.emptyPages < SPARE_EMPTY_PAGES) {
      this.emptyPages++;
      return;
    }
    this.pool.give(this.pages[p]!);
    this.pages[p] = null;
    this.pagesAllocated--;
  }

  page(idx: number): Uint8Array {
    return this.pages[idx >>> PAGE_SLOT_BITS]!;
  }

  /** Page index of slot `idx`. */
  pageOf(idx: number): number {
    return idx >>> PAGE_SLOT_BITS;
  }

  /**
   * The first page index whose slots {@link OpenChunkSlots.compactionPlan} moves, or -1 when the
   * class is dense enough: its live slots fit in `keep` = ⌈count / slots per page⌉ pages, and it is
   * compacted when it holds more than `keep` + {@link SPARE_EMPTY_PAGES} + max(1, keep / 8) pages.
   * Pages below `keep` have room for every live slot above them, so moving those fills only pages
   * below `keep` (allocation takes the lowest page with room).
   */
  compactFrom(): number {
    const keep = Math.ceil(this.count / this.perPage);
    return this.pagesAllocated > keep + SPARE_EMPTY_PAGES + Math.max(1, keep >> 3) ? keep : -1;
  }

  offset(idx: number): number {
    return (idx & ((1 << PAGE_SLOT_BITS) - 1)) * this.slotSize;
  }

  /** Bytes of pages allocated. */
  bytesAllocated(): number {
    return this.pagesAllocated * SLOT_PAGE_BYTES;
  }

  /** Appends a page index whose bitmap has only the places past {@link perPage} set (its memory comes on first use). */
  private addPage(): void {
    const n = this.pages.length + 1;
    if (n * WORDS_PER_PAGE > this.used.length) {
      const cap = Math.max(16, 2 * n);
      this.used = growColumn(this.used, cap * WORDS_PER_PAGE);
      this.live = growColumn(this.live, cap);
    }
    const w0 = (n - 1) * WORDS_PER_PAGE;
    for (let i = this.perPage; i < 1 << PAGE_SLOT_BITS; i++) this.used[w0 + (i >>> 5)]! |= 1 << (i & 31);
    this.pages.push(null);
  }
}

/**
 * Slots for open head chunks. A slot id encodes its size class and index; {@link buf} and
 * {@link offset} locate its bytes. Fresh slots are zero-filled (bit writers OR bits in).
 */
export class OpenChunkSlots {
  private readonly pool = new PagePool();
  private readonly classes = SLOT_SIZES.map((s) => new SlotClass(s, this.pool));

  /** Allocates a zeroed slot of class `cls` (an index into {@link SLOT_SIZES}). */
  alloc(cls: number): number {
    return (cls << SLOT_INDEX_BITS) | this.classes[cls]!.alloc();
  }

  /** Returns slot `id` to its free list. */
  release(id: number): void {
    this.classes[id >>> SLOT_INDEX_BITS]!.release(id & ((1 << SLOT_INDEX_BITS) - 1));
  }

  /** Size class of slot `id`. */
  classOf(id: number): number {
    return id >>> SLOT_INDEX_BITS;
  }

  /** Capacity in bytes of slot `id`. */
  size(id: number): number {
    return SLOT_SIZES[id >>> SLOT_INDEX_BITS]!;
  }

  /** The slab page holding slot `id`. */
  buf(id: number): Uint8Array {
    return this.classes[id >>> SLOT_INDEX_BITS]!.page(id & ((1 << SLOT_INDEX_BITS) - 1));
  }

  /** Byte offset of slot `id` in its page. */
  offset(id: number): number {
    return this.classes[id >>> SLOT_INDEX_BITS]!.offset(id & ((1 << SLOT_INDEX_BITS) - 1));
  }

  /**
   * Which slots to move to pack sparse classes: per class, the first page index whose slots move
   * (-1: the class stays as it is), or null when no class needs it. Open chunks leave a class at
   * different times (a slowly growing series keeps its small slot while its neighbours move up), so
   * a class can end up with a few live slots on each of many pages: at 1M series a few percent of
   * the 64-byte slots stayed behind, one or two on every page, holding ~60 MiB of pages.
   * Moving every slot of a page at or past the returned index ({@link move}) leaves those pages
   * empty, and they are released. The plan is valid until the next alloc or release outside it.
   */
  compactionPlan(): Int32Array | null {
    const plan = new Int32Array(this.classes.length);
    let any = false;
    for (let c = 0; c < plan.length; c++) {
      plan[c] = this.classes[c]!.compactFrom();
      if (plan[c]! >= 0) any = true;
    }
    return any ? plan : null;
  }

  /** Whether `plan` (from {@link compactionPlan}) moves slot `id`. */
  movedBy(plan: Int32Array, id: number): boolean {
    const c = id >>> SLOT_INDEX_BITS;
    return plan[c]! >= 0 && this.classes[c]!.pageOf(id & ((1 << SLOT_INDEX_BITS) - 1)) >= plan[c]!;
  }

  /**
   * Moves slot `id` to a new slot of the same class (the lowest with room), copying its bytes, and
   * releases it; returns the new slot id. The caller must point the slot's owner at the new id.
   */
  move(id: number): number {
    const next = this.alloc(id >>> SLOT_INDEX_BITS);
    const from = this.offset(id);
    this.buf(next).set(this.buf(id).subarray(from, from + this.size(id)), this.offset(next));
    this.release(id);
    return next;
  }

  /** Bytes of slab pages allocated (all classes, and released pages kept for reuse). */
  bytesAllocated(): number {
    let n = this.pool.bytesAllocated();
    for (const c of this.classes) n += c.bytesAllocated();
    return n;
  }

  /** Bytes of the released pages kept for reuse (part of {@link bytesAllocated}). */
  bytesPooled(): number {
    return this.pool.bytesAllocated();
  }

  /** Bytes of slots in use (all classes). */
  bytesUsed(): number {
    let n = 0;
    for (const c of this.classes) n += c.count * c.slotSize;
    return n;
  }
}

/**
 * Page size of the completed-chunk arena: a page holds thousands of chunks (100–1000 bytes each),
 * so per-page bookkeeping is negligible, while a page stranded by one long-lived chunk wastes at
 * most 1 MiB.
 */
const ARENA_PAGE_BYTES = 1 << 20;

/**
 * Storage of completed head chunks. An address (a non-negative integer below 2^53) names the bytes
 * of one chunk; the head keeps it with the chunk's length in its {@link ChunkTable}.
 */
export interface ChunkStore {
  /**
   * Stores the `len` bytes at `src[start…]` — the completed chunk of series `ref` with samples in
   * [minT, maxT] (ms) — and returns its address.
   * @throws {Error} (fs errors) when a file-backed store cannot write.
   */
  store(ref: number, minT: number, maxT: number, src: Uint8Array, start: number, len: number): number;
  /**
   * The `len` bytes at `addr`: a view that stays valid until the next `read` (copy to keep).
   * @throws {ChunkReadError} when a file-backed store cannot read them back intact.
   */
  read(addr: number, len: number): Uint8Array;
  /** Frees the chunk at `addr` (`len` bytes). */
  release(addr: number, len: number): void;
  /** Drops storage that holds only chunks whose newest sample is older than `mint` (ms). */
  truncate(mint: number): void;
  /** Bytes of memory the store holds (pages, write buffers). */
  bytesAllocated(): number;
  /** Bytes of live chunks (in memory or in files). */
  bytesLive(): number;
  /** Releases files and memory; the store is unusable afterwards. */
  close(): void;
}

/** Thrown when a stored chunk cannot be read back (I/O error, damaged file). */
export class ChunkReadError extends Error {
  override name = 'ChunkReadError';
}

/** Append-only memory pages holding completed chunks; an address is `page × page size + offset`. */
export class ChunkArena implements ChunkStore {
  private readonly pages: (Uint8Array | null)[] = [];
  private readonly live: number[] = [];
  private cur = -1;
  private off = ARENA_PAGE_BYTES;
  private pagesInUse = 0;

  /** See {@link ChunkStore.store}; copies the bytes into the current page. */
  store(_ref: number, _minT: number, _maxT: number, src: Uint8Array, start: number, len: number): number {
    if (this.off + len > ARENA_PAGE_BYTES) {
      if (this.cur >= 0 && this.live[this.cur] === 0) this.dropPage(this.cur);
      this.cur = this.pages.length;
      this.pages.push(new Uint8Array(ARENA_PAGE_BYTES));
      this.live.push(0);
      this.pagesInUse++;
      this.off = 0;
    }
    const page = this.pages[this.cur]!;
    page.set(src.subarray(start, start + len), this.off);
    const addr = this.cur * ARENA_PAGE_BYTES + this.off;
    this.off += len;
    this.live[this.cur]! += len;
    return addr;
  }

  /** Frees the `len` bytes at `addr`; drops the page once nothing in it is live. */
  release(addr: number, len: number): void {
    const p = Math.floor(addr / ARENA_PAGE_BYTES);
    const left = (this.live[p]! -= len);
    if (left === 0 && p !== this.cur) this.dropPage(p);
  }

  /** See {@link ChunkStore.read}; a view into the page, no copy. */
  read(addr: number, len: number): Uint8Array {
    const off = addr % ARENA_PAGE_BYTES;
    return this.pages[Math.floor(addr / ARENA_PAGE_BYTES)]!.subarray(off, off + len);
  }

  /** Memory pages are released chunk by chunk ({@link release}); nothing to do. */
  truncate(_mint: number): void {}

  /** Nothing to release beyond the pages, which the garbage collector takes. */
  close(): void {}

  /** Bytes of pages currently allocated. */
  bytesAllocated(): number {
    return this.pagesInUse * ARENA_PAGE_BYTES;
  }

  /** Bytes of live chunks. */
  bytesLive(): number {
    let n = 0;
    for (const l of this.live) n += l;
    return n;
  }

  private dropPage(p: number): void {
    if (this.pages[p] === null) return;
    this.pages[p] = null;
    this.pagesInUse--;
  }
}

/** No chunk (end of a series' chunk list). */
export const NO_CHUNK = -1;

/**
 * Metadata of completed head chunks in columns indexed by chunk id. Each series links its chunks
 * oldest-first through {@link next}. Ids of freed chunks are reused.
 */
export class ChunkTable {
  /** Timestamp (ms) of the first sample. */
  minT = new Float64Array(1024);
  /** Timestamp (ms) of the last sample. */
  maxT = new Float64Array(1024);
  /** Address of the bytes in the {@link ChunkArena}. */
  addr = new Float64Array(1024);
  /** Length of the bytes. */
  len = new Uint16Array(1024);
  /** Number of samples. */
  samples = new Uint16Array(1024);
  /** Next chunk of the same series, or {@link NO_CHUNK}. */
  next = new Int32Array(1024);
  private freeHead = NO_CHUNK;
  private top = 0;
  /** Chunks in use. */
  count = 0;

  /** Allocates a chunk id (its fields are for the caller to set). */
  alloc(): number {
    this.count++;
    if (this.freeHead !== NO_CHUNK) {
      const id = this.freeHead;
      this.freeHead = this.next[id]!;
      return id;
    }
    if (this.top === this.minT.length) this.grow(this.top * 2);
    return this.top++;
  }

  /** Frees chunk `id`. */
  release(id: number): void {
    this.next[id] = this.freeHead;
    this.freeHead = id;
    this.count--;
  }

  /** Bytes of the typed-array columns. */
  bytesAllocated(): number {
    return this.minT.length * (8 + 8 + 8 + 2 + 2 + 4);
  }

  private grow(n: number): void {
    this.minT = growColumn(this.minT, n);
    this.maxT = growColumn(this.maxT, n);
    this.addr = growColumn(this.addr, n);
    this.len = growColumn(this.len, n);
    this.samples = growColumn(this.samples, n);
    this.next = growColumn(this.next, n);
  }
}
