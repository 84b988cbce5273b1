/**
 * Prometheus and Alertmanager template functions. Expected strings marked "promtool" were produced
 * by Prometheus 2.42 (`promtool test rules` printing the expanded annotations of a failing test).
 */
import { describe, expect, it } from 'vitest';
import {
  alertmanagerFuncs,
  GO_TYPE,
  GoDuration,
  GoTime,
  loadLocation,
  prometheusFuncs,
  Template,
} from '../../../src/template/index.js';

class AlertData {
  readonly [GO_TYPE] = 'struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }';
  constructor(
    public Labels: Record<string, string>,
    public ExternalLabels: Record<string, string>,
    public ExternalURL: string,
    public Value: number,
  ) {}
}

const DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';
const labels = { __name__: 'test_metric', job: 'api', instance: 'h1:9090' };
const funcs = prometheusFuncs({
  externalURL: 'http://prom.example:9090/prefix',
  query: (q) => (q === 'test_metric' ? [{ labels, value: 1234.5678 }] : []),
});

function expand(text: string): string {
  try {
    return new Template(funcs)
      .parse('__alert_A', DEFS + text)
      .execute('__alert_A', new AlertData(labels, {}, '', 1234.5678));
  } catch (e) {
    return `<error expanding template: ${(e as Error).message}>`;
  }
}

describe('Prometheus template functions', () => {
  it.each([
    ['{{ $value | humanize }}', '1.235k'],
    [
      '{{ humanize 1234567 }} {{ humanize 0.000012 }} {{ humanize 0 }} {{ humanize 999.99 }} {{ humanize -1500 }} {{ humanize "12345" }}',
      '1.235M 12u 0 1000 -1.5k 12.35k',
    ],
    ['{{ humanize1024 1048576 }} {{ humanize1024 1 }} {{ humanize1024 1500 }} {{ humanize1024 0.5 }}', '1Mi 1 1.465ki 0.5'],
    [
      '{{ humanizeDuration 90061 }} {{ humanizeDuration 0.25 }} {{ humanizeDuration 59.123456 }} {{ humanizeDuration -3700 }} {{ humanizeDuration 0 }}',
      '1d 1h 1m 1s 250ms 59.12s -1h 1m 40s 0s',
    ],
    [
      '{{ humanizePercentage 0.12345 }} {{ humanizeTimestamp 1435065584.128 }} {{ humanizeTimestamp 0 }}',
      '12.35% 2015-06-23 13:19:44.128 +0000 UTC 1970-01-01 00:00:00 +0000 UTC',
    ],
    ['{{ toUpper "abcß" }} {{ toLower "ABC" }}', 'ABCß abc'],
    ['{{ match "a.c" "xabcx" }} {{ reReplaceAll "(a)(b)" "$2$1" "abab" }} {{ reReplaceAll "x" "${1}y" "axb" }}', 'true baba ayb'],
    [
      '{{ stripPort "host:9090" }} {{ stripPort "[::1]:80" }} {{ stripPort "host" }} {{ stripDomain "a.b.c:80" }} {{ stripDomain "1.2.3.4:80" }} {{ stripDomain "a.b" }}',
      'host ::1 host a:80 1.2.3.4:80 a',
    ],
    [
      '{{ $labels.job }} {{ $value }} {{ .Value }} {{ .Labels.instance }} {{ $externalLabels.x }} [{{ $labels.missing }}] {{ printf "%.2f" $value }}',
      'api 1234.5678 1234.5678 h1:9090  [] 1234.57',
    ],
    [
      '{{ with query "test_metric" }}{{ . | first | value }} {{ . | first | label "job" }}{{ end }} {{ range query "test_metric" }}{{ .Labels.instance }}={{ .Value }};{{ end }}',
      '1234.5678 api h1:9090=1234.5678;',
    ],
    ['{{ args 1 "a" }} {{ (args 1 2).arg1 }} {{ $x := args }}{{ len $x }}', 'map[arg0:1 arg1:a] 2 0'],
    [
      '{{ .ExternalURL }} {{ .ExternalLabels }} {{ printf "%T" . }}',
      ' map[] struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }',
    ],
    ['{{ $value | humanize }}|{{ printf "%v" 1e6 }}|{{ query "nonexistent" | len }}', '1.235k|1e+06|0'],
    ['{{ parseDuration "1h30m" }} {{ toTime 1435065584.128 }}', '5400 2015-06-23 13:19:44.128 +0000 UTC'],
    [
      '{{ .Foo }}',
      '<error expanding template: template: __alert_A:1:115: executing "__alert_A" at <.Foo>: can\'t evaluate field Foo in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }>',
    ],
    [
      '{{ first (query "nonexistent") }}',
      '<error expanding template: template: __alert_A:1:115: executing "__alert_A" at <first (query "nonexistent")>: error calling first: first() called on vector with no elements>',
    ],
  ])('promtool: %s', (text, want) => {
    expect(expand(text)).toBe(want);
  });

  it('title-cases words as Prometheus 3.x (cases.Title, NoLower)', () => {
    expect(expand(`{{ title "hello wORLD foo-bar x_y don't 1st" }}`)).toBe("Hello WORLD Foo-Bar X_y Don't 1st");
  });

  it('builds links and URL parts', () => {
    expect(expand('{{ graphLink "up == 0" }} {{ tableLink "rate(x[5m])" }} {{ externalURL }} {{ pathPrefix }}')).toBe(
      '/graph?g0.expr=up+%3D%3D+0&g0.tab=0 /graph?g0.expr=rate%28x%5B5m%5D%29&g0.tab=1 http://prom.example:9090/prefix /prefix',
    );
  });

  it('sorts query results by label and rejects bad inputs', () => {
    const f = prometheusFuncs({
      externalURL: 'http://x',
      query: () => [
        { labels: { i: 'b' }, value: 2 },
        { labels: { i: 'a' }, value: 1 },
      ],
    });
    const t = new Template(f);
    expect(t.parse('x', '{{ range sortByLabel "i" (query "q") }}{{ .Labels.i }}{{ end }}').execute('x', null)).toBe('ab');
    expect(() => new Template(f).parse('x', '{{ humanize "abc" }}').execute('x', null)).toThrow(
      'error calling humanize: strconv.ParseFloat: parsing "abc": invalid syntax',
    );
    expect(() => new Template(f).parse('x', '{{ toUpper 1.5 }}').execute('x', null)).toThrow('expected string; found 1.5');
    expect(() => new Template(f).parse('x', '{{ humanizeTimestamp 1e300 }}').execute('x', null)).toThrow(
      'error calling humanizeTimestamp: 1e+300 cannot be represented as a nanoseconds timestamp since it overflows int64',
    );
  });

  it('tmpl executes another template of the set', () => {
    let t: Template;
    const f = prometheusFuncs({ externalURL: 'http://x', template: () => t });
    t = new Template(f).parse('main', '{{ define "sub" }}<{{ . }}>{{ end }}{{ tmpl "sub" 3 }}');
    expect(t.execute('main', null)).toBe('<3>');
  });
});

describe('Alertmanager template functions', () => {
  const am = alertmanagerFuncs({ now: () => Date.UTC(2024, 0, 1, 12, 0, 0) });
  const data = {
    StartsAt: GoTime.fromMs(Date.UTC(2024, 0, 1, 10, 29, 30, 500)),
    Labels: { alertname: 'Down', job: 'api' },
  };
  const run = (text: string) => new Template(am).parse('x', text).execute('x', data);

  it('formats and converts times', () => {
    expect(run('{{ date "2006-01-02 15:04:05 MST" .StartsAt }}')).toBe('2024-01-01 10:29:30 UTC');
    expect(run('{{ (tz "Europe/Berlin" .StartsAt).Format "15:04 MST -07:00" }}')).toBe('11:29 CET +01:00');
    expect(run('{{ .StartsAt | tz "America/New_York" | date "Jan _2 3:04PM" }}')).toBe('Jan  1 5:29AM');
    expect(run('{{ since .StartsAt }} {{ since .StartsAt | humanizeDuration }}')).toBe('1h30m29.5s 1h 30m 29s');
    expect(() => run('{{ tz "Nowhere/City" .StartsAt }}')).toThrow('error calling tz: unknown time zone Nowhere/City');
  });

  it('has the string helpers', () => {
    expect(run('{{ title "hELLO wORLD" }}|{{ trimSpace "  x \\n" }}|{{ join ", " (stringSlice "a" "b") }}|{{ toUpper "x" }}')).toBe(
      'Hello World|x|a, b|X',
    );
    expect(run('{{ toJson .Labels }} {{ toJson "<&>" }}')).toBe('{"alertname":"Down","job":"api"} "\\u003c\\u0026\\u003e"');
    expect(run('{{ match "^Do" .Labels.alertname }} {{ reReplaceAll "o+" "0" "foo boo" }} {{ safeHtml "<b>" }}')).toBe('true f0 b0 <b>');
  });
});

describe('Go time values', () => {
  const t = GoTime.fromMs(Date.UTC(2024, 0, 5, 13, 4, 5, 120));
  it.each([
    ['2006-01-02T15:04:05Z07:00', '2024-01-05T13:04:05Z'],
    ['Mon Jan _2 15:04:05 MST 2006', 'Fri Jan  5 13:04:05 UTC 2024'],
    ['3:04PM pm .000 .999 ,00 002 __2 _2006 06', '1:04PM pm .120 .12 ,12 005   5 _2024 24'],
    ['Monday January 1 2 15 03 4 5', 'Friday January 1 5 13 01 4 5'],
  ])('Format %s', (layout, want) => {
    expect(t.Format(layout)).toBe(want);
  });

  it('prints as Go time.Time in zones', () => {
    expect(t.String()).toBe('2024-01-05 13:04:05.12 +0000 UTC');
    expect(t.In(loadLocation('Asia/Kolkata')).String()).toBe('2024-01-05 18:34:05.12 +0530 IST');
    expect(GoTime.fromMs(Date.UTC(2024, 6, 1)).In(loadLocation('Europe/Berlin')).String()).toBe('2024-07-01 02:00:00 +0200 CEST');
    expect(t.In(loadLocation('Asia/Dubai')).Format('MST')).toBe('+04');
    expect(GoTime.zero().String()).toBe('0001-01-01 00:00:00 +0000 UTC');
    expect(GoTime.zero().IsZero()).toBe(true);
  });

  it('prints durations as Go time.Duration', () => {
    const ds: [bigint, string][] = [
      [0n, '0s'],
      [1n, '1ns'],
      [1500n, '1.5µs'],
      [1_500_000n, '1.5ms'],
      [1_500_000_000n, '1.5s'],
      [3_723_500_000_000n, '1h2m3.5s'],
      [-90_000_000_000n, '-1m30s'],
    ];
    for (const [ns, want] of ds) expect(new GoDuration(ns).String()).toBe(want);
  });
});
