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
        expect(mergeDisjoint([a, onlyB])).toEqual([...a, ...onlyB].sort((x, y) => x - y));
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
