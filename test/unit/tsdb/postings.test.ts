import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromPairs, type Labels } from '../../../src/model/labels.js';
import { type MatchType, Matcher, matchesAll } from '../../../src/model/matcher.js';
import { Head } from '../../../src/tsdb/head.js';
import { difference, intersect, MemPostings, mergeDisjoint, postingsForMatchers } from '../../../src/tsdb/postings.js';

const sortedSet = fc.uniqueArray(fc.integer({ min: 1, max: 500 })).map((a) => a.sort((x, y) => x - y));

describe('postings list operations', () => {
  it('intersect, difference and mergeDisjoint agree with set arithmetic', () => {
    fc.assert(
      fc.property(sortedSet, sortedSet, (a, b) => {
        const sb = new Set(b);
        expect(intersect(a, b)).toEqual(a.filter((x) => sb.has(x)));
        expect(difference(a, b)).toEqual(a.filter((x) => !sb.has(x)));
        const onlyB = b.filter((x) => !new Set(a).has(x));
        expect([...mergeDisjoint([a, onlyB])]).toEqual([...a, ...onlyB].sort((x, y) => x - y));
      }),
    );
  });

  it('uses binary search for very unequal lists with the same result', () => {
    const big = Array.from({ length: 5000 }, (_, i) => i * 2);
    expect(intersect([3, 4, 998, 9998, 10001], big)).toEqual([4, 998, 9998]);
  });

  it('deletes refs and drops empty lists and names', () => {
    const p = new MemPostings();
    p.add(1, ['a', 'x', 'b', 'y']);
    p.add(2, ['a', 'x']);
    p.delete([['a', 'x', 'b', 'y']], (r) => r === 1);
    expect(p.get('a', 'x')).toEqual([2]);
    expect(p.values('b')).toBeUndefined();
    expect([...p.names()]).toEqual(['a']);
  });
});

/** Random series over a small vocabulary so matchers hit, miss and hit absent labels. */
const labelSet = fc
  .record({
    __name__: fc.constantFrom('up', 'http_requests_total', 'node_cpu'),
    job: fc.constantFrom('', 'api', 'web', 'db'),
    instance: fc.constantFrom('', 'a:1', 'b:2', 'c:3'),
    env: fc.constantFrom('', 'prod', 'dev'),
  })
  .map((o) => fromPairs(Object.entries(o).flat()));

const matcher = fc
  .tuple(
    fc.constantFrom<MatchType>('=', '!=', '=~', '!~'),
    fc.constantFrom('job', 'instance', 'env', '__name__', 'missing'),
    fc.constantFrom('', 'api', 'web', 'a:1', 'prod', '.*', '.+', 'a.*|', 'up|node_cpu', 'dev|', '[ab]:.*'),
  )
  .map(([t, n, v]) => new Matcher(t, n, v));

describe('postingsForMatchers', () => {
  it('selects exactly the series a brute-force label check selects, for every matcher type', () => {
    fc.assert(
      fc.property(fc.array(labelSet, { minLength: 1, maxLength: 40 }), fc.array(matcher, { minLength: 1, maxLength: 3 }), (sets, ms) => {
        const head = new Head();
        const app = head.appender();
        const byRef = new Map<number, Labels>();
        for (const ls of sets) byRef.set(app.seriesRef(ls), ls);
        const all = [...byRef.keys()].sort((a, b) => a - b);
        const got = postingsForMatchers(head.postings, ms, () => all);
        const want = all.filter((r) => matchesAll(ms, byRef.get(r)!));
        expect([...got]).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

/** One step against the index: add a series (any unused ref, so also out of order) or delete some. */
type Op = { add: number; labels: Labels } | { del: number[] };

/** Few label pairs, so lists grow past the typed-list size (64) and shrink back by deletion. */
const opLabels = fc
  .record({
    a: fc.constantFrom('1', '2'),
    b: fc.constantFrom('x', 'y', 'z'),
    u: fc.integer({ min: 0, max: 400 }).map(String),
  })
  .map((o) => fromPairs(Object.entries(o).flat()));

const ops = fc.array(
  fc.oneof(
    { weight: 12, arbitrary: fc.record({ add: fc.integer({ min: 1, max: 600 }), labels: opLabels }) },
    { weight: 1, arbitrary: fc.record({ del: fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 300, size: 'max' }) }) },
  ),
  { minLength: 100, maxLength: 800, size: 'max' },
);

describe('MemPostings storage', () => {
  it('holds exactly the live refs of each label pair, sorted, through adds in any order and deletions', () => {
    fc.assert(
      fc.property(ops, fc.boolean(), (steps: Op[], ascending) => {
        const p = new MemPostings();
        const live = new Map<number, Labels>();
        let next = 1;
        for (const op of steps) {
          if ('add' in op) {
            const ref = ascending ? next++ : op.add;
            if (live.has(ref)) continue;
            live.set(ref, op.labels);
            p.add(ref, op.labels);
          } else {
            const gone = new Set(op.del.filter((r) => live.has(r)));
            const deleted = [...gone].map((r) => live.get(r)!);
            for (const r of gone) live.delete(r);
            p.delete(deleted, (r) => gone.has(r));
          }
        }
        const want = new Map<string, Map<string, number[]>>();
        for (const [ref, ls] of live) {
          for (let i = 0; i < ls.length; i += 2) {
            const values = want.get(ls[i]!) ?? new Map<string, number[]>();
            want.set(ls[i]!, values);
            values.set(ls[i + 1]!, [...(values.get(ls[i + 1]!) ?? []), ref]);
          }
        }
        expect([...p.names()].sort()).toEqual([...want.keys()].sort());
        for (const [name, values] of want) {
          expect([...p.values(name)!.keys()].sort()).toEqual([...values.keys()].sort());
          for (const [value, refs] of values) {
            refs.sort((x, y) => x - y);
            expect([...p.get(name, value)]).toEqual(refs);
            expect(p.values(name)!.get(value)!.length).toBe(refs.length);
          }
        }
        expect([...p.get('a', 'none')]).toEqual([]);
      }),
      // No shrinking: a failing run of hundreds of steps would shrink for minutes.
      { numRuns: 150, endOnFailure: true },
    );
  });

  it('keeps long lists typed and intersects, subtracts and merges them with plain arrays', () => {
    const p = new MemPostings();
    for (let ref = 1; ref <= 1000; ref++) p.add(ref, ['even', String(ref % 2 === 0), 'tens', String(ref % 10 === 0)]);
    const even = p.get('even', 'true');
    expect(even).toBeInstanceOf(Uint32Array);
    expect(even.length).toBe(500);
    expect(intersect(even, [3, 10, 20, 999])).toEqual([10, 20]);
    expect(intersect(even, p.get('tens', 'true'))).toEqual(Array.from({ length: 100 }, (_, i) => 10 * (i + 1)));
    expect(difference(p.get('tens', 'true'), even)).toEqual([]);
    expect([...mergeDisjoint([p.get('even', 'false'), even])]).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    p.delete([['even', 'true', 'tens', 'false']], (r) => r % 2 === 0 && r > 40);
    expect(p.get('even', 'true')).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40]);
  });
});

describe('postingsForMatchers after deletions', () => {
  it('agrees with a brute-force label check when series are removed from long lists', () => {
    fc.assert(
      fc.property(
        fc.array(labelSet, { minLength: 70, maxLength: 300, size: 'max' }),
        fc.array(matcher, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 2, max: 5 }),
        (sets, ms, mod) => {
          const p = new MemPostings();
          const byRef = new Map<number, Labels>();
          sets.forEach((ls, i) => {
            byRef.set(i + 1, ls);
            p.add(i + 1, ls);
          });
          const gone = [...byRef.keys()].filter((r) => r % mod === 0);
          p.delete(
            gone.map((r) => byRef.get(r)!),
            (r) => r % mod === 0,
          );
          for (const r of gone) byRef.delete(r);
          const all = [...byRef.keys()];
          const got = postingsForMatchers(p, ms, () => all);
          expect([...got]).toEqual(all.filter((r) => matchesAll(ms, byRef.get(r)!)));
        },
      ),
      { numRuns: 200, endOnFailure: true },
    );
  });
});
