/**
 * `lookout check metrics` (src/cli/check-metrics.ts over src/exposition/textfamilies.ts and
 * src/exposition/lint.ts) against `promtool check metrics` 2.42: a table of inputs, one per lint
 * rule and per parse error, with promtool's exact stderr, exit code and `--extended` table; the same
 * table is then run through the real promtool when it is installed, so the expectations cannot drift
 * from upstream.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkMetrics, LINT_EXIT_CODE } from '../../../src/cli/check-metrics.js';
import { cardinality, lintMetrics, tabulate } from '../../../src/exposition/lint.js';
import { parseTextFamilies, TextFormatError } from '../../../src/exposition/textfamilies.js';
import { haveProgram, ROOT } from '../../support/processes.js';

const PROMTOOL = '/usr/bin/promtool';
const METRICS_TEST = join(ROOT, '..', 'shared', 'conformance', 'promtool', 'metrics-test.prom');

interface Case {
  name: string;
  body: string;
  /** promtool's exit code: 0 clean, 3 lint problems, 1 parse error. */
  code: number;
  /** promtool's stderr lines. */
  stderr: string[];
  /** promtool's stdout lines with `--extended` (only when clean). */
  extended?: string[];
}

/** Expectations recorded from promtool 2.42 (and re-checked against it below when installed). */
const CASES: Case[] = [
  {name: "no_help", body: "# TYPE a gauge\na 1\n", code: 3, stderr: ["a no help text"]},
  {name: "counter_no_total", body: "# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n", code: 3, stderr: ["requests counter metrics should have \"_total\" suffix"]},
  {name: "gauge_total", body: "# HELP temp_total T.\n# TYPE temp_total gauge\ntemp_total 1\n", code: 3, stderr: ["temp_total non-counter metrics should not have \"_total\" suffix"]},
  {name: "untyped_total", body: "# HELP x_total X.\nx_total 1\n", code: 0, stderr: [], extended: ["Metric     Cardinality    Percentage    ","x_total    1              100.00%       ","Total      1              100%          "]},
  {name: "reserved_suffixes", body: "# HELP a_bucket A.\n# TYPE a_bucket gauge\na_bucket 1\n# HELP b_count B.\n# TYPE b_count counter\nb_count 1\n# HELP c_sum C.\n# TYPE c_sum gauge\nc_sum 1\n", code: 3, stderr: ["a_bucket non-histogram metrics should not have \"_bucket\" suffix","b_count counter metrics should have \"_total\" suffix","b_count non-histogram and non-summary metrics should not have \"_count\" suffix","c_sum non-histogram and non-summary metrics should not have \"_sum\" suffix"]},
  {name: "reserved_labels", body: "# HELP s S.\n# TYPE s gauge\ns{le=\"1\"} 1\ns{quantile=\"0.5\"} 2\n# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\",quantile=\"x\"} 1\nh_bucket{le=\"+Inf\",quantile=\"x\"} 1\nh_sum{quantile=\"x\"} 1\nh_count{quantile=\"x\"} 1\n", code: 3, stderr: ["h non-summary metrics should not have \"quantile\" label","s non-histogram metrics should not have \"le\" label","s non-summary metrics should not have \"quantile\" label"]},
  {name: "type_in_name", body: "# HELP foo_counter_x F.\n# TYPE foo_counter_x gauge\nfoo_counter_x 1\n# HELP a_gauge A.\n# TYPE a_gauge gauge\na_gauge 1\n# HELP b_histogram_thing B.\n# TYPE b_histogram_thing gauge\nb_histogram_thing 1\n# HELP my_untyped M.\n# TYPE my_untyped gauge\nmy_untyped 1\n", code: 3, stderr: ["a_gauge metric name should not include type 'gauge'","b_histogram_thing metric name should not include type 'histogram'","foo_counter_x metric name should not include type 'counter'"]},
  {name: "colon", body: "# HELP job:foo:rate5m R.\n# TYPE job:foo:rate5m gauge\njob:foo:rate5m 1\n", code: 3, stderr: ["job:foo:rate5m metric names should not contain ':'"]},
  {name: "camel", body: "# HELP fooBar F.\n# TYPE fooBar gauge\nfooBar{someLabel=\"x\"} 1\nfooBar{someLabel=\"y\",otherLabel=\"z\"} 1\n", code: 3, stderr: ["fooBar label names should be written in 'snake_case' not 'camelCase'","fooBar label names should be written in 'snake_case' not 'camelCase'","fooBar label names should be written in 'snake_case' not 'camelCase'","fooBar metric names should be written in 'snake_case' not 'camelCase'"]},
  {name: "abbreviations", body: "# HELP req_ms R.\n# TYPE req_ms gauge\nreq_ms 1\n# HELP disk_kb_used D.\n# TYPE disk_kb_used gauge\ndisk_kb_used 1\n# HELP up_s U.\n# TYPE up_s gauge\nup_s 1\n", code: 3, stderr: ["disk_kb_used metric names should not contain abbreviated units","req_ms metric names should not contain abbreviated units","up_s metric names should not contain abbreviated units"]},
  {name: "units", body: "# HELP latency_milliseconds L.\n# TYPE latency_milliseconds gauge\nlatency_milliseconds 1\n# HELP size_kilobytes S.\n# TYPE size_kilobytes gauge\nsize_kilobytes 1\n# HELP wait_hours W.\n# TYPE wait_hours gauge\nwait_hours 1\n# HELP temp_fahrenheit T.\n# TYPE temp_fahrenheit gauge\ntemp_fahrenheit 1\n# HELP uptime_seconds U.\n# TYPE uptime_seconds gauge\nuptime_seconds 1\n", code: 3, stderr: ["latency_milliseconds use base unit \"seconds\" instead of \"milliseconds\"","size_kilobytes use base unit \"bytes\" instead of \"kilobytes\"","temp_fahrenheit use base unit \"celsius\" instead of \"fahrenheit\"","wait_hours use base unit \"seconds\" instead of \"hours\""]},
  {name: "combo", body: "# TYPE fooBar_ms counter\nfooBar_ms{aB=\"1\",le=\"2\"} 1\n# TYPE x_count gauge\nx_count 1\n", code: 3, stderr: ["fooBar_ms counter metrics should have \"_total\" suffix","fooBar_ms label names should be written in 'snake_case' not 'camelCase'","fooBar_ms metric names should be written in 'snake_case' not 'camelCase'","fooBar_ms metric names should not contain abbreviated units","fooBar_ms no help text","fooBar_ms non-histogram metrics should not have \"le\" label","x_count no help text","x_count non-histogram and non-summary metrics should not have \"_count\" suffix"]},
  {name: "clean_histogram", body: "# HELP rpc_duration_seconds RPC latency.\n# TYPE rpc_duration_seconds histogram\nrpc_duration_seconds_bucket{code=\"200\",le=\"0.1\"} 1\nrpc_duration_seconds_bucket{code=\"200\",le=\"+Inf\"} 2\nrpc_duration_seconds_sum{code=\"200\"} 0.3\nrpc_duration_seconds_count{code=\"200\"} 2\nrpc_duration_seconds_bucket{code=\"500\",le=\"0.1\"} 0\nrpc_duration_seconds_bucket{code=\"500\",le=\"+Inf\"} 1\nrpc_duration_seconds_sum{code=\"500\"} 1.5\nrpc_duration_seconds_count{code=\"500\"} 1\n# HELP up Up.\n# TYPE up gauge\nup 1\n", code: 0, stderr: [], extended: ["Metric                  Cardinality    Percentage    ","rpc_duration_seconds    8              88.89%        ","up                      1              11.11%        ","Total                   9              100%          "]},
  {name: "help_only", body: "# HELP ghost G.\n# TYPE ghost gauge\n# HELP real_thing R.\n# TYPE real_thing gauge\nreal_thing 1\n", code: 0, stderr: [], extended: ["Metric        Cardinality    Percentage    ","real_thing    1              100.00%       ","Total         1              100%          "]},
  {name: "err_second_type", body: "# TYPE a gauge\n# TYPE a counter\na 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 2: second TYPE line for metric name \"a\", or TYPE reported after samples"]},
  {name: "err_type_after_samples", body: "a 1\n# TYPE a gauge\n", code: 1, stderr: ["error while linting: text format parsing error in line 2: second TYPE line for metric name \"a\", or TYPE reported after samples"]},
  {name: "err_unknown_type", body: "# TYPE a meter\na 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: unknown metric type \"meter\""]},
  {name: "err_second_help", body: "# HELP a x\n# HELP a y\na 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 2: second HELP line for metric name \"a\""]},
  {name: "err_bad_escape", body: "a{b=\"\\q\"} 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: invalid escape sequence '\\q'"]},
  {name: "err_no_newline", body: "a 1", code: 1, stderr: ["error while linting: text format parsing error in line 1: unexpected end of input stream"]},
  {name: "err_bad_value", body: "a 0x10\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: expected float as value, got \"0x10\""]},
  {name: "err_bad_ts", body: "a 1 1.5\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: expected integer as timestamp, got \"1.5\""]},
  {name: "err_spurious", body: "a 1 2 3\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: spurious string after timestamp: \" 3\""]},
  {name: "err_dup_labels", body: "a{b=\"1\",b=\"2\"} 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: duplicate label names for metric \"a\""]},
  {name: "err_reserved_name", body: "a{__name__=\"x\"} 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: label name \"__name__\" is reserved"]},
  {name: "err_bad_label_name", body: "a{1b=\"x\"} 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: invalid label name for metric \"a\""]},
  {name: "err_missing_eq", body: "a{b \"x\"} 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: expected '=' after label name, found '\"'"]},
  {name: "err_unterminated", body: "a{b=\"x} 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: label value \"x} 1\" contains unescaped new-line"]},
  {name: "err_bad_le", body: "# TYPE h histogram\nh_bucket{le=\"abc\"} 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 2: expected float as value for 'le' label, got \"abc\""]},
  {name: "type_backslashes_dropped", body: "# HELP a_total A.\n# TYPE a_total coun\\ter\na_total 1\n# TYPE b ga\\\\uge\nb 2\n", code: 3, stderr: ["b no help text"]},
  {name: "err_bad_metric_name", body: "{a=\"b\"} 1\n", code: 1, stderr: ["error while linting: text format parsing error in line 1: invalid metric name"]},

];

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
}

function lookout(body: string, extended: boolean): Run {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = checkMetrics(Buffer.from(body, 'utf8'), extended, (l) => stdout.push(l), (l) => stderr.push(l));
  return { code, stdout, stderr };
}

function promtool(body: string | Buffer, extended: boolean): Run {
  const r = spawnSync(PROMTOOL, ['check', 'metrics', ...(extended ? ['--extended'] : [])], { input: body, encoding: 'utf8' });
  const lines = (s: string) => s.split('\n').filter((l) => l !== '');
  return { code: r.status ?? -1, stdout: lines(r.stdout), stderr: lines(r.stderr) };
}

describe('check metrics: the promtool table', () => {
  it('covers clean inputs, every lint rule and parse errors', () => {
    expect(new Set(CASES.map((c) => c.code))).toEqual(new Set([0, 1, 3]));
  });

  it.each(CASES)('$name', (c) => {
    expect(lookout(c.body, false)).toEqual({ code: c.code, stdout: [], stderr: c.stderr });
    expect(lookout(c.body, true)).toEqual({ code: c.code, stdout: c.extended ?? [], stderr: c.stderr });
  });
});

describe('check metrics: the shared promtool fixture', () => {
  const body = readFileSync(METRICS_TEST);

  it('is clean, and --extended prints the cardinality table', () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    expect(checkMetrics(body, true, (l) => stdout.push(l), (l) => stderr.push(l))).toBe(0);
    expect(stderr).toEqual([]);
    expect(stdout).toEqual([
      'Metric                                         Cardinality    Percentage    ',
      'prometheus_tsdb_compaction_chunk_size_bytes    15             55.56%        ',
      'go_gc_duration_seconds                         7              25.93%        ',
      'net_conntrack_dialer_conn_attempted_total      4              14.81%        ',
      'go_info                                        1              3.70%         ',
      'Total                                          27             100%          ',
    ]);
  });
});

describe('lint and parse API', () => {
  it('lintMetrics returns problems sorted by metric, then text', () => {
    expect(lintMetrics('# TYPE b gauge\nb 1\n# HELP a_count A.\n# TYPE a_count gauge\na_count 1\n')).toEqual([
      { metric: 'a_count', text: 'non-histogram and non-summary metrics should not have "_count" suffix' },
      { metric: 'b', text: 'no help text' },
    ]);
  });

  it('groups summary and histogram samples into one metric per label set', () => {
    const fams = parseTextFamilies(
      '# TYPE s summary\ns{q="a",quantile="0.5"} 1\ns_sum{q="a"} 2\ns_count{q="a"} 3.7\ns{quantile="0.9",q="b"} 4\n' +
        '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_count 2\nh_sum 5 1700000000000\n',
    );
    expect(fams).toEqual([
      {
        name: 's',
        type: 'summary',
        metrics: [
          { labels: [['q', 'a']], quantiles: [{ quantile: 0.5, value: 1 }], sum: 2, count: 3 },
          { labels: [['q', 'b']], quantiles: [{ quantile: 0.9, value: 4 }] },
        ],
      },
      {
        name: 'h',
        type: 'histogram',
        metrics: [{ labels: [], buckets: [{ upperBound: 1, count: 1 }, { upperBound: Infinity, count: 2 }], count: 2, sum: 5, timestampMs: 1700000000000 }],
      },
    ]);
  });

  it('treats _count/_sum of an untyped or gauge family as families of their own', () => {
    expect(parseTextFamilies('# TYPE g gauge\ng 1\ng_count 2\n').map((f) => [f.name, f.type])).toEqual([
      ['g', 'gauge'],
      ['g_count', 'untyped'],
    ]);
  });

  it('throws TextFormatError with the 1-based line', () => {
    let err: unknown;
    try {
      parseTextFamilies('a 1\nb 2\nc{ 3\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TextFormatError);
    expect((err as TextFormatError).line).toBe(3);
  });

  it('cardinality counts 2 + buckets/quantiles per histogram/summary metric, and tabulate pads as tabwriter', () => {
    const fams = parseTextFamilies('# TYPE h histogram\nh_bucket{a="1",le="1"} 1\nh_bucket{a="1",le="+Inf"} 1\nh_bucket{a="2",le="1"} 1\nh_bucket{a="2",le="+Inf"} 1\nx 1\n');
    const { rows, total } = cardinality(fams);
    expect(total).toBe(9);
    expect(rows).toEqual([
      { name: 'h', cardinality: 8, fraction: 8 / 9 },
      { name: 'x', cardinality: 1, fraction: 1 / 9 },
    ]);
    expect(tabulate([['ab', 'c'], ['abcdef', '']])).toBe('ab        c    \nabcdef         \n');
  });

  it('exit code for lint problems is promtool\'s 3', () => {
    expect(LINT_EXIT_CODE).toBe(3);
  });
});

describe('lookout check metrics command', () => {
  it('reads stdin, writes problems to stderr and exits 3; refuses a file argument', () => {
    const main = join(ROOT, 'src', 'cli', 'main.ts');
    const run = (args: string[], input: string) => spawnSync(process.execPath, ['--import', 'tsx', main, 'check', 'metrics', ...args], { input, encoding: 'utf8', cwd: ROOT });
    const r = run([], '# TYPE a counter\na 1\n');
    expect([r.status, r.stdout, r.stderr]).toEqual([3, '', 'a counter metrics should have "_total" suffix\na no help text\n']);
    const f = run(['metrics.prom'], '');
    expect(f.status).toBe(1);
    expect(f.stderr).toContain('unexpected metrics.prom: metrics are read from stdin');
  }, 60_000);
});

describe.runIf(haveProgram(PROMTOOL))('check metrics side by side with promtool 2.42', () => {
  it.each(CASES)('$name: same stdout, stderr and exit code', (c) => {
    for (const extended of [false, true]) expect(lookout(c.body, extended)).toEqual(promtool(c.body, extended));
  });

  it('random bodies built from the format\'s tricky pieces give the same output', () => {
    const name = fc.constantFrom('a', 'fooBar', 'x_total', 'h', 's', 'req_ms', 'h_bucket', 'h_count', 's_sum', 'job:x', 'size_kilobytes', 'a_gauge');
    const labels = fc.constantFrom('', '{le="1"}', '{quantile="0.5"}', '{a="b"}', '{aB="x"}', '{le="+Inf",a="c"}', '{a="\\n"}', '{a="x",}', '{ a = "x" }', '{a="\\\\"}', '{a="é"}', '{__name__="x"}', '{a="1",a="2"}', ' {a="1"}');
    const value = fc.constantFrom('1', '-1', 'NaN', '+Inf', '1e3', '0x1', '1_0', '.5', ' 2', '1 123', '1 1.5');
    const word = fc.constantFrom('counter', 'gauge', 'summary', 'histogram', 'untyped', 'x y', 'help \\n text', '', 'a\\\\b', 'Gauge', ' counter ', 'é');
    const line = fc.oneof(
      fc.tuple(name, labels, value).map(([n, l, v]) => `${n}${l} ${v}`),
      fc.tuple(fc.constantFrom('HELP', 'TYPE', 'FOO'), name, word).map(([k, n, t]) => `# ${k} ${n} ${t}`),
      fc.constant(''),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const body = lines.join('\n') + '\n';
        expect(lookout(body, true)).toEqual(promtool(body, true));
      }),
      { numRuns: 60 },
    );
  });

  it('the shared fixture gives the same --extended table', () => {
    const body = readFileSync(METRICS_TEST);
    const stdout: string[] = [];
    const code = checkMetrics(body, true, (l) => stdout.push(l), () => undefined);
    expect({ code, stdout, stderr: [] }).toEqual(promtool(body, true));
  });
});
