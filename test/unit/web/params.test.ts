/**
 * Parameter syntaxes of the HTTP API as Prometheus's Go code reads them (times, durations, limits,
 * multipart forms), and Go's JSON syntax errors for Alertmanager bodies (texts taken from
 * Alertmanager 0.25's answers).
 */
import { describe, expect, it } from 'vitest';
import { decodeFirstJSON } from '../../../src/web/gojson.js';
import { multipartBoundary, parseMultipart } from '../../../src/web/multipart.js';
import { MAX_TIME, MIN_TIME, parseDurationNs, parseLimit, parseRFC3339, parseTime } from '../../../src/web/params.js';

describe('times', () => {
  it('reads RFC 3339 strictly, as time.Parse(time.RFC3339Nano)', () => {
    expect(parseRFC3339('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000);
    expect(parseRFC3339('2023-11-14T23:13:20.123456789+01:00')).toBe(1_700_000_000_123);
    expect(parseRFC3339('2023-11-14T22:13:20,5Z')).toBe(1_700_000_000_500);
    expect(parseRFC3339('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseRFC3339('0001-01-01T00:00:00Z')).toBe(-62_135_596_800_000);
    for (const bad of [
      '2023-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2023-01-01T00:00:00',
      '2023-01-01t00:00:00Z',
      '2023-01-01 00:00:00Z',
      '2023-01-01T24:00:00Z',
      '2023-01-01T00:60:00Z',
      '2023-01-01T00:00:60Z',
      '2023-13-01T00:00:00Z',
      '23-01-01T00:00:00Z',
      '2023-01-01T00:00:00+0100',
    ]) {
      expect([bad, parseRFC3339(bad)]).toEqual([bad, null]);
    }
  });
  it('reads float seconds as Go ParseFloat, rounded to the millisecond', () => {
    expect(parseTime('1700000000.1234')).toBe(1_700_000_000_123);
    expect(parseTime('1e3')).toBe(1_000_000);
    expect(parseTime('0x1p4')).toBe(16_000);
    expect(parseTime('-1.5')).toBe(-1500);
    expect(parseTime('-0.0005')).toBe(-1);
  });
  it("accepts upstream's printed MinTime and MaxTime and rejects the rest", () => {
    expect(parseTime('-292273086-05-16T16:47:06Z')).toBe(MIN_TIME);
    expect(parseTime('292277025-08-18T07:12:54.999999999Z')).toBe(MAX_TIME);
    expect(() => parseTime('2023-02-30T00:00:00Z')).toThrow('cannot parse "2023-02-30T00:00:00Z" to a valid timestamp');
    expect(() => parseTime('Inf')).toThrow('cannot parse "Inf" to a valid timestamp');
  });
});

describe('durations and limits', () => {
  it('reads float seconds and Prometheus durations in nanoseconds, as upstream parseDuration', () => {
    expect(parseDurationNs('0.0001')).toBe(100_000);
    expect(parseDurationNs('15')).toBe(15e9);
    expect(parseDurationNs('1h30m')).toBe(5_400e9);
    expect(parseDurationNs('-1')).toBe(-1e9);
    expect(() => parseDurationNs('1e300')).toThrow('cannot parse "1e300" to a valid duration. It overflows int64');
    expect(() => parseDurationNs('9300000000')).toThrow('cannot parse "9300000000" to a valid duration. It overflows int64');
    expect(() => parseDurationNs('abc')).toThrow('cannot parse "abc" to a valid duration');
    expect(() => parseDurationNs('')).toThrow('cannot parse "" to a valid duration');
  });
  it('reads limits as strconv.Atoi', () => {
    expect(parseLimit(null)).toBe(0);
    expect(parseLimit('')).toBe(0);
    expect(parseLimit('+7')).toBe(7);
    expect(() => parseLimit('abc')).toThrow('strconv.Atoi: parsing "abc": invalid syntax');
    expect(() => parseLimit('1.5')).toThrow('strconv.Atoi: parsing "1.5": invalid syntax');
    expect(() => parseLimit('99999999999999999999')).toThrow('strconv.Atoi: parsing "99999999999999999999": value out of range');
    expect(() => parseLimit('-1')).toThrow('limit must be non-negative');
  });
});

describe('multipart forms', () => {
  it('reads the values of non-file parts', () => {
    const ct = 'multipart/form-data; boundary=----x1';
    const body = Buffer.from(
      [
        '------x1',
        'Content-Disposition: form-data; name="query"',
        '',
        'sum(up)',
        '------x1',
        'Content-Disposition: form-data; name="file"; filename="a.txt"',
        'Content-Type: text/plain',
        '',
        'ignored',
        '------x1',
        'Content-Disposition: form-data; name="time"',
        '',
        '1.5',
        '------x1--',
        '',
      ].join('\r\n'),
    );
    expect(multipartBoundary(ct)).toBe('----x1');
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b');
    expect([...parseMultipart(body, '----x1')]).toEqual([
      ['query', 'sum(up)'],
      ['time', '1.5'],
    ]);
    expect([...parseMultipart(Buffer.from('garbage'), '----x1')]).toEqual([]);
  });
});

describe("Go's JSON decoder", () => {
  it.each([
    ['{bad', "invalid character 'b' looking for beginning of object key string"],
    ['{"a":', 'unexpected EOF'],
    ['[1,2', 'unexpected EOF'],
    ['nul', 'unexpected EOF'],
    ['[{"labels":{"a":"b"}},]', "invalid character ']' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{"a":1 "b"}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['["a\\x"]', "invalid character 'x' in string escape code"],
    ['["a\u0001"]', "invalid character '\\x01' in string literal"],
    ['[tru]', "invalid character ']' in literal true (expecting 'e')"],
    ['[1.e5]', "invalid character 'e' after decimal point in numeric literal"],
    ['[-]', "invalid character ']' in numeric literal"],
    ["'x'", "invalid character '\\'' looking for beginning of value"],
    ['["\\u12g4"]', "invalid character 'g' in \\u hexadecimal character escape"],
  ])('%s', (text, error) => {
    expect(decodeFirstJSON(text)).toEqual({ ok: false, error });
  });
  it('decodes the first value and ignores what follows; whitespace is empty', () => {
    expect(decodeFirstJSON(' [] x')).toEqual({ ok: true, value: [] });
    expect(decodeFirstJSON('{"a":[1,{"b":null}],"c":"\\u00e9"}')).toEqual({ ok: true, value: { a: [1, { b: null }], c: 'é' } });
    expect(decodeFirstJSON(' \n\t')).toEqual({ ok: 'empty' });
    expect(decodeFirstJSON('['.repeat(100_000) + ']'.repeat(100_000)).ok).toBe(true);
  });
});
