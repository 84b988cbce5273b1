/** Full OpenMetrics validation beyond the conformance corpus: messages, lines, spec examples. */
import { describe, expect, it } from 'vitest';
import { ExpositionParseError, validateOpenMetrics } from '../../../src/exposition/index.js';

function problem(lines: string[]): { message: string; line: number } | null {
  try {
    validateOpenMetrics(Buffer.from(`${lines.join('\n')}\n# EOF\n`));
    return null;
  } catch (e) {
    if (!(e instanceof ExpositionParseError)) throw e;
    return { message: e.message, line: e.line };
  }
}

describe('validateOpenMetrics', () => {
  it('accepts the specification examples', () => {
    expect(
      problem([
        '# TYPE acme_http_router_request_seconds summary',
        '# UNIT acme_http_router_request_seconds seconds',
        "# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.",
        'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32',
        'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
        'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0',
        'acme_http_router_request_seconds_sum{path="/api/v2",method="POST"} 479.3',
        'acme_http_router_request_seconds_count{path="/api/v2",method="POST"} 34.0',
        'acme_http_router_request_seconds_created{path="/api/v2",method="POST"} 1605281325.0',
        '# TYPE go_goroutines gauge',
        'go_goroutines 69',
        '# TYPE process_cpu_seconds counter',
        '# UNIT process_cpu_seconds seconds',
        'process_cpu_seconds_total 4.20072246e+06',
        '# TYPE foo histogram',
        'foo_bucket{le="0.01"} 0',
        'foo_bucket{le="0.1"} 8 # {} 0.054',
        'foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67',
        'foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789',
        'foo_bucket{le="+Inf"} 17',
        'foo_count 17',
        'foo_sum 324789.3',
        'foo_created 1520430000.123',
        '# TYPE st stateset',
        'st{entity="controller",st="a"} 1.0',
        'st{entity="controller",st="bb"} 0.0',
        'st{entity="replica",st="a"} 1.0',
        '# TYPE i info',
        'i_info{entity="controller",name="pretty name",version="8.2.7"} 1.0',
        '# TYPE g gauge',
        'g{a="bb"} 0 123',
        'g{a="bb"} 0 456',
        'g{a="ccc"} 0 123',
      ]),
    ).toBeNull();
  });

  it.each([
    [['# TYPE a counter', 'a_total 1', '# TYPE a_created gauge', 'a_created 1'], 'clashing name: a_created', 5],
    [['a 1', 'b 1', 'a 2'], 'clashing name: a', 4],
    [['# TYPE a gauge', 'a{x="1"} 1', 'a{x="2"} 1', 'a{x="1"} 2'], 'invalid metric grouping: a', 4],
    [['# TYPE a summary', 'a_count{x="1"} 1 2', 'a_count{x="1"} 1 1'], 'timestamps went backwards within a group: a_count', 3],
    [['# TYPE a info', 'a_info{x="1"} 1 2', 'a_info{x="1"} 1 1'], null, 0],
    [['# TYPE a histogram', 'a_bucket{le="1"} 1', 'a_bucket{le="NaN"} 1'], 'invalid le label: a_bucket', 3],
    [['# TYPE a histogram', 'a_bucket{le="Inf"} 1'], 'invalid le label: a_bucket', 2],
    [['# TYPE a histogram', 'a_bucket{le="1"} 1.5', 'a_bucket{le="+Inf"} 2'], 'bucket value must be an integer: a_bucket', 2],
    [['# TYPE a histogram', 'a_bucket{le="1"} 0', 'a_bucket{le="+Inf"} 1', 'a_count 1', 'a_sum 1'], null, 0],
    [['# TYPE a histogram', 'a_bucket{x="1",le="+Inf"} 0', 'a_bucket{x="2",le="1"} 0'], '+Inf bucket missing: a', 4],
    [['# TYPE a counter', 'a_total NaN'], 'counter-like samples cannot be NaN: a_total', 2],
    [['# TYPE a counter', 'a_total 1 # {x="y"} 1', 'a_created 1 # {x="y"} 1'], 'only histogram/gaugehistogram buckets and counters can have exemplars: a_created', 3],
    [['# TYPE a counter', `a_total 1 # {x="${'y'.repeat(127)}"} 1`], null, 0],
    [['# TYPE a counter', `a_total 1 # {x="${'y'.repeat(128)}"} 1`], 'exemplar labels are too long: a_total', 2],
    [['# TYPE a_u gauge', 'a_u 1', '# UNIT a_u u'], 'metadata after samples: # UNIT a_u', 3],
    [['# TYPE a_u stateset', '# UNIT a_u u'], 'units not allowed for this metric type: a_u', 3],
    [['a{b="1",} 1'], 'expected label name, got "}" while parsing: "a{b=\\"1\\",}"', 1],
  ])('%j', (lines, message, line) => {
    expect(problem(lines)).toEqual(message === null ? null : { message, line });
  });
});
