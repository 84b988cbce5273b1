/**
 * Fuzzing the exposition parsers (Prometheus text, OpenMetrics, the strict OpenMetrics validator,
 * the text-families parser used by promtool check metrics): every input parses or throws the
 * module's typed error, on every accessor of every entry.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { createParser, EntryType, ExpositionParseError } from '../../src/exposition/parser.js';
import { validateOpenMetrics } from '../../src/exposition/omvalidate.js';
import { parseTextFamilies, TextFormatError } from '../../src/exposition/textfamilies.js';
import { expectTypedOutcome, mutatedText, runs, sharedSeeds, FUZZ_TIMEOUT_MS } from './support.js';

const TEXT_SEEDS = [
  '# HELP http_requests_total The total.\n# TYPE http_requests_total counter\nhttp_requests_total{method="post",code="200"} 1027 1395066363000\nhttp_requests_total{method="post",code="400"}    3 1395066363000\n',
  'metric_without_timestamp_and_labels 12.47\nsomething_weird{problem="division by zero"} +Inf -3982045\n',
  '# TYPE h histogram\nh_bucket{le="0.05"} 24054\nh_bucket{le="+Inf"} 144320\nh_sum 53423\nh_count 144320\n',
  '# TYPE s summary\ns{quantile="0.5"} 4773\ns_sum 1.7560473e+07\ns_count 2693\n',
  'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9\n',
  '{"utf8.metric", "a b"="c"} 1\n',
];
const OM_SEEDS = [
  '# TYPE a counter\n# HELP a help\n# UNIT a seconds\na_total{b="c"} 1 1.5 # {id="x"} 2 3\na_created 1\n# EOF\n',
  '# TYPE g gauge\ng 1\ng{x="y"} NaN\n# EOF\n',
  '# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 3 # {t="1"} 4\nh_count 3\nh_sum 2\n# EOF\n',
  '# TYPE i info\ni_info{v="1"} 1\n# TYPE ss stateset\nss{ss="a"} 1\n# EOF\n',
];
const TOKENS = ['\n', ' ', '\t', '#', '# HELP ', '# TYPE ', '# UNIT ', '# EOF\n', '{', '}', '"', '\\', '\\"', '\\n', '=', ',', '_total', '_bucket', '_count', '_sum', '_created', 'le', 'quantile', 'NaN', '+Inf', '-Inf', '1e400', '0x1', '-0', '9223372036854775808', 'counter', 'gauge', 'histogram', 'summary', 'untyped', 'info', 'stateset', 'gaugehistogram', ' # {', '\u00ff', '\ud800', '\u0000'];

/** Reads every entry with every accessor the scrape loop uses. */
function drain(body: Buffer, format: 'text' | 'openmetrics'): void {
  const p = createParser(body, format);
  for (let n = 0; n < 100_000; n++) {
    const e = p.next();
    if (e === EntryType.EOF) return;
    if (e === EntryType.Series) {
      p.seriesKey();
      p.labels();
      p.value();
      p.timestamp();
      if (format === 'openmetrics') p.exemplar();
    } else if (e === EntryType.Type) {
      p.family();
      p.type();
    } else if (e === EntryType.Help) {
      p.family();
      p.help();
    } else if (e === EntryType.Unit) {
      p.family();
      p.unit();
    }
    p.line();
  }
  throw new Error('parser did not reach EOF');
}

const typed = (e: unknown) => e instanceof ExpositionParseError;

describe('exposition fuzzing', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const text = mutatedText([...TEXT_SEEDS, ...sharedSeeds('exposition', /\.prom\.txt$/)], TOKENS);
  const om = mutatedText([...OM_SEEDS, ...sharedSeeds('exposition', /\.om\.txt$/)], TOKENS);

  it('text format parser', () => {
    fc.assert(fc.property(text, (s) => expectTypedOutcome(Buffer.from(s), (b) => drain(b, 'text'), typed)), runs(400));
  });

  it('OpenMetrics parser', () => {
    fc.assert(fc.property(om, (s) => expectTypedOutcome(Buffer.from(s), (b) => drain(b, 'openmetrics'), typed)), runs(400));
  });

  it('strict OpenMetrics validator', () => {
    fc.assert(fc.property(om, (s) => expectTypedOutcome(Buffer.from(s), validateOpenMetrics, typed)), runs(300));
  });

  it('text families (promtool check metrics)', () => {
    fc.assert(fc.property(text, (s) => expectTypedOutcome(s, parseTextFamilies, (e) => e instanceof TextFormatError)), runs(300));
  });
});
