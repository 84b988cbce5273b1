import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_LABELS, type Labels } from '../../../src/model/labels.js';
import { decodeBlock, encodeBlock, sortedOrder, type EntryColumns } from '../../../src/logs/store/block.js';
import { CorruptRecordError } from '../../../src/logs/store/bytes.js';

const entry = fc.record({
  ms: fc.integer({ min: 0, max: 2 ** 42 }),
  nanos: fc.integer({ min: 0, max: 999_999 }),
  line: fc.string({ unit: 'grapheme', maxLength: 40 }),
  meta: fc.option(fc.tuple(fc.constantFrom('trace_id', 'user'), fc.string({ minLength: 1, maxLength: 8 })), { nil: undefined }),
});

describe('log chunk blocks', () => {
  it('round-trip any entries, sorted by (ms, nanos) with ties in push order', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 60 }), (es) => {
        const anyMeta = es.some((e) => e.meta);
        const cols: EntryColumns = {
          ms: es.map((e) => e.ms),
          nanos: es.map((e) => e.nanos),
          lines: es.map((e) => e.line),
          meta: anyMeta ? es.map((e) => (e.meta ? (e.meta as Labels) : EMPTY_LABELS)) : null,
        };
        const order = sortedOrder(cols, es.length);
        const run = decodeBlock(encodeBlock(cols, es.length, order));
        const expected = [...es.keys()]
          .sort((a, b) => es[a]!.ms - es[b]!.ms || es[a]!.nanos - es[b]!.nanos || a - b)
          .map((i) => [es[i]!.ms, es[i]!.nanos, es[i]!.line, es[i]!.meta ?? []]);
        const got = Array.from({ length: run.n }, (_, i) => [run.ms[i], run.nanos[i], run.lineAt(i), [...run.metaAt(i)]]);
        expect(got).toEqual(expected);
      }),
    );
  });

  it('rejects bytes that are not a block', () => {
    expect(() => decodeBlock(Buffer.from('not deflate at all'))).toThrow(CorruptRecordError);
  });
});
