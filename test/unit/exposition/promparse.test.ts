/** Prometheus text format 0.0.4: what upstream textparse.PromParser accepts and how it reads it. */
import { describe, expect, it } from 'vitest';
import { createParser, EntryType } from '../../../src/exposition/index.js';
import { parseAll, parseError, seriesOf } from './helpers.js';

describe('text format: metadata and comments', () => {
  it('reads HELP/TYPE with any blanks after # and the keyword; other # lines are comments', () => {
    const body = [
      '# HELP go_gc_duration_seconds A summary of the GC invocation durations.',
      '# \tTYPE go_gc_duration_seconds summary',
      '# Hrandom comment starting with prefix of HELP',
      '#',
      '#HELP not_help x',
      '# comment with escaped \\n newline',
      '# HELP nohelp1',
      '# HELP nohelp2 ',
      '#  HELP   x  two spaces',
      '# HELP a.b text',
      '# HELP esc a\\\\b\\nc\\"d\\t',
      '# TYPE u untyped',
      '# HELP "go.gc_duration" quoted',
      '# TYPE "go.gc_duration" gauge',
    ].join('\n');
    expect(parseAll(body, 'text')).toEqual([
      { kind: 'help', line: 1, family: 'go_gc_duration_seconds', help: 'A summary of the GC invocation durations.' },
      { kind: 'type', line: 2, family: 'go_gc_duration_seconds', type: 'summary' },
      { kind: 'comment', line: 3 },
      { kind: 'comment', line: 4 },
      { kind: 'comment', line: 5 },
      { kind: 'comment', line: 6 },
      { kind: 'help', line: 7, family: 'nohelp1', help: '' },
      { kind: 'help', line: 8, family: 'nohelp2', help: '' },
      { kind: 'help', line: 9, family: 'x', help: ' two spaces' },
      { kind: 'help', line: 10, family: 'a', help: 'b text' },
      { kind: 'help', line: 11, family: 'esc', help: 'a\\b\nc\\"d\\t' },
      { kind: 'type', line: 12, family: 'u', type: 'unknown' },
      { kind: 'help', line: 13, family: 'go.gc_duration', help: 'quoted' },
      { kind: 'type', line: 14, family: 'go.gc_duration', type: 'gauge' },
    ]);
  });

  it.each([
    ['# TYPE a counter \n', 'invalid metric type "counter "'],
    ['# TYPE a  counter\n', 'invalid metric type " counter"'],
    ['# TYPE a gaugehistogram\n', 'invalid metric type "gaugehistogram"'],
    ['# TYPE a\n', 'invalid metric type ""'],
    ['# TYPE 0a counter\n', 'expected metric name after TYPE, got "0" while parsing: "# TYPE 0"'],
    ['# HELP \n', 'expected metric name after HELP, got "\\n" while parsing: "# HELP \\n"'],
  ])('rejects %j', (body, message) => {
    expect(parseError(body, 'text')).toEqual({ message, line: 1 });
  });

  it('rejects HELP text that is not UTF-8', () => {
    const body = Buffer.concat([Buffer.from('# HELP a x'), Buffer.from([0xff]), Buffer.from('\n')]);
    expect(parseError(body, 'text')).toEqual({ message: 'help text "x\\xff" is not a valid utf8 string', line: 1 });
  });
});

describe('text format: series', () => {
  it('tolerates blanks between tokens, optional and trailing commas', () => {
    const body = [
      '# TYPE go_gc_duration_seconds summary',
      'go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05',
      'go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05',
      'go_gc_duration_seconds { quantile = "1.0", a = "b" } 8.3835e-05',
      'go_gc_duration_seconds { quantile = "2.0" a = "b" } 8.3835e-05',
      'some:aggregate:rate5m{a_b="c"}\t1',
      'go_goroutines 33  \t123123',
      '  leading 1  ',
      'no_labels{} 2',
    ].join('\n');
    expect(seriesOf(body, 'text')).toEqual([
      { kind: 'series', line: 2, key: 'go_gc_duration_seconds{quantile="0.25",}', labels: ['__name__', 'go_gc_duration_seconds', 'quantile', '0.25'], value: 7.424100000000001e-5 },
      { kind: 'series', line: 3, key: 'go_gc_duration_seconds{ quantile="0.9", a="b"}', labels: ['__name__', 'go_gc_duration_seconds', 'a', 'b', 'quantile', '0.9'], value: 8.3835e-5 },
      { kind: 'series', line: 4, key: 'go_gc_duration_seconds { quantile = "1.0", a = "b" }', labels: ['__name__', 'go_gc_duration_seconds', 'a', 'b', 'quantile', '1.0'], value: 8.3835e-5 },
      { kind: 'series', line: 5, key: 'go_gc_duration_seconds { quantile = "2.0" a = "b" }', labels: ['__name__', 'go_gc_duration_seconds', 'a', 'b', 'quantile', '2.0'], value: 8.3835e-5 },
      { kind: 'series', line: 6, key: 'some:aggregate:rate5m{a_b="c"}', labels: ['__name__', 'some:aggregate:rate5m', 'a_b', 'c'], value: 1 },
      { kind: 'series', line: 7, key: 'go_goroutines', labels: ['__name__', 'go_goroutines'], value: 33, ts: 123123 },
      { kind: 'series', line: 8, key: '  leading', labels: ['__name__', '  leading'], value: 1 },
      { kind: 'series', line: 9, key: 'no_labels{}', labels: ['__name__', 'no_labels'], value: 2 },
    ]);
  });

  it('reads what Prometheus 2.42 stored when scraping this body (cross-checked)', () => {
    const body = [
      '# HELP a.b text',
      'glued.5',
      'go_gc { quantile = "2.0" a = "b" } 8.3835e-05',
      'multi{b="x',
      'y"} 3',
      'nul_label{a="x\0y"} 4',
      'empty{b="",c="d"} 5',
      'infy Infinity',
      'nanny nan',
      'trailing{a="1",} 6',
      '\t',
    ].join('\n');
    const entries = parseAll(body, 'text');
    expect(entries[0]).toEqual({ kind: 'help', line: 1, family: 'a', help: 'b text' });
    expect(entries.slice(1).map((e) => (e.kind === 'series' ? [e.labels, e.value, e.line] : e.kind))).toEqual([
      [['__name__', 'glued'], 0.5, 2],
      [['__name__', 'go_gc', 'a', 'b', 'quantile', '2.0'], 8.3835e-5, 3],
      [['__name__', 'multi', 'b', 'x\ny'], 3, 4],
      [['__name__', 'nul_label', 'a', 'x\0y'], 4, 6],
      [['__name__', 'empty', 'c', 'd'], 5, 7],
      [['__name__', 'infy'], Infinity, 8],
      [['__name__', 'nanny'], NaN, 9],
      [['__name__', 'trailing', 'a', '1'], 6, 10],
    ]);
  });

  it('keeps leading blanks in the key, and in the name when it is bare, as upstream', () => {
    expect(seriesOf('\t{"x.y"} 1\n  bare{a="b"} 2', 'text').map((s) => [s.key, s.labels])).toEqual([
      ['\t{"x.y"}', ['__name__', 'x.y']],
      ['  bare{a="b"}', ['__name__', '  bare', 'a', 'b']],
    ]);
  });

  it('skips blank and whitespace-only lines and counts them', () => {
    expect(seriesOf('\n  \t\na 1\n\n\nb 2', 'text').map((s) => [s.key, s.line])).toEqual([
      ['a', 3],
      ['b', 6],
    ]);
  });

  it('reads quoted UTF-8 metric and label names', () => {
    const body = [
      '# TYPE "go.gc_duration_seconds" summary',
      '{"go.gc_duration_seconds",quantile="0"} 4.9351e-05',
      '{q="0.9","http.status",a="b"} 8.3835e-05',
      'metric{"label.with.dots"="v", "quo\\"te"="w"} 1',
      '{"a\\\\b"} 2',
    ].join('\n');
    expect(seriesOf(body, 'text').map((s) => [s.key, s.labels])).toEqual([
      ['{"go.gc_duration_seconds",quantile="0"}', ['__name__', 'go.gc_duration_seconds', 'quantile', '0.0']],
      ['{q="0.9","http.status",a="b"}', ['__name__', 'http.status', 'a', 'b', 'q', '0.9']],
      ['metric{"label.with.dots"="v", "quo\\"te"="w"}', ['__name__', 'metric', 'label.with.dots', 'v', 'quo"te', 'w']],
      ['{"a\\\\b"}', ['__name__', 'a\\b']],
    ]);
  });

  it('normalises le for histograms and quantile for summaries, by the last TYPE line', () => {
    const body = [
      '# TYPE h histogram',
      'h_bucket{le="1"} 1',
      'h_bucket{le="0x1p-3"} 2',
      'h_bucket{le="1e6"} 3',
      'h_bucket{le="+inf"} 4',
      'h_bucket{le="1_0"} 5',
      'h_bucket{le="abc"} 6',
      'h_bucket{le="1e400"} 7',
      '# TYPE c counter',
      'c{le="1",quantile="1"} 1',
      '# TYPE s summary',
      's{quantile="1"} 1',
      'other{quantile="0"} 1',
    ].join('\n');
    expect(seriesOf(body, 'text').map((s) => s.labels.slice(2).join('='))).toEqual([
      'le=1.0',
      'le=0.125',
      'le=1e+06',
      'le=+Inf',
      'le=10.0',
      'le=abc',
      'le=1e400',
      'le=1=quantile=1',
      'quantile=1.0',
      'quantile=0.0',
    ]);
  });

  it('accepts the float forms Go accepts', () => {
    const values = ['1', '-1', '+1', '.5', '1.', '1e3', '1E-3', '+Inf', '-inf', 'Infinity', 'NaN', 'nan', '0000001.2e-1', '9223372036854775808', '1e-400', '-0'];
    const s = seriesOf(values.map((v, i) => `m${i} ${v}`).join('\n'), 'text');
    expect(s.map((x) => x.value)).toEqual([1, -1, 1, 0.5, 1, 1000, 0.001, Infinity, -Infinity, Infinity, NaN, NaN, 0.12, 9223372036854775808, 0, -0]);
  });

  it.each(['0x10', '0x1p0', '1_000', '+nan', '-NaN', 'infinit', 'inf1', '1e400', '-1e309', '1e', 'e3', '.', '+', '1.2.3', '0b1', '1,5', 'true', '1\r'])(
    'rejects the value %j',
    (v) => {
      expect(parseError(`m ${v}\n`, 'text').message).toMatch(/^(strconv\.ParseFloat: parsing|unsupported character in float)/);
    },
  );

  it('reads integer millisecond timestamps, leading zeros allowed, up to int64', () => {
    const s = seriesOf('a 1 0123\nb 1 1700000000123\nc 1 9223372036854775807', 'text');
    expect(s.map((x) => x.ts)).toEqual([123, 1700000000123, 9223372036854775807]);
    expect(parseError('a 1 9223372036854775808\n', 'text').message).toBe(
      'strconv.ParseInt: parsing "9223372036854775808": value out of range while parsing: "a 1 9223372036854775808"',
    );
  });

  it('drops labels with empty values but keeps them in the key', () => {
    expect(seriesOf('a{b="",c="d"} 1', 'text')[0]).toMatchObject({ key: 'a{b="",c="d"}', labels: ['__name__', 'a', 'c', 'd'] });
  });

  it('allows raw newlines and NUL bytes in label values and counts the lines', () => {
    const s = seriesOf('a{b="x\ny"} 1\nc{d="p\0q"} 2', 'text');
    expect(s.map((x) => [x.labels, x.line])).toEqual([
      [['__name__', 'a', 'b', 'x\ny'], 1],
      [['__name__', 'c', 'd', 'p\0q'], 3],
    ]);
  });

  it('ends the input at a NUL byte where a line starts, as the upstream lexer', () => {
    expect(seriesOf('a 1\n\0garbage{\nb 2\n', 'text').map((s) => s.key)).toEqual(['a']);
  });

  it('reads a value glued to a name as the upstream lexer does', () => {
    expect(seriesOf('a.5 1', 'text')).toEqual([{ kind: 'series', line: 1, key: 'a', labels: ['__name__', 'a'], value: 0.5, ts: 1 }]);
    expect(seriesOf('a{b="c"}1', 'text')[0]!.value).toBe(1);
  });

  it('never reports an exemplar', () => {
    const p = createParser(Buffer.from('a 1 # {x="y"} 1\n'), 'text');
    expect(() => p.next()).toThrow('expected timestamp or new record');
    const q = createParser(Buffer.from('a 1\n'), 'text');
    expect(q.next()).toBe(EntryType.Series);
    expect(q.exemplar()).toBeNull();
    expect(q.next()).toBe(EntryType.EOF);
    expect(q.next()).toBe(EntryType.EOF);
  });
});

describe('text format: errors', () => {
  it.each([
    ['9 1', 'expected a valid start token, got "9" while parsing: "9"', 1],
    ['ok 1\n\na', 'expected value after metric, got "" while parsing: "a"', 3],
    ['a\n', 'expected value after metric, got "\\n" while parsing: "a\\n"', 1],
    ['a{b="c"} 1 2 3', 'expected next entry after timestamp, got "3" while parsing: "a{b=\\"c\\"} 1 2 3"', 1],
    ['a 1 -5', 'expected timestamp or new record, got "-" while parsing: "a 1 -"', 1],
    ['a 1 5x', 'expected next entry after timestamp, got "x" while parsing: "a 1 5x"', 1],
    ['{b="c"} 1', 'metric name not set while parsing: "{b=\\"c\\"}"', 1],
    ['a{"b"} 1', 'metric name already set while parsing: "a{\\"b\\"}"', 1],
    ['{"a","b"} 1', 'metric name already set while parsing: "{\\"a\\",\\"b\\"}"', 1],
    ['a{b=c} 1', 'expected label value, got "c" while parsing: "a{b=c"', 1],
    ['a{b} 1', 'expected equal, got "}" while parsing: "a{b}"', 1],
    ['a{=""} 1', 'expected label name, got "=" while parsing: "a{="', 1],
    ['a{,b="c"} 1', 'expected label name, got "," while parsing: "a{,"', 1],
    ['a{b="c} 1\n', 'expected label value, got "\\"" while parsing: "a{b=\\""', 1],
    ['a{b="c"}{ 1', 'expected value after metric, got "{" while parsing: "a{b=\\"c\\"}{"', 1],
    ['a{b="\\\nc"} 1', 'expected label value, got "\\"" while parsing: "a{b=\\""', 1],
  ])('%j', (body, message, line) => {
    expect(parseError(body, 'text')).toEqual({ message, line });
  });

  it('rejects duplicate label names and invalid UTF-8 when the label set is built', () => {
    const p = createParser(Buffer.from('a{b="1",b="2"} 1\n'), 'text');
    expect(p.next()).toBe(EntryType.Series);
    expect(() => p.labels()).toThrow('duplicate label name "b" in series "a{b=\\"1\\",b=\\"2\\"}"');
    expect(parseError('a{__name__="b"} 1', 'text').message).toBe('duplicate label name "__name__" in series "a{__name__=\\"b\\"}"');
    const bad = Buffer.concat([Buffer.from('a{b="'), Buffer.from([0xff]), Buffer.from('"} 1\n')]);
    expect(parseError(bad, 'text')).toEqual({ message: 'invalid UTF-8 label value: "\\"\\xff\\""', line: 1 });
  });

  it('keeps failing after an error', () => {
    const p = createParser(Buffer.from('a 1\nb x\nc 2\n'), 'text');
    expect(p.next()).toBe(EntryType.Series);
    expect(() => p.next()).toThrow('strconv.ParseFloat: parsing "x"');
    expect(() => p.next()).toThrow('strconv.ParseFloat: parsing "x"');
  });
});
