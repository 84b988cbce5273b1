import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AmMatcher,
  MatcherParseError,
  matchersToString,
  parseMatcher,
  parseMatchers,
  sortMatchers,
  type AmMatchType,
} from '../../../src/alertmanager/matcher.js';

const show = (ms: AmMatcher[]) => ms.map((m) => [m.name, m.type, m.value]);

describe('parseMatcher (Alertmanager 0.25 classic syntax)', () => {
  it('parses the four operators with and without quotes and spaces', () => {
    expect(show(parseMatchers('{foo = "bar", dings != "bums", }'))).toEqual([
      ['foo', '=', 'bar'],
      ['dings', '!=', 'bums'],
    ]);
    expect(show(parseMatchers('foo=bar,dings!=bums'))).toEqual([
      ['foo', '=', 'bar'],
      ['dings', '!=', 'bums'],
    ]);
    expect(show(parseMatchers('statuscode=~"5.."'))).toEqual([['statuscode', '=~', '5..']]);
    expect(show(parseMatchers('a!~b'))).toEqual([['a', '!~', 'b']]);
    expect(parseMatchers('')).toEqual([]);
  });

  it('keeps a comma inside a quoted value (case 12)', () => {
    expect(show(parseMatchers('tags="gum,latency", severity=~"crit.*"'))).toEqual([
      ['tags', '=', 'gum,latency'],
      ['severity', '=~', 'crit.*'],
    ]);
  });

  it('rejects an unbalanced double quote and treats single quotes as text (case 13)', () => {
    expect(() => parseMatcher('foo="bar')).toThrow(new MatcherParseError('matcher value contains unescaped double quote: "bar'));
    expect(() => parseMatcher('foo="b"ar"')).toThrow('matcher value contains unescaped double quote: "b"ar"');
    expect(show([parseMatcher("label = 'atlas-test'")])).toEqual([['label', '=', "'atlas-test'"]]);
  });

  it('unescapes \\" \\n \\\\ and keeps other backslashes literally', () => {
    expect(parseMatcher('q="She said: \\"Hi\\""').value).toBe('She said: "Hi"');
    expect(parseMatcher('q="a\\nb"').value).toBe('a\nb');
    expect(parseMatcher('q="a\\\\b"').value).toBe('a\\b');
    expect(parseMatcher('q="a\\db"').value).toBe('a\\db');
    expect(parseMatcher('q=x\\').value).toBe('x\\');
  });

  it('rejects bad formats and bad regexes with upstream texts', () => {
    expect(() => parseMatcher('foo')).toThrow('bad matcher format: foo');
    expect(() => parseMatcher('1a=b')).toThrow('bad matcher format: 1a=b');
    expect(() => parseMatchers('a=b,,c=d')).toThrow('bad matcher format: ');
    expect(() => parseMatcher('a=~"("')).toThrow('error parsing regexp: missing closing ): `^(?:()$`');
  });

  it('anchors regexes and does not let "." match a newline (Go defaults)', () => {
    const m = new AmMatcher('=~', 'a', 'b.*');
    expect(m.matches('bcd')).toBe(true);
    expect(m.matches('abcd')).toBe(false);
    expect(m.matches('b\nc')).toBe(false);
    expect(new AmMatcher('!~', 'a', 'x|y').matches('z')).toBe(true);
    expect(new AmMatcher('!=', 'a', '').matches('')).toBe(false);
  });

  it('renders and sorts as upstream', () => {
    const ms = sortMatchers([new AmMatcher('=~', 'b', 'x'), new AmMatcher('!=', 'a', '1'), new AmMatcher('=', 'a', '1')]);
    expect(matchersToString(ms)).toBe('{a="1",a!="1",b=~"x"}');
    expect(new AmMatcher('=', 'q', 'a"b\\c\nd').toString()).toBe('q="a\\"b\\\\c\\nd"');
  });

  it('round-trips any matcher through toString and parseMatcher', () => {
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/);
    const type = fc.constantFrom<AmMatchType>('=', '!=');
    fc.assert(
      fc.property(name, type, fc.string({ maxLength: 12 }), (n, t, v) => {
        const m = parseMatcher(new AmMatcher(t, n, v).toString());
        expect([m.name, m.type, m.value]).toEqual([n, t, v]);
      }),
    );
  });
});
