import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricSet } from '../../../src/hostmetrics/index.js';
import { createParser, EntryType } from '../../../src/exposition/index.js';

describe('MetricSet', () => {
  it('renders families sorted by name and samples sorted by label values, labels sorted by name', () => {
    const m = new MetricSet();
    m.add('node_b', 'gauge', 'B help.', 2, { z: '1', a: 'y' });
    m.add('node_b', 'gauge', 'B help.', 1, { a: 'x', z: '2' });
    m.add('node_b', 'gauge', 'B help.', 3, { a: 'x', z: '10' });
    m.add('node_a_total', 'counter', 'A help with \\ and\nnewline.', 1.5e-7);
    m.add('node_c', 'untyped', 'C help.', NaN, { path: 'q"uote\\back\nline' });
    expect(m.render()).toBe(
      [
        '# HELP node_a_total A help with \\\\ and\\nnewline.',
        '# TYPE node_a_total counter',
        'node_a_total 1.5e-07',
        '# HELP node_b B help.',
        '# TYPE node_b gauge',
        'node_b{a="x",z="10"} 3',
        'node_b{a="x",z="2"} 1',
        'node_b{a="y",z="1"} 2',
        '# HELP node_c C help.',
        '# TYPE node_c untyped',
        'node_c{path="q\\"uote\\\\back\\nline"} NaN',
        '',
      ].join('\n'),
    );
  });

  it('drops a repeated label set and a family redefined with another type or help', () => {
    const m = new MetricSet();
    m.add('x', 'gauge', 'h', 1, { a: '1' });
    m.add('x', 'gauge', 'h', 2, { a: '1' });
    m.add('x', 'counter', 'h', 3, { a: '2' });
    m.add('x', 'gauge', 'other', 4, { a: '3' });
    expect(m.size()).toBe(1);
    expect(m.get('x', { a: '1' })).toBe(1);
    expect(m.droppedSamples()).toEqual(['x: duplicate label set {a,1}', 'x: inconsistent type or help', 'x: inconsistent type or help']);
  });

  it('renders text that the exposition parser reads back to the same samples', () => {
    const name = fc.constantFrom('node_a', 'node_b_total', 'node_c_bytes');
    const value = fc.oneof(fc.double({ noNaN: true }), fc.integer().map(Number));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.string(), value), { maxLength: 20 }), (rows) => {
        const m = new MetricSet();
        for (const [n, label, v] of rows) m.add(n, 'gauge', `help of ${n}`, v, { label });
        const p = createParser(Buffer.from(m.render()), 'text');
        let count = 0;
        for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
          if (e !== EntryType.Series) continue;
          const ls = p.labels();
          expect(m.get(ls[1]!, { label: ls[3] ?? '' }) === p.value()).toBe(true);
          count++;
        }
        expect(count).toBe(m.size());
      }),
    );
  });
});
