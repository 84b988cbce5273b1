/**
 * Fuzzing the small parsers: Alertmanager matchers (single and `{…}` lists) and durations / API
 * times. Each returns or throws its typed error.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { MatcherParseError, parseMatcher, parseMatchers } from '../../src/alertmanager/matcher.js';
import { parseApiDuration, parseApiTime, parseDuration, TimeParseError } from '../../src/model/time.js';
import { expectTypedOutcome, mutatedText, runs, FUZZ_TIMEOUT_MS } from './support.js';

const MATCHER_TOKENS = ['=', '!=', '=~', '!~', '"', '\\', '\\"', ',', '{', '}', ' ', 'foo', 'bar', '.*', '(', ')', '[', '|', '\u00e9', '🙂', '\n'];
const DURATION_TOKENS = ['0', '1', '9', '5', 'ms', 's', 'm', 'h', 'd', 'w', 'y', '-', '+', '.', 'e', 'E', '9223372036854775807', '1e400', 'T', 'Z', ':', '2023-11-14T22:13:20Z', ' ', 'Inf', 'NaN'];

describe('matcher fuzzing', { timeout: FUZZ_TIMEOUT_MS }, () => {
  it('parseMatcher', () => {
    const input = mutatedText(['foo=bar', 'foo!="bar baz"', 'a=~"b.*"', 'x!~y|z', '"quoted name"="v"'], MATCHER_TOKENS);
    fc.assert(fc.property(input, (s) => expectTypedOutcome(s, parseMatcher, (e) => e instanceof MatcherParseError)), runs(400));
  });

  it('parseMatchers', () => {
    const input = mutatedText(['{foo="bar", baz=~"q.*"}', 'a=b,c!=d', '{}', '{x="a\\"b",}'], MATCHER_TOKENS);
    fc.assert(fc.property(input, (s) => expectTypedOutcome(s, parseMatchers, (e) => e instanceof MatcherParseError)), runs(400));
  });
});

describe('duration fuzzing', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const input = mutatedText(['1h30m', '5m', '0s', '1y2w3d4h5m6s7ms', '1.5', '1700000000.123', '2023-11-14T22:13:20.5Z'], DURATION_TOKENS);
  const typed = (e: unknown) => e instanceof TimeParseError;

  it('parseDuration, parseApiDuration, parseApiTime', () => {
    fc.assert(
      fc.property(input, (s) => {
        expectTypedOutcome(s, parseDuration, typed);
        expectTypedOutcome(s, parseApiDuration, typed);
        expectTypedOutcome(s, parseApiTime, typed);
      }),
      runs(500),
    );
  });
});
