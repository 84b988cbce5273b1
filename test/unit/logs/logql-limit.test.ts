/**
 * Log queries take the first `limit` matching entries over all streams in `direction` order (ties
 * in time across streams ordered by labels): checked against a brute-force reference over random
 * streams with timestamps tied across streams (within a stream, tied entries keep the store's order,
 * which a reference cannot know, so the generator leaves those out), and the streams are read only
 * as far as needed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateLogQuery, parseLogQL, QueryStats, type LogSelector } from '../../../src/logs/logql/index.js';
import { MemoryLogs } from './logql-memory-reader.js';

const T0 = 1_700_000_000_000;

interface Gen {
  streams: { app: string; entries: { ms: number; nanos: number; line: string }[] }[];
  limit: number;
  forward: boolean;
}

/** The reference: every matching entry, sorted by time (then stream label), cut at `limit`. */
function reference(g: Gen): string[] {
  const all = g.streams.flatMap((s) => s.entries.filter((e) => e.line.includes('x')).map((e) => ({ ...e, app: s.app })));
  const sign = g.forward ? 1 : -1;
  all.sort((a, b) => sign * (a.ms - b.ms || a.nanos - b.nanos) || (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
  return all.slice(0, g.limit).map((e) => `${e.app} ${e.ms} ${e.nanos} ${e.line}`).sort();
}

function run(g: Gen, stats = new QueryStats()): string[] {
  const logs = new MemoryLogs();
  for (const s of g.streams) logs.add({ app: s.app }, s.entries);
  const sel = parseLogQL('{app=~".+"} |= "x"') as LogSelector;
  const res = evaluateLogQuery(logs, sel, { start: { ms: T0, nanos: 0 }, end: { ms: T0 + 100, nanos: 0 }, limit: g.limit, direction: g.forward ? 'forward' : 'backward' }, stats);
  return res.flatMap((s) => s.lines.map((line, i) => `${s.labels[1]} ${s.ms[i]} ${s.nanos[i]} ${line}`)).sort();
}

describe('log query limit over several streams', () => {
  it('returns what sorting every matching entry and cutting at the limit returns', () => {
    const entry = fc.record({ ms: fc.integer({ min: T0, max: T0 + 20 }), nanos: fc.constantFrom(0, 5), line: fc.constantFrom('x', 'y', 'xx', 'ax') });
    const gen = fc.record({
      streams: fc.uniqueArray(fc.record({ app: fc.constantFrom('a', 'b', 'c', 'd'), entries: fc.uniqueArray(entry, { selector: (e) => `${e.ms}:${e.nanos}`, maxLength: 15 }) }), { selector: (s) => s.app, maxLength: 4 }),
      limit: fc.integer({ min: 1, max: 12 }),
      forward: fc.boolean(),
    });
    fc.assert(
      fc.property(gen, (g) => {
        expect(run(g)).toEqual(reference(g));
      }),
    );
  });

  it('stops reading once it has the limit, instead of taking the limit from every stream', () => {
    const streams = ['a', 'b', 'c', 'd'].map((app, k) => ({ app, entries: Array.from({ length: 50 }, (_, i) => ({ ms: T0 + i, nanos: k, line: 'x' })) }));
    const stats = new QueryStats();
    const got = run({ streams, limit: 10, forward: false }, stats);
    // Newest first: the four entries of ms 49, the four of ms 48, then ms 47's two newest (nanos 3, 2).
    const want = ['a 49 0', 'b 49 1', 'c 49 2', 'd 49 3', 'a 48 0', 'b 48 1', 'c 48 2', 'd 48 3', 'd 47 3', 'c 47 2'];
    expect(got).toEqual(want.map((w) => w.replace(/ (\d+) /, (_, ms: string) => ` ${T0 + Number(ms)} `) + ' x').sort());
    expect(stats.linesProcessed).toBe(10);
  });
});
