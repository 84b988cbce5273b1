/** The UI's matcher text round trip (silence form): parse what formatMatcher writes, refuse what is not a matcher. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMatcher, matchersFor, parseMatchers } from '../../../ui/src/matchers.js';

describe('silence form matchers', () => {
  it('reads the four operators, skips blank lines, and unescapes \\" and \\\\', () => {
    expect(parseMatchers('a="x"\n\n b != "y" \nc=~"db-\\\\d+"\nd!~"say \\"hi\\""')).toEqual([
      { name: 'a', value: 'x', isRegex: false, isEqual: true },
      { name: 'b', value: 'y', isRegex: false, isEqual: false },
      { name: 'c', value: 'db-\\d+', isRegex: true, isEqual: true },
      { name: 'd', value: 'say "hi"', isRegex: true, isEqual: false },
    ]);
  });

  it('names the line that is not a matcher', () => {
    expect(() => parseMatchers('a="x"\nseverity=critical')).toThrow('line 2: expected name="value" (or !=, =~, !~), got: severity=critical');
    expect(() => parseMatchers('1a="x"')).toThrow('line 1:');
  });

  it('prefills one equality matcher per alert label, sorted by name', () => {
    expect(matchersFor({ job: 'api', alertname: 'Down' }).map(formatMatcher)).toEqual(['alertname="Down"', 'job="api"']);
  });

  it('parses back what it formats', () => {
    const matcher = fc.record({
      name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/),
      value: fc.string({ maxLength: 12 }).filter((v) => !/[\n\u2028\u2029\x00-\x1f\x7f]/.test(v)),
      isRegex: fc.boolean(),
      isEqual: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(matcher, { maxLength: 5 }), (ms) => {
        expect(parseMatchers(ms.map(formatMatcher).join('\n'))).toEqual(ms);
      }),
    );
  });
});
