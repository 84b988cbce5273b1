/** Open-chunk slots: size classes, zeroed slots, packing into low pages and release of empty pages. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { Head } from '../../../src/tsdb/head.js';
import { OpenChunkSlots, SLOT_SIZES } from '../../../src/tsdb/head_chunks.js';

const PAGE = 64 * 1024;
/** Bytes of a slab page of class `cls`: the largest power-of-two number of slots within 64 KiB. */
const pageOf = (cls: number) => SLOT_SIZES[cls]! << Math.floor(Math.log2(PAGE / SLOT_SIZES[cls]!));

/** Fills slot `id` with a byte pattern derived from `tag`. */
function fill(s: OpenChunkSlots, id: number, tag: number): void {
  const off = s.offset(id);
  s.buf(id).fill((tag % 251) + 1, off, off + s.size(id));
}

function holds(s: OpenChunkSlots, id: number, tag: number): boolean {
  const off = s.offset(id);
  return s.buf(id).subarray(off, off + s.size(id)).every((b) => b === (tag % 251) + 1);
}

describe('OpenChunkSlots', () => {
  it('hands out zeroed slots of the class size that never overlap live ones, under any alloc/release order', () => {
    const op = fc.oneof(
      fc.record({ alloc: fc.integer({ min: 0, max: SLOT_SIZES.length - 1 }), n: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ release: fc.double({ min: 0, max: 1, noNaN: true }), n: fc.integer({ min: 1, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const s = new OpenChunkSlots();
        const live: { id: number; tag: number }[] = [];
        let tag = 0;
        for (const o of ops) {
          if ('alloc' in o) {
            for (let k = 0; k < o.n; k++) {
              const id = s.alloc(o.alloc);
              expect(s.classOf(id)).toBe(o.alloc);
              expect(s.size(id)).toBe(SLOT_SIZES[o.alloc]);
              const off = s.offset(id);
              expect(s.buf(id).subarray(off, off + s.size(id)).every((b) => b === 0)).toBe(true);
              fill(s, id, ++tag);
              live.push({ id, tag });
            }
          } else {
            for (let k = 0; k < o.n && live.length > 0; k++) {
              const [gone] = live.splice(Math.floor(o.release * live.length), 1);
              s.release(gone!.id);
            }
          }
        }
        for (const l of live) expect(holds(s, l.id, l.tag)).toBe(true);
        expect(s.bytesUsed()).toBe(live.reduce((n, l) => n + s.size(l.id), 0));
      }),
      { numRuns: 30 },
    );
  });

  it('releases the pages of a class once its chunks moved up, keeping one spare page', () => {
    const s = new OpenChunkSlots();
    const small = Array.from({ length: 5000 }, () => s.alloc(0));
    expect(s.bytesAllocated()).toBe(Math.ceil((5000 * 64) / PAGE) * PAGE);
    // Every chunk outgrows its 64-byte slot at the same scrape, as series of one target do.
    const big = small.map((id) => {
      const next = s.alloc(1);
      s.release(id);
      return next;
    });
    expect(pageOf(1)).toBe(48 * 1024);
    expect(s.bytesAllocated()).toBe(Math.ceil((5000 * 96) / pageOf(1)) * pageOf(1) + PAGE);
    for (const id of big) s.release(id);
    expect(s.bytesAllocated()).toBe(PAGE + pageOf(1));
    expect(s.bytesUsed()).toBe(0);
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

describe('head open-chunk memory', () => {
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
