import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/yaml.js';
import { parsePromtailConfigText } from '../../../src/logs/files/config.js';
import type { PipelineEntry } from '../../../src/logs/files/stages.js';
import { compileTimestampFormat, TimestampFormatError } from '../../../src/logs/files/timestamp.js';
import { loadLocation } from '../../../src/template/gotime.js';

function entry(line: string, labels: Record<string, string> = {}): PipelineEntry {
  return { line, labels: new Map(Object.entries(labels)), extracted: new Map(Object.entries(labels)), time: null };
}

function pipelineOf(stages: string) {
  const cfg = parsePromtailConfigText(
    'promtail.yml',
    `scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: [localhost]\n        labels: {job: app, __path__: /tmp/x.log}\n    pipeline_stages:\n${stages}`,
  );
  return cfg.scrapeConfigs[0]!.pipeline;
}

function configError(text: string): ConfigError {
  try {
    parsePromtailConfigText('promtail.yml', text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('promtail config', () => {
  it('reads positions, clients, scrape configs and static labels', () => {
    const cfg = parsePromtailConfigText(
      'p.yml',
      `server:
  http_listen_port: 9080
  grpc_listen_port: 0
positions:
  filename: /tmp/positions.yaml
  sync_period: 5s
clients:
  - url: http://loki:3100/loki/api/v1/push
target_config:
  sync_period: 2s
scrape_configs:
  - job_name: system
    static_configs:
      - targets: [localhost]
        labels:
          job: varlogs
          __path__: /var/log/*.log
          __path_exclude__: /var/log/skip.log
`,
    );
    expect(cfg.positions).toEqual({ filename: '/tmp/positions.yaml', syncPeriodMs: 5000, ignoreInvalidYaml: false });
    expect(cfg.targetSyncPeriodMs).toBe(2000);
    expect(cfg.clientURLs).toEqual(['http://loki:3100/loki/api/v1/push']);
    expect(cfg.scrapeConfigs.map((s) => [s.jobName, s.staticConfigs])).toEqual([
      ['system', [{ targets: ['localhost'], labels: { job: 'varlogs', __path__: '/var/log/*.log', __path_exclude__: '/var/log/skip.log' } }]],
    ]);
    expect(cfg.scrapeConfigs[0]!.pipeline.empty).toBe(true);
  });

  it('refuses an unknown stage with file:line', () => {
    const e = configError(`scrape_configs:
  - job_name: app
    pipeline_stages:
      - json:
          expressions: {level: level}
      - docker: {}
`);
    expect(e.message).toBe(
      'promtail.yml:6:17: scrape_configs[0].pipeline_stages[1].docker: pipeline stage "docker" is not supported by Lookout (supported: json, regex, labels, static_labels, timestamp, output, match)',
    );
  });

  it('refuses unsupported scrape sources and unknown fields', () => {
    expect(configError(`scrape_configs:\n  - job_name: j\n    journal: {max_age: 12h}\n`).message).toBe(
      'promtail.yml:3:14: scrape_configs[0].journal: journal is not supported by Lookout (it tails local files from static_configs only)',
    );
    expect(configError(`scrape_configs:\n  - job_name: j\n    bogus: 1\n`).message).toBe(
      'promtail.yml:3:5: scrape_configs[0].bogus: field bogus not found in type scrapeconfig.Config',
    );
    expect(configError(`scrape_configs:\n  - job_name: j\n    static_configs:\n      - labels: {__path__: /var/log/**/*.log}\n`).message).toBe(
      'promtail.yml:4:17: scrape_configs[0].static_configs[0].labels: __path__: ** globs are not supported by Lookout (use one * per folder level)',
    );
    expect(configError(`scrape_configs:\n  - job_name: j\n  - job_name: j\n`).message).toBe(
      'promtail.yml:3:5: scrape_configs[1]: found multiple scrape configs with job name "j"',
    );
  });

  it('refuses bad stage fields at their line', () => {
    expect(configError(`scrape_configs:\n  - job_name: j\n    pipeline_stages:\n      - regex:\n          expression: "(?P<a>"\n`).message).toMatch(
      /^promtail\.yml:5:23: scrape_configs\[0\]\.pipeline_stages\[0\]\.regex\.expression: could not compile regular expression: /,
    );
    expect(configError(`scrape_configs:\n  - job_name: j\n    pipeline_stages:\n      - json:\n          expressions: {a: "items[?x]"}\n`).message).toBe(
      'promtail.yml:5:24: scrape_configs[0].pipeline_stages[0].json.expressions: unsupported JMESPath expression "items[?x]": Lookout supports field names, "quoted names" and [index] joined by dots',
    );
    expect(configError(`scrape_configs:\n  - job_name: j\n    pipeline_stages:\n      - timestamp: {source: t, format: "002 2006"}\n`).message).toBe(
      'promtail.yml:4:40: scrape_configs[0].pipeline_stages[0].timestamp.format: unsupported element "002" in timestamp layout "002 2006"',
    );
    expect(configError(`scrape_configs:\n  - job_name: j\n    pipeline_stages:\n      - match: {selector: '{a="b"} |= "x"', action: drop}\n`).message).toBe(
      'promtail.yml:4:27: scrape_configs[0].pipeline_stages[0].match.selector: invalid selector "{a=\\"b\\"} |= \\"x\\"": Lookout supports stream selectors {name="value", …} only',
    );
  });
});

describe('pipeline stages', () => {
  it('json + labels + timestamp + output, as promtail', () => {
    const p = pipelineOf(`      - json:
          expressions:
            level:
            msg: message
            user: ctx.user.name
            first: items[0]
            tags: tags
      - labels:
          level:
          who: user
      - timestamp:
          source: ts
          format: RFC3339Nano
      - json:
          expressions: {ts: time}
      - timestamp:
          source: ts
          format: RFC3339Nano
      - output:
          source: msg
`);
    const e = entry('{"level":"error","message":"boom","time":"2024-05-01T10:00:00.123456789Z","ctx":{"user":{"name":"ann"}},"items":[7,8],"tags":["a"]}', {
      job: 'app',
      filename: '/x.log',
    });
    expect(p.run(e)).toBe(true);
    expect(Object.fromEntries(e.labels)).toEqual({ job: 'app', filename: '/x.log', level: 'error', who: 'ann' });
    expect(e.extracted.get('first')).toBe('7');
    expect(e.extracted.get('tags')).toBe('["a"]');
    expect(e.line).toBe('boom');
    expect(e.time).toEqual({ ms: Date.UTC(2024, 4, 1, 10, 0, 0, 123), nanos: 456789 });
  });

  it('leaves a line that is not JSON alone, or drops it with drop_malformed', () => {
    const keep = pipelineOf(`      - json: {expressions: {level: level}}\n      - labels: {level: ""}\n`);
    const e = entry('plain text', { job: 'app' });
    expect(keep.run(e)).toBe(true);
    expect(Object.fromEntries(e.labels)).toEqual({ job: 'app' });
    const drop = pipelineOf(`      - json: {expressions: {level: level}, drop_malformed: true}\n`);
    expect(drop.run(entry('plain text'))).toBe(false);
  });

  it('regex with named groups, on the line or a source', () => {
    const p = pipelineOf(`      - regex:
          expression: '^(?P<ip>\\S+) \\S+ \\S+ \\[(?P<ts>[^\\]]+)\\] "(?P<method>\\w+) (?P<path>\\S+)'
      - regex:
          source: path
          expression: '^/api/(?P<resource>\\w+)'
      - labels: {method: "", resource: ""}
      - timestamp: {source: ts, format: "02/Jan/2006:15:04:05 -0700"}
`);
    const e = entry('10.0.0.1 - - [10/Oct/2023:13:55:36 -0700] "GET /api/orders/1 HTTP/1.1" 200 2326');
    expect(p.run(e)).toBe(true);
    expect(Object.fromEntries(e.labels)).toEqual({ method: 'GET', resource: 'orders' });
    expect(e.extracted.get('ip')).toBe('10.0.0.1');
    expect(e.time).toEqual({ ms: Date.UTC(2023, 9, 10, 20, 55, 36), nanos: 0 });
  });

  it('match runs its stages only on matching streams and can drop', () => {
    const p = pipelineOf(`      - match:
          selector: '{job="app", level=~"debug|trace"}'
          action: drop
      - match:
          selector: '{job="app"}'
          stages:
            - static_labels: {team: orders}
`);
    const debug = entry('x', { job: 'app', level: 'debug' });
    expect(p.run(debug)).toBe(false);
    const info = entry('x', { job: 'app', level: 'info' });
    expect(p.run(info)).toBe(true);
    expect(info.labels.get('team')).toBe('orders');
    const other = entry('x', { job: 'web' });
    expect(p.run(other)).toBe(true);
    expect(other.labels.has('team')).toBe(false);
  });

  it('timestamp fudge gives the last time plus 1 ns; skip leaves the read time', () => {
    const fudge = pipelineOf(`      - regex: {expression: '^(?P<ts>\\S+)'}\n      - timestamp: {source: ts, format: UnixMs}\n`);
    const a = entry('1700000000123 ok', { job: 'a' });
    fudge.run(a);
    const other = entry('1700000009999 ok', { job: 'b' });
    fudge.run(other);
    const b = entry('garbage next', { job: 'a' });
    fudge.run(b);
    const c = entry('garbage again', { job: 'a' });
    fudge.run(c);
    const d = entry('garbage new stream', { job: 'c' });
    fudge.run(d);
    expect([a.time, b.time, c.time, d.time]).toEqual([
      { ms: 1700000000123, nanos: 0 },
      { ms: 1700000000123, nanos: 1 },
      { ms: 1700000000123, nanos: 2 },
      null,
    ]);
    const skip = pipelineOf(`      - regex: {expression: '^(?P<ts>\\S+)'}\n      - timestamp: {source: ts, format: UnixMs, action_on_failure: skip}\n`);
    skip.run(entry('1700000000123 ok'));
    const skipped = entry('garbage');
    skip.run(skipped);
    expect(skipped.time).toBe(null);
  });
});

describe('timestamp formats', () => {
  const cases: [string, string, { ms: number; nanos: number } | null][] = [
    ['RFC3339', '2024-05-01T10:00:00Z', { ms: Date.UTC(2024, 4, 1, 10), nanos: 0 }],
    ['RFC3339', '2024-05-01T12:00:00.5+02:00', { ms: Date.UTC(2024, 4, 1, 10, 0, 0, 500), nanos: 0 }],
    ['RFC3339', '2024-05-01 10:00:00Z', null],
    ['RFC3339Nano', '2024-05-01T10:00:00.000000001Z', { ms: Date.UTC(2024, 4, 1, 10), nanos: 1 }],
    ['Unix', '1700000000', { ms: 1700000000000, nanos: 0 }],
    ['Unix', '1700000000.25', { ms: 1700000000250, nanos: 0 }],
    ['UnixMs', '1700000000123', { ms: 1700000000123, nanos: 0 }],
    ['UnixUs', '1700000000123456', { ms: 1700000000123, nanos: 456000 }],
    ['UnixNs', '1700000000123456789', { ms: 1700000000123, nanos: 456789 }],
    ['UnixMs', '17e5', null],
    ['RFC1123', 'Wed, 01 May 2024 10:00:00 UTC', { ms: Date.UTC(2024, 4, 1, 10), nanos: 0 }],
    ['RFC1123Z', 'Wed, 01 May 2024 10:00:00 -0100', { ms: Date.UTC(2024, 4, 1, 11), nanos: 0 }],
    ['ANSIC', 'Wed May  1 10:00:00 2024', { ms: Date.UTC(2024, 4, 1, 10), nanos: 0 }],
    ['2006-01-02 15:04:05.000', '2024-05-01 10:00:00.042', { ms: Date.UTC(2024, 4, 1, 10, 0, 0, 42), nanos: 0 }],
    ['2006-01-02 15:04:05.000', '2024-05-01 10:00:00.42', null],
    ['2006-01-02 03:04:05 PM', '2024-05-01 12:30:00 AM', { ms: Date.UTC(2024, 4, 1, 0, 30), nanos: 0 }],
    ['2006-01-02', '2024-02-30', null],
    ['06-1-2 15:04', '99-12-31 23:59', { ms: Date.UTC(1999, 11, 31, 23, 59), nanos: 0 }],
  ];
  it.each(cases)('%s parses %s', (format, value, want) => {
    expect(compileTimestampFormat(format).parse(value)).toEqual(want);
  });

  it('reads zone-less layouts in a location', () => {
    const p = compileTimestampFormat('2006-01-02 15:04:05', loadLocation('Europe/Berlin'));
    expect(p.parse('2024-07-01 12:00:00')).toEqual({ ms: Date.UTC(2024, 6, 1, 10), nanos: 0 });
    expect(p.parse('2024-01-01 12:00:00')).toEqual({ ms: Date.UTC(2024, 0, 1, 11), nanos: 0 });
  });

  it('refuses formats it cannot read', () => {
    expect(() => compileTimestampFormat('yyyy-MM-dd')).toThrow(new TimestampFormatError('timestamp format "yyyy-MM-dd" is neither a known format name nor a Go layout'));
  });
});
