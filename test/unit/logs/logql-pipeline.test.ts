import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryLogs } from './logql-memory-reader.js';
import { toObject } from '../../../src/model/labels.js';
import { evaluateLogQuery, parseLogQL, QueryStats, type LogSelector } from '../../../src/logs/logql/index.js';
import { API, DB, fixture, T0, WEB } from './logql-fixture.js';

type Out = [Record<string, string>, string[]][];

function run(query: string, limit = 100, direction: 'forward' | 'backward' = 'forward'): Out {
  const expr = parseLogQL(query) as LogSelector;
  const res = evaluateLogQuery(fixture(), expr, { start: { ms: T0, nanos: 0 }, end: { ms: T0 + 10_000, nanos: 0 }, limit, direction }, new QueryStats());
  return res.map((s) => [toObject(s.labels), s.lines]);
}

const api = { app: 'api', env: 'prod' };
const web = { app: 'web', env: 'prod' };
const db = { app: 'db', env: 'dev' };

const cases: [string, string, Out][] = [
  ['selector', '{app="api"}', [[api, API]]],
  ['regex selector with exclusion', '{env="prod", app!~"w.*"}', [[api, API]]],
  ['|= contains', '{env="prod"} |= "error"', [[api, [API[0]!]], [web, [WEB[1]!]]]],
  ['!= excludes', '{app="api"} != "error" != "warn"', [[api, [API[1]!]]]],
  ['|~ regex, unanchored', '{env="prod"} |~ "status.?[:=]5"', [[api, [API[0]!]], [web, [WEB[1]!]]]],
  ['!~ regex', '{app="web"} !~ "(?i)ERROR"', [[web, [WEB[0]!]]]],
  ['|= with or', '{app="api"} |= "boom" or "missing"', [[api, [API[0]!, API[2]!]]]],
  ['!= with or excludes both', '{app="api"} != "boom" or "missing"', [[api, [API[1]!]]]],
  ['|> pattern filter', '{app="web"} |> "level=<_> status=5<_>"', [[web, [WEB[1]!]]]],
  ['!> pattern filter with or', '{env="prod"} !> "level=<_> status=5<_>" or "{<_>\\"level\\":\\"warn\\"<_>"', [[api, [API[0]!, API[1]!]], [web, [WEB[0]!]]]],
  ['chained filters', '{env="prod"} |= "status" |~ "status.{1,3}5[0-9]{2}" != "boom"', [[web, [WEB[1]!]]]],
  [
    'json flattens nested objects, skips arrays, keeps number text, adds metadata',
    '{app="api"} |= "o" | json',
    [
      [{ ...api, latency: '20ms', level: 'info', msg: 'ok', size: '512B', status: '200', user_id: '8.0', user_name: 'bob' }, [API[1]!]],
      [{ ...api, latency: '250ms', level: 'error', msg: 'boom', size: '2KB', status: '500', user_id: '7', user_name: 'ann' }, [API[0]!]],
    ],
  ],
  ['json with parameters', '{app="api"} | json lvl="level", name="user.name", first="tags[0]" | lvl="error"', [[{ ...api, first: 'a', lvl: 'error', name: 'ann' }, [API[0]!]]]],
  ['json errors become __error__', '{app="db"} | json | keep __error__', [[{ __error__: 'JSONParserErr' }, DB]]],
  ['logfmt --strict fails on a malformed pair', '{app="db"} | logfmt --strict | keep __error__', [[{ __error__: 'LogfmtParserErr' }, [DB[0]!]], [{}, [DB[1]!]]]],
  ['logfmt without --strict skips malformed pairs', '{app="db"} | logfmt | keep app', [[{ app: 'db' }, DB]]],
  ['parsed labels clashing with stream labels get _extracted', '{app="db"} | regexp "(?P<app>\\\\S+) - -" | keep app, app_extracted', [[{ app: 'db', app_extracted: '10.0.0.1' }, [DB[0]!]], [{ app: 'db' }, [DB[1]!]]]],
  ['json path with quoted keys and indexes', '{app="api"} | json n="[\\"user\\"][\\"name\\"]", t="tags[0]" | keep n, t', [[{ n: 'ann', t: 'a' }, [API[0]!]], [{ n: 'bob' }, [API[1]!]], [{}, [API[2]!]]]],
  ['logfmt', '{app="web"} | logfmt | status >= 500', [[{ ...web, bytes: '1500', duration: '2s', level: 'error', msg: 'GET /x', status: '503' }, [WEB[1]!]]]],
  ['logfmt with parameters', '{app="web"} | logfmt code="status" | code="200"', [[{ ...web, code: '200' }, [WEB[0]!]]]],
  ['regexp named groups', '{app="db"} | regexp "^(?P<ip>\\\\S+) .*\\" (?P<code>\\\\d{3}) (?P<size>\\\\d+)$" | code="200"', [[{ ...db, code: '200', ip: '10.0.0.1', size: '2326' }, [DB[0]!]]]],
  ['regexp keeps unmatched lines', '{app="db"} | regexp "(?P<ip>10\\\\.\\\\S+)" | ip=""', [[db, [DB[1]!]]]],
  ['pattern', '{app="db"} | pattern "<ip> - - [<_>] \\"<method> <path> <_>\\" <code> <size>" | method="GET"', [[{ ...db, code: '200', ip: '10.0.0.1', method: 'GET', path: '/index.html', size: '2326' }, [DB[0]!]]]],
  ['unpack replaces the line and suffixes clashing labels', '{app="pack"} | unpack', [[{ app: 'pack', app_extracted: 'inner', job: 'x' }, ['original line']]]],
  ['numeric filter ==', '{app="api"} | json | status == 404 | keep app', [[{ app: 'api' }, [API[2]!]]]],
  ['numeric filter !=', '{app="api"} | json | status != 404 | keep app', [[{ app: 'api' }, [API[0]!, API[1]!]]]],
  ['numeric filter <', '{app="api"} | json | status < 404 | keep app', [[{ app: 'api' }, [API[1]!]]]],
  ['duration filter', '{app="api"} | json | latency > 250ms | keep app', [[{ app: 'api' }, [API[2]!]]]],
  ['duration filter >=', '{app="api"} | json | latency >= 250ms | keep app', [[{ app: 'api' }, [API[0]!, API[2]!]]]],
  ['bytes filter', '{app="api"} | json | size > 1KB | keep app', [[{ app: 'api' }, [API[0]!, API[2]!]]]],
  ['bytes filter KiB', '{app="api"} | json | size <= 1KiB | keep app', [[{ app: 'api' }, [API[1]!, API[2]!]]]],
  ['and / comma / or with precedence', '{app="api"} | json | level="error" or level="warn" and status=404 | keep app', [[{ app: 'api' }, [API[0]!, API[2]!]]]],
  ['comma means and', '{app="api"} | json | level=~"e.*|w.*", status>=500 | keep app', [[{ app: 'api' }, [API[0]!]]]],
  ['parenthesised or', '{app="api"} | json | (level="info" or level="warn") and latency < 1s | keep app', [[{ app: 'api' }, [API[1]!]]]],
  ['missing label fails a numeric filter', '{app="api"} | json | nosuch > 1 | keep app', []],
  [
    'numeric filter on a non-number sets LabelFilterErr',
    '{app="api"} | json | level > 1 | keep app, __error__',
    [[{ __error__: 'LabelFilterErr', app: 'api' }, API]],
  ],
  ['__error__="" drops errored entries', '{app=~"api|db"} | json | __error__="" | keep app', [[{ app: 'api' }, API]]],
  ['line_format', '{app="api"} | json | line_format "{{.level | ToUpper}} {{.msg}} {{.user_name | default \\"-\\"}}" | keep app', [[{ app: 'api' }, ['ERROR boom ann', 'INFO ok bob', 'WARN missing -']]]],
  ['line_format __line__ and printf', '{app="web"} | line_format `{{ __line__ | len | printf "%03d" }}` ', [[web, ['057', '058']]]],
  [
    'label_format template and rename',
    '{app="web"} | logfmt | label_format lvl=level, sum="{{.status}}/{{.bytes}}" | keep lvl, sum',
    [
      [{ lvl: 'error', sum: '503/1500' }, [WEB[1]!]],
      [{ lvl: 'info', sum: '200/300' }, [WEB[0]!]],
    ],
  ],
  ['drop names and matchers', '{app="web"} | logfmt | drop msg, bytes, duration, level="info", status', [
    [{ ...web, level: 'error' }, [WEB[1]!]],
    [web, [WEB[0]!]],
  ]],
  ['keep with a matcher', '{app="web"} | logfmt | keep app, level="error"', [
    [{ app: 'web', level: 'error' }, [WEB[1]!]],
    [{ app: 'web' }, [WEB[0]!]],
  ]],
  ['decolorize strips ANSI escapes', '{app="color"} | decolorize', [[{ app: 'color' }, ['error done ok']]]],
  ['structured metadata is a label', '{app="meta"}', [
    [{ app: 'meta', trace_id: 'abc' }, ['with metadata']],
    [{ app: 'meta' }, ['without']],
  ]],
  ['structured metadata can be filtered', '{app="meta"} | trace_id="abc"', [[{ app: 'meta', trace_id: 'abc' }, ['with metadata']]]],
];

describe('LogQL log queries', () => {
  for (const [name, query, want] of cases) {
    it(name, () => {
      expect(run(query)).toEqual(want);
    });
  }

  it('limit takes the first entries over all streams in direction order', () => {
    expect(run('{env="prod"}', 2, 'forward')).toEqual([
      [api, [API[0]!]],
      [web, [WEB[0]!]],
    ]);
    expect(run('{env="prod"}', 2, 'backward')).toEqual([
      [api, [API[2]!]],
      [web, [WEB[1]!]],
    ]);
  });

  it('counts lines and bytes processed', () => {
    const stats = new QueryStats();
    evaluateLogQuery(fixture(), parseLogQL('{app="web"} |= "error"') as LogSelector, { start: { ms: T0, nanos: 0 }, end: { ms: T0 + 10_000, nanos: 0 }, limit: 100, direction: 'forward' }, stats);
    expect([stats.linesProcessed, stats.bytesProcessed, stats.entriesReturned]).toEqual([2, 115, 1]);
  });
});

describe('LogQL parsers on arbitrary lines', () => {
  const queries = [
    '{app="x"} | json',
    '{app="x"} | json a="b.c[0]", d="e"',
    '{app="x"} | logfmt',
    '{app="x"} | logfmt --strict --keep-empty',
    '{app="x"} | unpack',
    '{app="x"} | pattern "<a> <b> [<_>]"',
    '{app="x"} | regexp "(?P<w>\\\\w+)=(?P<v>\\\\S*)"',
    '{app="x"} | json | line_format "{{.a}} {{__line__}}" | label_format b="{{.c}}" | decolorize',
  ];
  const line = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.json({ maxDepth: 3 }),
    fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })), { maxLength: 5 }).map((kv) => kv.map(([k, v]) => `${k}=${v}`).join(' ')),
  );

  it('never throw, and every extracted label name is valid', () => {
    const compiled = queries.map((q) => parseLogQL(q) as LogSelector);
    fc.assert(
      fc.property(line, (l) => {
        const logs = new MemoryLogs().add({ app: 'x' }, [{ ms: T0 + 1, line: l }]);
        for (const e of compiled) {
          const res = evaluateLogQuery(logs, e, { start: { ms: T0, nanos: 0 }, end: { ms: T0 + 10, nanos: 0 }, limit: 10, direction: 'forward' }, new QueryStats());
          expect(res.length).toBe(1);
          for (let i = 0; i < res[0]!.labels.length; i += 2) expect(res[0]!.labels[i]).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('line_format template functions', () => {
  const cases: [string, string][] = [
    ['{{ .s | ToLower }}|{{ .s | lower }}|{{ .s | ToUpper }}|{{ .s | upper }}', ' hello world | hello world | HELLO WORLD | HELLO WORLD '],
    ['{{ .s | title }}', ' Hello World '],
    ['{{ .s | trim }}|{{ TrimSpace .s }}|{{ Trim .s " hd" }}', 'hello world|hello world|ello worl'],
    ['{{ trimPrefix " h" .s }}|{{ trimSuffix "d " .s }}|{{ TrimPrefix .s " h" }}|{{ TrimSuffix .s "d " }}', 'ello world | hello worl|ello world | hello worl'],
    ['{{ replace "o" "0" .s }}|{{ Replace .s "o" "0" 1 }}', ' hell0 w0rld | hell0 world '],
    ['{{ contains "wor" .s }} {{ hasPrefix " he" .s }} {{ hasSuffix "x" .s }}', 'true true false'],
    ['{{ regexReplaceAll "(l+)" .s "<$1>" }}', ' he<ll>o wor<l>d '],
    ['{{ regexReplaceAllLiteral "l+" .s "$1" }}', ' he$1o wor$1d '],
    ['{{ .missing | default "none" }}|{{ .n | default "none" }}', 'none|42'],
    ['{{ add .n 8 }} {{ sub .n 2 }} {{ mul .n 2 }} {{ div .n 5 }} {{ mod .n 5 }}', '50 40 84 8 2'],
    ['{{ addf .f 1 }} {{ subf .f 0.5 }} {{ mulf .f 2 }} {{ divf .f 2 }}', '2.5 1 3 0.75'],
    ['{{ max 1 .n 3 }} {{ min 1 .n 3 }} {{ ceil .f }} {{ floor .f }} {{ round .f 0 }}', '42 1 2 1 2'],
    ['{{ substr 1 4 .s }}|{{ trunc 3 .s }}|{{ repeat 2 "ab" }}|{{ count "l" .s }}', 'hel| he|abab|3'],
    ['{{ b64enc "hi" }} {{ b64dec "aGk=" }}', 'aGk= hi'],
    ['[{{ alignLeft 4 "ab" }}][{{ alignRight 4 "ab" }}][{{ alignLeft 1 "ab" }}]', '[ab  ][  ab][a]'],
    ['{{ __timestamp__ | unixEpoch }}', String(T0 / 1000 + 1)],
    ['{{ .n | int }} {{ .f | float64 }} {{ mul 1000000 1000000 }}', '42 1.5 1000000000000'],
  ];
  for (const [tmpl, want] of cases) {
    it(tmpl, () => {
      const logs = new MemoryLogs().add({ app: 't' }, [{ ms: T0 + 1000, line: 'x', metadata: { s: ' hello world ', n: '42', f: '1.5' } }]);
      const e = parseLogQL(`{app="t"} | line_format ${JSON.stringify(tmpl)}`) as LogSelector;
      const res = evaluateLogQuery(logs, e, { start: { ms: T0, nanos: 0 }, end: { ms: T0 + 10_000, nanos: 0 }, limit: 10, direction: 'forward' }, new QueryStats());
      expect(res[0]!.lines).toEqual([want]);
    });
  }

  it('a failing template sets TemplateFormatErr and keeps the line', () => {
    expect(run('{app="web"} | line_format "{{ .level | len | printf }}" | keep __error__')[0]![0]).toEqual({ __error__: 'TemplateFormatErr' });
  });
});
