/**
 * Fuzzing the LogQL parser: every query parses or throws `LogQLParseError`, within the bound.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { LogQLParseError } from '../../src/logs/logql/errors.js';
import { parseLogQL } from '../../src/logs/logql/parser.js';
import { expectTypedOutcome, mutatedText, runs, FUZZ_TIMEOUT_MS } from './support.js';

const SEEDS = [
  '{app="api", env=~"prod|staging"} |= "error" != "timeout" |~ "(?i)fail" !~ "debug"',
  '{job="x"} | json | status >= 500 and duration > 1s | line_format "{{.method}} {{.path}}" | label_format lvl=level',
  '{job="x"} | logfmt | unwrap bytes(size) | __error__=""',
  'sum by (app) (rate({app="a"} |= "x" [5m] offset 1h))',
  'quantile_over_time(0.99, {app="a"} | logfmt | unwrap latency [1m]) by (route)',
  'topk(3, sum by (level) (count_over_time({app="a"} | pattern "<ip> - <_> <status>" [1m]))) > 10',
  '{app="a"} | regexp "(?P<method>\\\\w+) (?P<path>\\\\S+)" | keep method | drop path',
  'sum(bytes_over_time({app="a"}[5m])) / on () group_left sum(count_over_time({app="b"}[5m]))',
  '{app="a"} | decolorize | line_format `{{ __line__ | ToUpper }}` | ip("10.0.0.0/8")',
];
const TOKENS = ['{', '}', '(', ')', '[', ']', '"', '`', '\\', '|', '|=', '!=', '|~', '!~', '|>', '!>', '=', '=~', ',', ' ', '\n', 'json', 'logfmt', 'unwrap', 'line_format', 'label_format', 'pattern', 'regexp', 'by', 'without', 'on', 'offset', 'sum', 'rate', 'count_over_time', '5m', '1s', '>', '<=', 'and', 'or', 'unless', '{{', '}}', '.', '<_>', '<x>', 'bytes(', 'duration(', '__error__', '1e400', '-', '#', '\u00e9'];

describe('LogQL fuzzing', { timeout: FUZZ_TIMEOUT_MS }, () => {
  it('parseLogQL', () => {
    fc.assert(
      fc.property(mutatedText(SEEDS, TOKENS), (q) => expectTypedOutcome(q, parseLogQL, (e) => e instanceof LogQLParseError)),
      runs(600),
    );
  });
});
