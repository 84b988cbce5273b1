/**
 * Series key hints (`expectSeriesKey`): the text parser may skip scanning a label set whose bytes
 * equal the hinted key, but every result — keys, labels, values, line numbers, errors — must be
 * what the parse without hints gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createParser, EntryType, type ExpositionParser } from '../../../src/exposition/index.js';
import { parseAll, type Parsed } from './helpers.js';

/**
 * Gives parser `p` the bytes of key `key` (or no hint) as a hint, from the middle of a larger
 * buffer as the scrape cache's arena holds them.
 */
function hint(p: ExpositionParser, key: string | undefined): void {
  if (key === undefined) return p.expectSeriesKey(null, 0, 0);
  const b = Buffer.from(`}}${key}{{`, 'latin1');
  p.expectSeriesKey(b, 2, b.length - 2);
}

/**
 * Parses `body` as text giving, before each entry, the hint `hints[i]` for the i-th series line
 * (as the scrape loop does with the previous scrape's keys); records whether each line matched its
 * hint.
 */
function parseHinted(body: string, hints: readonly (string | undefined)[]): { entries: Parsed[]; hits: boolean[] } {
  const p: ExpositionParser = createParser(Buffer.from(body, 'utf8'), 'text');
  const entries: Parsed[] = [];
  const hits: boolean[] = [];
  let pos = 0;
  for (;;) {
    hint(p, hints[pos]);
    const e = p.next();
    const line = p.line();
    if (e === EntryType.EOF) return { entries, hits };
    if (e === EntryType.Series) {
      const key = p.seriesKey();
      expect(Buffer.from(body, 'utf8').toString('latin1', p.seriesKeyStart(), p.seriesKeyEnd())).toBe(key);
      hits.push(p.seriesKeyMatched());
      if (p.seriesKeyMatched()) expect(key).toBe(hints[pos]);
      const s: Parsed = { kind: 'series', line, key, labels: p.labels(), value: p.value() };
      const ts = p.timestamp();
      if (ts !== undefined) s.ts = ts;
      entries.push(s);
      pos++;
    } else if (e === EntryType.Help) entries.push({ kind: 'help', line, family: p.family(), help: p.help() });
    else if (e === EntryType.Type) entries.push({ kind: 'type', line, family: p.family(), type: p.type() });
    else entries.push({ kind: 'comment', line });
  }
}

/** Keys of the series lines of `body` parsed without hints. */
function keysOf(body: string): string[] {
  return parseAll(body, 'text')
    .filter((e): e is Extract<Parsed, { kind: 'series' }> => e.kind === 'series')
    .map((e) => e.key);
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('text parser: series key hints', () => {
  it('matches a line with the hinted key bytes, with keys, labels and line numbers as without hints', () => {
    const body = '# TYPE a counter\na{x="1",y="2"} 3\nb 4 1000\n  c{z="q"}   5\n';
    const keys = keysOf(body);
    expect(keys).toEqual(['a{x="1",y="2"}', 'b', '  c{z="q"}']);
    const got = parseHinted(body, keys);
    expect(got.entries).toEqual(parseAll(body, 'text'));
    expect(got.hits).toEqual([true, true, true]);
  });

  it('does not take a bare-name hint for a longer name or for the name of a labelled series', () => {
    const body = 'foo_bar 1\nfoo {a="b"} 2\nfoo\t{a="c"} 3\nfoo 4\n';
    const got = parseHinted(body, ['foo', 'foo', 'foo', 'foo']);
    expect(got.entries).toEqual(parseAll(body, 'text'));
    expect(got.entries.filter((e) => e.kind === 'series').map((e) => (e as { key: string }).key)).toEqual([
      'foo_bar',
      'foo {a="b"}',
      'foo\t{a="c"}',
      'foo',
    ]);
    expect(got.hits).toEqual([false, false, false, true]);
  });

  it('ignores a hint that differs, is longer than the body, or is the key of another line', () => {
    const body = 'a{x="1"} 1\na{x="2"} 2\n';
    const got = parseHinted(body, ['a{x="2"}', 'a{x="2"} 2\nzzzzzzzzzzzzzzzz']);
    expect(got.entries).toEqual(parseAll(body, 'text'));
    expect(got.hits).toEqual([false, false]);
  });

  it('counts raw newlines inside a matched key into the line numbers, once', () => {
    const body = 'a{x="multi\nline"} 1\nb 2\nc{y="v"} x\n';
    const hints = ['a{x="multi\nline"}', 'b', 'c{y="v"}'];
    const plain = errorOf(() => parseAll(body, 'text'));
    expect(plain).toContain('strconv.ParseFloat');
    const p = createParser(Buffer.from(body), 'text');
    hint(p, hints[0]);
    expect(p.next()).toBe(EntryType.Series);
    expect(p.seriesKeyMatched()).toBe(true);
    expect(p.seriesKey()).toBe(hints[0]);
    expect(p.labels()).toEqual(['__name__', 'a', 'x', 'multi\nline']);
    hint(p, hints[1]);
    expect(p.next()).toBe(EntryType.Series);
    expect(p.line()).toBe(3);
    hint(p, hints[2]);
    let err: { message: string; line: number } | null = null;
    try {
      p.next();
    } catch (e) {
      err = e as { message: string; line: number };
    }
    expect(err?.message).toBe(plain);
    expect(err?.line).toBe(4);
  });

  it('compares every byte of keys of any length, and counts any number of newlines in any position', () => {
    // Keys are compared four bytes at a time: a differing byte in each position of a word or of
    // the tail must miss, and newlines anywhere (several in one word too) must be counted.
    for (let len = 0; len <= 13; len++) {
      for (const fill of ['q', '\n', 'q\nq\n\n']) {
        const value = fill.repeat(len + 1).slice(0, len);
        const key = `a{x="${value}"}`;
        const body = `${key} 1\nb 2\n`;
        const plain = parseAll(body, 'text');
        const same = parseHinted(body, [key, 'b']);
        expect(same.entries).toEqual(plain);
        expect(same.hits).toEqual([true, true]);
        for (let at = 0; at < key.length; at++) {
          const other = key.slice(0, at) + (key[at] === 'r' ? 's' : 'r') + key.slice(at + 1);
          const missed = parseHinted(body, [other, 'b']);
          expect(missed.entries).toEqual(plain);
          expect(missed.hits[0]).toBe(false);
        }
      }
    }
  });

  it('keeps the value and timestamp errors of a matched line', () => {
    for (const line of ['a{x="1"}', 'a{x="1"} 1 2 3', 'a{x="1"} 0x1', 'b', 'b 1 -5']) {
      const body = `${line}\n`;
      const hint = line.startsWith('a') ? 'a{x="1"}' : 'b';
      expect(errorOf(() => parseHinted(body, [hint]))).toBe(errorOf(() => parseAll(body, 'text')));
    }
  });

  it('gives what the parse without hints gives, for hints from a previous body (property)', () => {
    const name = fc.constantFrom('a', 'ab', 'a_b', 'x:y');
    const label = fc.tuple(fc.constantFrom('l', 'le', 'm'), fc.constantFrom('1', 'v', 'w x', 'q\\"r', 'n\nl', '}', ''));
    const series = fc.tuple(
      fc.constantFrom('', ' ', '\t'),
      name,
      fc.constantFrom('', ' '),
      fc.option(fc.array(label, { maxLength: 3 }), { nil: undefined }),
      fc.constantFrom('1', '2.5', 'NaN', '+Inf', ' 7', '1 1000'),
    );
    const line = series.map(([lead, n, gap, labels, rest]) => {
      if (labels === undefined) return `${lead}${n} ${rest}`;
      return `${lead}${n}${gap}{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}} ${rest}`;
    });
    const body = fc.array(fc.oneof(line, fc.constant('# TYPE a histogram'), fc.constant('')), { maxLength: 8 }).map((ls) => ls.join('\n') + '\n');
    fc.assert(
      fc.property(body, body, (prev, cur) => {
        let hints: string[];
        try {
          hints = keysOf(prev);
        } catch {
          return;
        }
        const plain = errorOf(() => parseAll(cur, 'text'));
        const hinted = errorOf(() => parseHinted(cur, hints));
        expect(hinted).toBe(plain);
        if (plain !== 'no error') return;
        expect(parseHinted(cur, hints).entries).toEqual(parseAll(cur, 'text'));
        // Hints from the same body: every series line takes its hint.
        const same = parseHinted(cur, keysOf(cur));
        expect(same.entries).toEqual(parseAll(cur, 'text'));
        expect(same.hits.every((h) => h)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('is ignored by the OpenMetrics parser', () => {
    const body = 'a{x="1"} 1\n# EOF\n';
    const p = createParser(Buffer.from(body), 'openmetrics');
    hint(p, 'a{x="1"}');
    expect(p.next()).toBe(EntryType.Series);
    expect(p.seriesKeyMatched()).toBe(false);
    expect(p.seriesKey()).toBe('a{x="1"}');
    expect(p.labels()).toEqual(['__name__', 'a', 'x', '1']);
  });
});
