/** Cases 06, 07 and 08 of /work/shared/cases/README.md. */
import { describe, expect, it } from 'vitest';
import { ExpositionParseError } from '../../../src/exposition/index.js';
import { parseError, seriesOf } from './helpers.js';

describe('case 06: escapes inside label values (text format)', () => {
  const body = [
    '# TYPE metric_foo_bar gauge',
    'metric_foo_bar{name="\\"bar\\""} 1',
    'metric_foo_bar{name="a\\\\b"} 2',
    'metric_foo_bar{name="line1\\nline2"} 3',
    '',
  ].join('\n');
  it('decodes \\", \\\\ and \\n into the stored values', () => {
    const s = seriesOf(body, 'text');
    expect(s.map((x) => [x.labels, x.value])).toEqual([
      [['__name__', 'metric_foo_bar', 'name', '"bar"'], 1],
      [['__name__', 'metric_foo_bar', 'name', 'a\\b'], 2],
      [['__name__', 'metric_foo_bar', 'name', 'line1\nline2'], 3],
    ]);
  });
  it('keeps the raw text as series key', () => {
    expect(seriesOf(body, 'text').map((x) => x.key)).toEqual([
      'metric_foo_bar{name="\\"bar\\""}',
      'metric_foo_bar{name="a\\\\b"}',
      'metric_foo_bar{name="line1\\nline2"}',
    ]);
  });
  it('decodes the same escapes in OpenMetrics', () => {
    const s = seriesOf(`${body}# EOF\n`, 'openmetrics');
    expect(s.map((x) => x.labels[3])).toEqual(['"bar"', 'a\\b', 'line1\nline2']);
  });
});

describe('case 07: hexadecimal sample values are rejected', () => {
  it.each([
    ['testmetric 0x1p0\n', 'unsupported character in float while parsing: "testmetric 0x1p0"'],
    ['testmetric_hex 0x10\n', 'strconv.ParseFloat: parsing "0x10": invalid syntax while parsing: "testmetric_hex 0x10"'],
    ['ok 1\ntestmetric_hex 0X1A\n', 'strconv.ParseFloat: parsing "0X1A": invalid syntax while parsing: "testmetric_hex 0X1A"'],
  ])('%j', (body, message) => {
    const err = parseError(body, 'text');
    expect(err.message).toBe(message);
    expect(err.line).toBe(body.startsWith('ok') ? 2 : 1);
  });
  it('also in OpenMetrics', () => {
    expect(parseError('testmetric 0x10\n# EOF\n', 'openmetrics').message).toBe(
      'strconv.ParseFloat: parsing "0x10": invalid syntax while parsing: "testmetric 0x10"',
    );
  });
  it('throws ExpositionParseError', () => {
    expect(() => seriesOf('testmetric 0x1p0', 'text')).toThrow(ExpositionParseError);
  });
});

describe('case 08: OpenMetrics needs # EOF', () => {
  const body = '# TYPE om_gauge gauge\nom_gauge 1\n';
  it('fails without # EOF', () => {
    expect(parseError(body, 'openmetrics')).toEqual({ message: 'data does not end with # EOF', line: 3 });
  });
  it('succeeds with # EOF', () => {
    expect(seriesOf(`${body}# EOF\n`, 'openmetrics')).toEqual([
      { kind: 'series', line: 2, key: 'om_gauge', labels: ['__name__', 'om_gauge'], value: 1 },
    ]);
    expect(seriesOf(`${body}# EOF`, 'openmetrics').length).toBe(1);
  });
  it('rejects anything after # EOF', () => {
    expect(parseError(`${body}# EOF\n\n`, 'openmetrics').message).toBe('unexpected data after # EOF');
    expect(parseError(`${body}# EOF\nom_gauge 2\n`, 'openmetrics').message).toBe('unexpected data after # EOF');
    expect(parseError(`${body}# EOF `, 'openmetrics').message).toBe('unexpected data after # EOF');
  });
});
