/** Open-chunk slots: size classes, zeroed slots, packing into low pages and release of empty pages. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { Head } from '../../../src/tsdb/head.js';
import { OpenChunkSlots, SLOT_SIZES } from '../../../src/tsdb/head_chunks.js';

const PAGE = 64 * 1024;
/** Slots a 64 KiB slab page of class `cls` holds. */
const slotsPerPage = (cls: number) => Math.floor(PAGE / SLOT_SIZES[cls]!);
/** Bytes of the pages the classes hold (released pages kept for reuse excluded). */
const held = (s: OpenChunkSlots) => s.bytesAllocated() - s.bytesPooled();

/** Fills slot `id` with a byte pattern derived from `tag`. */
function fill(s: OpenChunkSlots, id: number, tag: number): void {
  const off = s.offset(id);
  s.buf(id).fill((tag % 251) + 1, off, off + s.size(id));
}

function holds(s: OpenChunkSlots, id: number, tag: number): boolean {
  const off = s.offset(id);
  return s.buf(id).subarray(off, off + s.size(id)).every((b) => b === (tag % 251) + 1);
}

/** Allocations of `n` slots of a class, or releases of `n` live slots from a relative position. */
type SlotOp = { alloc: number; n: number } | { release: number; n: number };

/** Slot operations over classes [0, classes) in batches of at most `most`. */
function slotOps(classes: number, most: number): fc.Arbitrary<SlotOp> {
  return fc.oneof(
    fc.record({ alloc: fc.integer({ min: 0, max: classes - 1 }), n: fc.integer({ min: 1, max: most }) }),
    fc.record({ release: fc.double({ min: 0, max: 1, noNaN: true }), n: fc.integer({ min: 1, max: most }) }),
  );
}

/**
 * Runs `ops` on `s`: each allocated slot is checked with `check` (when given), filled with a new
 * tag and listed; releases take slots off the list. Returns the live slots and their tags.
 */
function runOps(s: OpenChunkSlots, ops: readonly SlotOp[], check?: (id: number, cls: number) => void): { id: number; tag: number }[] {
  const live: { id: number; tag: number }[] = [];
  let tag = 0;
  for (const o of ops) {
    if ('alloc' in o) {
      for (let k = 0; k < o.n; k++) {
        const id = s.alloc(o.alloc);
        check?.(id, o.alloc);
        fill(s, id, ++tag);
        live.push({ id, tag });
      }
    } else {
      for (let k = 0; k < o.n && live.length > 0; k++) s.release(live.splice(Math.floor(o.release * live.length), 1)[0]!.id);
    }
  }
  return live;
}

describe('OpenChunkSlots', () => {
  it('hands out zeroed slots of the class size that never overlap live ones, under any alloc/release order', () => {
    fc.assert(
      fc.property(fc.array(slotOps(SLOT_SIZES.length, 300), { maxLength: 25 }), (ops) => {
        const s = new OpenChunkSlots();
        const live = runOps(s, ops, (id, cls) => {
          expect(s.classOf(id)).toBe(cls);
          expect(s.size(id)).toBe(SLOT_SIZES[cls]);
          const off = s.offset(id);
          expect(s.buf(id).subarray(off, off + s.size(id)).every((b) => b === 0)).toBe(true);
        });
        for (const l of live) expect(holds(s, l.id, l.tag)).toBe(true);
        expect(s.bytesUsed()).toBe(live.reduce((n, l) => n + s.size(l.id), 0));
      }),
      { numRuns: 30 },
    );
  });

  it('releases the pages of a class once its chunks moved up, keeping one spare page, and reuses them for other classes', () => {
    const s = new OpenChunkSlots();
    const small = Array.from({ length: 5000 }, () => s.alloc(0));
    expect(s.bytesAllocated()).toBe(5 * PAGE);
    // Every chunk outgrows its 64-byte slot at the same scrape, as series of one target do.
    const big = small.map((id) => {
      const next = s.alloc(1);
      s.release(id);
      return next;
    });
    // 8 pages of 682 96-byte slots, 3 of them pages class 0 released on the way; one spare page of
    // class 0, and its last released page pooled.
    expect(slotsPerPage(1)).toBe(682);
    expect([held(s), s.bytesPooled(), s.bytesAllocated()]).toEqual([9 * PAGE, PAGE, 10 * PAGE]);
    for (const id of big) s.release(id);
    expect([held(s), s.bytesPooled()]).toEqual([2 * PAGE, 8 * PAGE]);
    expect(s.bytesUsed()).toBe(0);
    // A page of another class comes from the pool: no new memory.
    s.alloc(5);
    expect([held(s), s.bytesPooled()]).toEqual([3 * PAGE, 7 * PAGE]);
  });

  it('keeps at most 64 released pages for reuse', () => {
    const s = new OpenChunkSlots();
    const ids = Array.from({ length: 100 * 1024 }, () => s.alloc(0));
    for (const id of ids) s.release(id);
    expect([held(s), s.bytesPooled()]).toEqual([PAGE, 64 * PAGE]);
  });

  it('fills the lowest page with room first, so freed slots are reused before a new page is taken', () => {
    const s = new OpenChunkSlots();
    const ids = Array.from({ length: 3 * 1024 }, () => s.alloc(0));
    s.release(ids[5]!);
    s.release(ids[2048 + 7]!);
    expect(s.alloc(0)).toBe(ids[5]);
    expect(s.alloc(0)).toBe(ids[2048 + 7]);
    expect(s.bytesAllocated()).toBe(3 * PAGE);
    expect(s.offset(s.alloc(0))).toBe(0);
    expect(s.bytesAllocated()).toBe(4 * PAGE);
  });
});

describe('OpenChunkSlots compaction', () => {
  it('moves the slots above the pages the live ones fit in, keeping their bytes, and releases those pages', () => {
    const s = new OpenChunkSlots();
    const ids = Array.from({ length: 5000 }, () => s.alloc(0));
    ids.forEach((id, i) => fill(s, id, i));
    // Every 100th slot stays: 50 live slots spread over 5 pages of 1,024.
    const kept: { id: number; tag: number }[] = [];
    ids.forEach((id, i) => (i % 100 === 0 ? kept.push({ id, tag: i }) : s.release(id)));
    expect(s.bytesAllocated()).toBe(5 * PAGE);
    const plan = s.compactionPlan()!;
    expect([...plan]).toEqual([1, ...Array(SLOT_SIZES.length - 1).fill(-1)]);
    let moved = 0;
    for (const k of kept) {
      if (!s.movedBy(plan, k.id)) continue;
      k.id = s.move(k.id);
      moved++;
    }
    // Slots 1100, 1200, …, 4900 were on pages 1–4.
    expect(moved).toBe(39);
    for (const k of kept) expect(holds(s, k.id, k.tag)).toBe(true);
    expect(new Set(kept.map((k) => k.id)).size).toBe(50);
    // One page holds the 50 slots; one empty page is kept spare, the other 3 are pooled.
    expect([held(s), s.bytesPooled()]).toEqual([2 * PAGE, 3 * PAGE]);
    expect(s.bytesUsed()).toBe(50 * 64);
    expect(s.compactionPlan()).toBeNull();
  });

  it('plans nothing for classes whose pages are mostly full', () => {
    const s = new OpenChunkSlots();
    const ids = Array.from({ length: 8 * 1024 }, () => s.alloc(0));
    // 9 pages would hold the rest after releasing a tenth of the slots: under the 1 + 1 page slack.
    for (let i = 0; i < ids.length; i += 10) s.release(ids[i]!);
    expect(s.compactionPlan()).toBeNull();
  });

  it('packs any alloc/release history into its needed pages plus slack, keeping every live slot intact', () => {
    fc.assert(
      fc.property(fc.array(slotOps(4, 3000), { maxLength: 12 }), (ops) => {
        const s = new OpenChunkSlots();
        const live = runOps(s, ops);
        const plan = s.compactionPlan();
        if (plan !== null) for (const l of live) if (s.movedBy(plan, l.id)) l.id = s.move(l.id);
        for (const l of live) expect(holds(s, l.id, l.tag)).toBe(true);
        expect(new Set(live.map((l) => l.id)).size).toBe(live.length);
        expect(s.compactionPlan()).toBeNull();
        // Per class: the pages the live slots need, one spare, and the slack below the trigger.
        let bound = 0;
        for (let c = 0; c < 4; c++) {
          const keep = Math.ceil(live.filter((l) => s.classOf(l.id) === c).length / slotsPerPage(c));
          bound += (keep + 1 + Math.max(1, keep >> 3)) * PAGE;
        }
        expect(held(s)).toBeLessThanOrEqual(bound);
        expect(s.bytesPooled()).toBeLessThanOrEqual(64 * PAGE);
      }),
      { numRuns: 40 },
    );
  });
});

describe('head open-chunk memory', () => {
  it('compactOpenChunks releases the pages slow-growing series were left on, and queries see the same samples', () => {
    const head = new Head();
    const app = head.appender();
    const refs: number[] = [];
    for (let i = 0; i < 8000; i++) refs.push(app.seriesRef(['__name__', 'g', 'i', String(i)]));
    app.commit();
    // One series in 40 is a constant (its chunk stays in the 64-byte class); the rest are random
    // floats whose chunks move up, leaving the constants one or two to a page.
    const value = (i: number, k: number) => (i % 40 === 0 ? 7 : Math.sin(i * 7 + k) * 1000);
    const appendRounds = (from: number, to: number) => {
      for (let k = from; k < to; k++) {
        const a = head.appender();
        refs.forEach((r, i) => a.append(r, 15_000 * (k + 1), value(i, k)));
        a.commit();
      }
    };
    appendRounds(0, 20);
    const all = () => head.querier(0, 1e15).select([new Matcher('=', '__name__', 'g')], 0, 1e15).map((s) => [s.labels.join(), [...s.ts.subarray(0, s.count)], [...s.vs.subarray(0, s.count)]]);
    const before = all();
    const slabs = held(head.slots);
    // 8 pages of 1,024 64-byte slots (slot = series index), 200 constants left on them: the 174 past
    // page 0 move there, 6 pages go to the pool and one is kept spare.
    expect(head.compactOpenChunks()).toBe(174);
    expect(held(head.slots)).toBe(slabs - 6 * PAGE);
    expect(head.compactOpenChunks()).toBe(0);
    expect(all()).toEqual(before);
    expect(all()).toEqual(before);
    appendRounds(20, 30);
    const got = head.querier(0, 1e15).select([new Matcher('=', 'i', '80')], 0, 1e15)[0]!;
    expect(got.count).toBe(30);
    expect([...got.vs.subarray(0, got.count)]).toEqual(Array(30).fill(7));
    const moving = head.querier(0, 1e15).select([new Matcher('=', 'i', '81')], 0, 1e15)[0]!;
    expect(moving.vs[29]).toBe(value(81, 29));
  });

  it('compactOpenChunks in slices of refs moves each slice\'s chunks, and the whole pass packs as one call does', () => {
    const head = new Head();
    const app = head.appender();
    const refs: number[] = [];
    for (let i = 0; i < 8000; i++) refs.push(app.seriesRef(['__name__', 'g', 'i', String(i)]));
    app.commit();
    for (let k = 0; k < 20; k++) {
      const a = head.appender();
      refs.forEach((r, i) => a.append(r, 15_000 * (k + 1), i % 40 === 0 ? 7 : Math.sin(i * 7 + k) * 1000));
      a.commit();
    }
    const slabs = held(head.slots);
    // Refs 1–3999: constants 40, 80, …, 3960 lie past page 0 (series index = ref − 1 ≥ 1024): 74.
    expect(head.compactOpenChunks(1, 3999)).toBe(74);
    expect(head.compactOpenChunks(4000, 10_000)).toBe(100);
    expect(held(head.slots)).toBe(slabs - 6 * PAGE);
    const got = head.querier(0, 1e15).select([new Matcher('=', 'i', '7960')], 0, 1e15)[0]!;
    expect([...got.vs.subarray(0, got.count)]).toEqual(Array(20).fill(7));
  });

  it('compactOpenChunks skips refs without a live series (gaps left by WAL replay, removed series)', () => {
    const head = new Head();
    const app = head.appender();
    const a = app.seriesRef(['__name__', 'a']);
    app.append(a, 1000, 1);
    app.commit();
    expect(head.compactOpenChunks()).toBe(0);
  });

  it('holds about one slot per series after chunks grew through the size classes', () => {
    const head = new Head();
    const app = head.appender();
    const refs: number[] = [];
    for (let i = 0; i < 4000; i++) refs.push(app.seriesRef(['__name__', 'g', 'i', String(i)]));
    app.commit();
    for (let k = 0; k < 60; k++) {
      const a = head.appender();
      refs.forEach((r, i) => a.append(r, 15_000 * (k + 1), Math.sin(i + k) * 1000));
      a.commit();
    }
    const ms = head.memoryStats();
    // Allocated pages exceed the bytes of live slots by less than one page per class plus one spare each.
    expect(ms.openChunkSlabs - ms.openChunkBytes).toBeLessThan(2 * SLOT_SIZES.length * PAGE);
    const got = head.querier(0, 1e15).select([new Matcher('=', 'i', '3999')], 0, 1e15)[0]!;
    expect(got.count).toBe(60);
    expect(got.vs[59]).toBe(Math.sin(3999 + 59) * 1000);
  });
});
