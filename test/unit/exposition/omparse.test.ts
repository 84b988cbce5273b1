/** OpenMetrics 1.0: what upstream textparse.OpenMetricsParser accepts and how it reads it. */
import { describe, expect, it } from 'vitest';
import { createParser, EntryType, formatFromContentType } from '../../../src/exposition/index.js';
import { parseAll, parseError, seriesOf } from './helpers.js';

const om = (lines: string[]) => `${lines.join('\n')}\n# EOF\n`;

describe('OpenMetrics: metadata', () => {
  it('reads HELP, TYPE, UNIT incl. empty text and quoted names', () => {
    const body = om([
      '# HELP go_gc_duration_seconds A summary of the GC invocation durations.',
      '# TYPE go_gc_duration_seconds summary',
      '# UNIT go_gc_duration_seconds seconds',
      '# HELP nohelp1 ',
      '# HELP help2 escape \\ \\n \\\\ \\" \\x chars',
      '# UNIT nounit ',
      '# TYPE "go.gc" gaugehistogram',
      '# UNIT "go.gc_bytes" bytes',
    ]);
    expect(parseAll(body, 'openmetrics')).toEqual([
      { kind: 'help', line: 1, family: 'go_gc_duration_seconds', help: 'A summary of the GC invocation durations.' },
      { kind: 'type', line: 2, family: 'go_gc_duration_seconds', type: 'summary' },
      { kind: 'unit', line: 3, family: 'go_gc_duration_seconds', unit: 'seconds' },
      { kind: 'help', line: 4, family: 'nohelp1', help: '' },
      { kind: 'help', line: 5, family: 'help2', help: 'escape \\ \n \\ " \\x chars' },
      { kind: 'unit', line: 6, family: 'nounit', unit: '' },
      { kind: 'type', line: 7, family: 'go.gc', type: 'gaugehistogram' },
      { kind: 'unit', line: 8, family: 'go.gc_bytes', unit: 'bytes' },
    ]);
  });

  it.each([
    ['# TYPE u untyped\n# EOF\n', 'invalid metric type "untyped"'],
    ['# TYPE c counter \n# EOF\n', 'invalid metric type "counter "'],
    ['# TYPE c  counter\n# EOF\n', 'invalid metric type " counter"'],
    ['#  TYPE c counter\n# EOF\n', 'expected a valid start token, got "# " while parsing: "# "'],
    ['#\tTYPE c counter\n# EOF\n', 'expected a valid start token, got "#\\t" while parsing: "#\\t"'],
    ['# TYPE \n# EOF\n', 'expected metric name after TYPE, got "\\n" while parsing: "# TYPE \\n"'],
    ['# TYPE m\n# EOF\n', 'expected text in TYPE'],
    ['# HELP m\n# EOF\n', 'expected text in HELP'],
    ['# HELP m x', 'expected text in HELP'],
    ['# UNIT m\n# EOF\n', 'expected text in UNIT'],
    ['# UNIT metric suffix\n# EOF\n', 'unit "suffix" not a suffix of metric "metric"'],
    ['# UNIT metricsuffix suffix\n# EOF\n', 'unit "suffix" not a suffix of metric "metricsuffix"'],
    ['# UNIT m suffix\n# EOF\n', 'unit "suffix" not a suffix of metric "m"'],
    ['# comment\n# EOF\n', 'expected a valid start token, got "# " while parsing: "# "'],
    ['#\n# EOF\n', 'expected a valid start token, got "#\\n" while parsing: "#\\n"'],
  ])('rejects %j', (body, message) => {
    expect(parseError(body, 'openmetrics')).toEqual({ message, line: 1 });
  });
});

describe('OpenMetrics: series', () => {
  it('reads values, float-second timestamps and exemplars', () => {
    const body = om([
      '# TYPE foo counter',
      'foo_total 17.0 1520879607.789 # {id="counter-test"} 5',
      'foo_created 1520872607.123',
      'foo_total{a="b"} 17.0 # {id="x",yy="z"} 5 123.321',
      '# TYPE hhh histogram',
      'hhh_bucket{le="+Inf"} 1 # {} 4',
      'hhh_count 1 # {id="histogram-count-test"} 4',
      'neg 1 -1.5',
      'go_goroutines 33 123.123',
    ]);
    const s = seriesOf(body, 'openmetrics');
    expect(s.map((x) => [x.key, x.value, x.ts, x.exemplar])).toEqual([
      ['foo_total', 17, Math.trunc(1520879607.789 * 1000), { labels: ['id', 'counter-test'], value: 5 }],
      ['foo_created', 1520872607.123, undefined, undefined],
      ['foo_total{a="b"}', 17, undefined, { labels: ['id', 'x', 'yy', 'z'], value: 5, timestamp: 123321 }],
      ['hhh_bucket{le="+Inf"}', 1, undefined, { labels: [], value: 4 }],
      ['hhh_count', 1, undefined, { labels: ['id', 'histogram-count-test'], value: 4 }],
      ['neg', 1, -1500, undefined],
      ['go_goroutines', 33, 123123, undefined],
    ]);
  });

  it('reads quoted UTF-8 names with escapes', () => {
    const body = om([
      '{"go.gc_duration_seconds",quantile="0"} 4.9351e-05',
      '{q="0.9","http.status",a="b"} 8.3835e-05',
      '{"Heizölrückstoßabdämpfung 10€ metric with \\"interesting\\" {character\\nchoices}","strange©™\\n\'quoted\' \\"name\\""="6"} 10.0',
      'quotedexemplar_count 1 # {"id.thing"="histogram-count-test",other="hello"} 4',
    ]);
    const s = seriesOf(body, 'openmetrics');
    expect(s.map((x) => x.labels)).toEqual([
      ['__name__', 'go.gc_duration_seconds', 'quantile', '0'],
      ['__name__', 'http.status', 'a', 'b', 'q', '0.9'],
      ['__name__', 'Heizölrückstoßabdämpfung 10€ metric with "interesting" {character\nchoices}', 'strange©™\n\'quoted\' "name"', '6'],
      ['__name__', 'quotedexemplar_count'],
    ]);
    expect(s[3]!.exemplar).toEqual({ labels: ['id.thing', 'histogram-count-test', 'other', 'hello'], value: 4 });
  });

  it('accepts a trailing comma and exemplars on any sample, as Prometheus does', () => {
    expect(seriesOf(om(['a{b="c",} 1', 'g 1 # {x="y"} 2']), 'openmetrics').map((s) => [s.labels, s.exemplar])).toEqual([
      [['__name__', 'a', 'b', 'c'], undefined],
      [['__name__', 'g'], { labels: ['x', 'y'], value: 2 }],
    ]);
  });

  it('allows NUL bytes in series label values only', () => {
    expect(seriesOf('null_byte_metric{a="abc\0"} 1\n# EOF\n', 'openmetrics')[0]!.labels).toEqual(['__name__', 'null_byte_metric', 'a', 'abc\0']);
    expect(seriesOf('a{b="\0"} 1\n# EOF', 'openmetrics')[0]!.labels).toEqual(['__name__', 'a', 'b', '\0']);
    expect(parseError('a{b=\0"ssss"} 1\n# EOF\n', 'openmetrics').message).toBe('expected label value, got "\\x00" while parsing: "a{b=\\x00"');
    expect(parseError('a{b\0="hiih"} 1\n# EOF\n', 'openmetrics').message).toBe('expected equal, got "\\x00" while parsing: "a{b\\x00"');
    expect(parseError('c_total 1 # {b="\0ss"} 1\n# EOF\n', 'openmetrics').message).toBe(
      'expected label value, got "\\"" while parsing: "c_total 1 # {b=\\""',
    );
  });

  it('keeps _created, _count and _sum series as ordinary series', () => {
    const s = seriesOf(om(['# TYPE bar summary', 'bar_count 17.0', 'bar_sum 324789.3', 'bar{quantile="0.95"} 123.7', 'bar_created 1520872608.124']), 'openmetrics');
    expect(s.map((x) => x.labels)).toEqual([
      ['__name__', 'bar_count'],
      ['__name__', 'bar_sum'],
      ['__name__', 'bar', 'quantile', '0.95'],
      ['__name__', 'bar_created'],
    ]);
    expect(s[3]!.value).toBe(1520872608.124);
  });
});

describe('OpenMetrics: errors', () => {
  it.each([
    ['', 'data does not end with # EOF', 1],
    ['\n', 'expected a valid start token, got "\\n" while parsing: "\\n"', 1],
    ['metric', 'expected value after metric, got "" while parsing: "metric"', 1],
    ['metric 1', 'data does not end with # EOF', 1],
    ['metric 1\n', 'data does not end with # EOF', 2],
    ['metric_total 1 # {aa="bb"} 4', 'data does not end with # EOF', 1],
    [' a 1\n# EOF\n', 'expected a valid start token, got " " while parsing: " "', 1],
    ['9\n# EOF\n', 'expected a valid start token, got "9" while parsing: "9"', 1],
    ['a\t1\n# EOF\n', 'expected value after metric, got "\\t1" while parsing: "a\\t1"', 1],
    ['a 1\t2\n# EOF\n', 'strconv.ParseFloat: parsing "1\\t2": invalid syntax while parsing: "a 1\\t2"', 1],
    ['a  1\n# EOF\n', 'expected value after metric, got "  " while parsing: "a  "', 1],
    ['a 1 2 \n# EOF\n', 'expected next entry after timestamp, got " \\n" while parsing: "a 1 2 \\n"', 1],
    ['a 1 2 #\n# EOF\n', 'expected next entry after timestamp, got " #" while parsing: "a 1 2 #"', 1],
    ['a 1 1 1\n# EOF\n', 'expected next entry after timestamp, got " 1" while parsing: "a 1 1 1"', 1],
    ['a 1 1z\n# EOF\n', 'strconv.ParseFloat: parsing "1z": invalid syntax while parsing: "a 1 1z"', 1],
    ["x 1\na{b='c'} 1\n# EOF\n", 'expected label value, got "\'" while parsing: "a{b=\'"', 2],
    ['a{,b="c"} 1\n# EOF\n', 'expected label name, got "," while parsing: "a{,"', 1],
    ['a{b="c"d="e"} 1\n# EOF\n', 'expected comma or brace close, got "d" while parsing: "a{b=\\"c\\"d"', 1],
    ['a{b="c",,d="e"} 1\n# EOF\n', 'expected label name, got "," while parsing: "a{b=\\"c\\",,"', 1],
    ['a{ b="c"} 1\n# EOF\n', 'expected label name, got " " while parsing: "a{ "', 1],
    ['a{b="c\nd"} 1\n# EOF\n', 'expected label value, got "\\"" while parsing: "a{b=\\""', 1],
    ['{"a","b = "c"}\n# EOF\n', 'expected equal, got "c" while parsing: "{\\"a\\",\\"b = \\"c"', 1],
    ['{b="c",} 1\n# EOF\n', 'metric name not set while parsing: "{b=\\"c\\",}"', 1],
    ['{A} 0\n# EOF\n', 'expected equal, got "}" while parsing: "{A}"', 1],
    ['a 1 NaN\n# EOF\n', 'invalid timestamp NaN', 1],
    ['a 1 -Inf\n# EOF\n', 'invalid timestamp -Inf', 1],
    ['a 1  Inf\n# EOF\n', 'expected timestamp or exemplar, got "  " while parsing: "a 1  "', 1],
    ['foo 0x1p-3\n\n# EOF\n', 'unsupported character in float while parsing: "foo 0x1p-3"', 1],
    ['foo 0 1_2\n# EOF\n', 'unsupported character in float while parsing: "foo 0 1_2"', 1],
    ['c_total 1 # {aa=bb}\n# EOF\n', 'expected label value, got "b" while parsing: "c_total 1 # {aa=b"', 1],
    ['c_total 1 # {aa="bb"}\n# EOF\n', 'expected value after exemplar labels, got "\\n#" while parsing: "c_total 1 # {aa=\\"bb\\"}\\n#"', 1],
    ['c_total 1 # {bb}\n# EOF\n', 'expected equal, got "}" while parsing: "c_total 1 # {bb}"', 1],
    ['c_total 1 # {"q"} 1\n# EOF\n', 'expected label name, got "}" while parsing: "c_total 1 # {\\"q\\"}"', 1],
    ['c_total 1 # {aa="bb"} true\n# EOF\n', 'strconv.ParseFloat: parsing "true": invalid syntax while parsing: "c_total 1 # {aa=\\"bb\\"} true"', 1],
    ['c_total 1 # {aa="bb"} 4 NaN\n# EOF\n', 'invalid exemplar timestamp NaN', 1],
    ['c_total 1 # {aa="bb"} 4 1 2\n# EOF\n', 'expected next entry after exemplar timestamp, got " " while parsing: "c_total 1 # {aa=\\"bb\\"} 4 1 "', 1],
    ['c_total 1 # {aa="bb"} 4 1', 'expected next entry after exemplar timestamp, got "" while parsing: "c_total 1 # {aa=\\"bb\\"} 4 1"', 1],
    ['# EOF\na 1', 'unexpected data after # EOF', 1],
    ['# EOFa 1', 'unexpected data after # EOF', 1],
  ])('%j', (body, message, line) => {
    expect(parseError(body, 'openmetrics')).toEqual({ message, line });
  });

  it('accepts exactly "# EOF" with or without one newline', () => {
    expect(parseAll('# EOF', 'openmetrics')).toEqual([]);
    expect(parseAll('# EOF\n', 'openmetrics')).toEqual([]);
    const p = createParser(Buffer.from('# EOF\n'), 'openmetrics');
    expect(p.next()).toBe(EntryType.EOF);
    expect(p.next()).toBe(EntryType.EOF);
  });
});

describe('formatFromContentType', () => {
  it.each([
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    [' Application/OpenMetrics-Text ;version=0.0.1', 'openmetrics'],
    ['text/plain; version=0.0.4; charset=utf-8', 'text'],
    ['application/json', 'text'],
    ['', 'text'],
    [undefined, 'text'],
  ])('%j → %s', (ct, format) => {
    expect(formatFromContentType(ct)).toBe(format);
  });
});
