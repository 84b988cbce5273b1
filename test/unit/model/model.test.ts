import { describe, expect, it } from 'vitest';
import * as L from '../../../src/model/labels.js';
import { Matcher, matchesAll } from '../../../src/model/matcher.js';
import { expand, replaceAll, compileAnchored, quoteMeta, RegexSyntaxError } from '../../../src/model/regex.js';
import { formatDuration, parseApiTime, parseDuration } from '../../../src/model/time.js';
import { formatFloat, isStaleNaN, STALE_NAN } from '../../../src/model/value.js';

describe('labels', () => {
  it('sorts, drops empty values and renders', () => {
    const ls = L.fromObject({ job: 'api', __name__: 'up', empty: '' });
    expect(ls).toEqual(['__name__', 'up', 'job', 'api']);
    expect(L.toString(ls)).toBe('up{job="api"}');
    expect(L.get(ls, 'job')).toBe('api');
    expect(L.get(ls, 'nope')).toBe('');
    expect(L.dropMetricName(ls)).toEqual(['job', 'api']);
  });
  it('renders as Go labels.Labels.String() with %q values', () => {
    expect(L.toGoString(['__name__', 'up', 'job', 'a"b'])).toBe('{__name__="up", job="a\\"b"}');
    expect(L.toGoString(['my.label', '\x07\u0085'])).toBe('{"my.label"="\\a\\u0085"}');
    expect(L.toGoString([])).toBe('{}');
    expect(L.toString(['__name__', 'up', 'job', '\x7f'])).toBe('up{job="\\x7f"}');
  });
  it('validates names under legacy and UTF-8 rules', () => {
    expect([L.isValidLabelName('a_1'), L.isValidLabelName('1a'), L.isValidLabelName('a:b')]).toEqual([true, false, false]);
    expect([L.isValidMetricName('a:b'), L.isValidMetricName('')]).toEqual([true, false]);
    expect([L.isValidUTF8Name('a.b é'), L.isValidUTF8Name(''), L.isValidUTF8Name('a\udc80'), L.isValidUTF8Name('😀')]).toEqual([true, false, false, true]);
    expect([L.isWellFormed(''), L.isWellFormed('\ud83d'), L.isWellFormed('\ude00x')]).toEqual([true, false, false]);
  });
  it('builder sets, deletes and sorts', () => {
    const b = new L.LabelsBuilder(L.fromObject({ b: '2', a: '1' }));
    b.set('c', '3').set('a', '').set('0', 'z');
    expect(b.labels()).toEqual(['0', 'z', 'b', '2', 'c', '3']);
  });
  it('compare orders as upstream', () => {
    expect(L.compare(['a', '1'], ['a', '2'])).toBeLessThan(0);
    expect(L.compare(['a', '1'], ['a', '1', 'b', '1'])).toBeLessThan(0);
    expect(L.compare(['b', '1'], ['a', '1', 'b', '1'])).toBeGreaterThan(0);
  });
  it('interner returns one instance per set', () => {
    const i = new L.LabelsInterner();
    const a = i.intern(['a', 'x']);
    expect(i.intern(['a', 'x'])).toBe(a);
  });
});

describe('matchers', () => {
  it('anchors regexes and lets . match newline', () => {
    expect(new Matcher('=~', 'a', 'foo').matches('foobar')).toBe(false);
    expect(new Matcher('=~', 'a', 'foo.*').matches('foobar')).toBe(true);
    expect(new Matcher('=~', 'a', 'a.b').matches('a\nb')).toBe(true);
    expect(new Matcher('!~', 'a', 'x|y').matches('y')).toBe(false);
  });
  it('treats absent labels as empty', () => {
    expect(matchesAll([new Matcher('=', 'foo', '')], ['job', 'x'])).toBe(true);
    expect(matchesAll([new Matcher('!=', 'foo', '')], ['job', 'x'])).toBe(false);
  });
  it('rejects invalid RE2', () => {
    expect(() => new Matcher('=~', 'a', '(?<=x)')).toThrow(RegexSyntaxError);
  });
});

describe('regex expansion', () => {
  it('expands like Go Regexp.Expand', () => {
    const m = compileAnchored('(a)(b)?').exec('a')!;
    expect(expand('$1-${2}-$$-$1x-${1}x', m, {})).toBe('a--$--ax');
  });
  it('replaces all matches', () => {
    expect(replaceAll('o+', 'foo boo', '0')).toBe('f0 b0');
  });
  it('quotes metacharacters as Go regexp.QuoteMeta', () => {
    expect(quoteMeta('a.b*c')).toBe('a\\.b\\*c');
    expect(quoteMeta('\\+?()|[]{}^$x')).toBe('\\\\\\+\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$x');
    expect(compileAnchored(quoteMeta('a.(b)')).test('a.(b)')).toBe(true);
  });
  it('anchors with Go defaults when dotAll is off (Alertmanager)', () => {
    expect(compileAnchored('a.b').test('a\nb')).toBe(true);
    expect(compileAnchored('a.b', { dotAll: false }).test('a\nb')).toBe(false);
    expect(compileAnchored('a|b', { dotAll: false }).test('ab')).toBe(false);
    expect(compileAnchored('(a)(b)?', { dotAll: false }).exec('a')).toEqual(['a', 'a', null]);
    expect(() => compileAnchored('(', { dotAll: false })).toThrow('error parsing regexp: missing closing ): `^(?:()$`');
  });
});

describe('time', () => {
  it('parses and formats durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('100ms')).toBe(100);
    expect(() => parseDuration('30m1h')).toThrow();
    expect(() => parseDuration('5x')).toThrow();
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });
  it('formats durations as upstream model.Duration (years and weeks only when exact)', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(90 * 86_400_000)).toBe('90d');
    expect(formatDuration(14 * 86_400_000)).toBe('2w');
    expect(formatDuration(1500)).toBe('1s500ms');
    expect(formatDuration(8 * 86_400_000)).toBe('8d');
    expect(formatDuration(365 * 86_400_000 + 3_600_000)).toBe('365d1h');
    expect(formatDuration(-90_000)).toBe('-1m30s');
  });
  it('parses API times', () => {
    expect(parseApiTime('1700000000.5')).toBe(1_700_000_000_500);
    expect(parseApiTime('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000);
    expect(() => parseApiTime('yesterday')).toThrow();
  });
});

describe('values', () => {
  it('recognises only the exact staleness NaN', () => {
    expect(isStaleNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN(NaN)).toBe(false);
    const arr = new Float64Array(1);
    arr[0] = STALE_NAN;
    expect(isStaleNaN(arr[0]!)).toBe(true);
  });
  it('formats floats as the Prometheus API', () => {
    expect(formatFloat(1)).toBe('1');
    expect(formatFloat(0.5)).toBe('0.5');
    expect(formatFloat(1.5e-7)).toBe('1.5e-07');
    expect(formatFloat(1e21)).toBe('1e+21');
    expect(formatFloat(123456789012)).toBe('123456789012');
    expect(formatFloat(Infinity)).toBe('+Inf');
    expect(formatFloat(NaN)).toBe('NaN');
  });
});
