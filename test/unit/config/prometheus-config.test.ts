import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/yaml.js';
import { globFiles, loadPrometheusConfig, parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { SHARED } from '../../support/shared.js';

const CONF = `${SHARED}/conformance/prometheus-config`;
const SEED = `${SHARED}/seed/configs/prometheus.yml`;

function parse(text: string) {
  return parsePrometheusConfig('/etc/lookout/prometheus.yml', text);
}

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('an empty file gets Prometheus defaults', () => {
    const c = parse('');
    expect(c.global.scrapeIntervalMs).toBe(60_000);
    expect(c.global.scrapeTimeoutMs).toBe(10_000);
    expect(c.global.evaluationIntervalMs).toBe(60_000);
    expect(c.global.externalLabels).toEqual({});
    expect(c.global.metricNameValidationScheme).toBe('utf8');
    expect(c.scrapeConfigs).toEqual([]);
    expect(c.ruleFiles).toEqual([]);
    expect(c.alerting).toEqual({ alertRelabelConfigs: [], alertmanagers: [] });
    expect(c.original).toBe('');
  });

  it('a job gets scrape defaults', () => {
    const sc = parse('scrape_configs:\n  - job_name: a\n').scrapeConfigs[0]!;
    expect(sc).toMatchObject({
      jobName: 'a',
      scrapeIntervalMs: 60_000,
      scrapeTimeoutMs: 10_000,
      metricsPath: '/metrics',
      scheme: 'http',
      honorLabels: false,
      honorTimestamps: true,
      trackTimestampsStaleness: false,
      enableCompression: true,
      sampleLimit: 0,
      bodySizeLimitBytes: 0,
      scrapeProtocols: ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'],
      fallbackScrapeProtocol: '',
      metricNameValidationScheme: 'utf8',
      metricNameEscapingScheme: 'allow-utf-8',
    });
    expect(sc.httpClientConfig.followRedirects).toBe(true);
    expect(sc.httpClientConfig.isDefault).toBe(true);
  });

  it('the scrape timeout defaults to min(global timeout, interval)', () => {
    const c = parse('global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 2s\n');
    expect(c.global.scrapeTimeoutMs).toBe(5000);
    expect(c.scrapeConfigs.map((s) => [s.scrapeIntervalMs, s.scrapeTimeoutMs])).toEqual([
      [5000, 5000],
      [2000, 2000],
    ]);
  });

  it('native histograms switch the default protocols to protobuf first', () => {
    const sc = parse('scrape_configs:\n  - job_name: a\n    scrape_native_histograms: true\n').scrapeConfigs[0]!;
    expect(sc.scrapeProtocols[0]).toBe('PrometheusProto');
  });
});

describe('conf.good.yml', () => {
  const c = loadPrometheusConfig(join(CONF, 'conf.good.yml'));

  it('global section', () => {
    expect(c.global).toMatchObject({
      scrapeIntervalMs: 15_000,
      scrapeTimeoutMs: 10_000,
      evaluationIntervalMs: 30_000,
      bodySizeLimitBytes: 15 * 1024 * 1024,
      sampleLimit: 1500,
      targetLimit: 30,
      labelLimit: 30,
      labelNameLengthLimit: 200,
      labelValueLengthLimit: 200,
      externalLabels: { monitor: 'codelab', foo: 'bar' },
      queryLogFile: join(CONF, 'query.log'),
      scrapeFailureLogFile: join(CONF, 'fail.log'),
    });
    expect(c.runtime.gogc).toBe(42);
    expect(c.ruleFiles).toEqual([join(CONF, 'first.rules'), join(CONF, 'my/*.rules')]);
  });

  it('first job inherits global limits and keeps its relabel rules', () => {
    const sc = c.scrapeConfigs[0]!;
    expect(sc).toMatchObject({
      jobName: 'prometheus',
      honorLabels: true,
      scrapeIntervalMs: 15_000,
      scrapeTimeoutMs: 10_000,
      fallbackScrapeProtocol: 'PrometheusText0.0.4',
      bodySizeLimitBytes: 15 * 1024 * 1024,
      sampleLimit: 1500,
      targetLimit: 30,
      scrapeFailureLogFile: join(CONF, 'fail_prom.log'),
    });
    expect(sc.serviceDiscovery.fileSdConfigs).toEqual([
      { files: [join(CONF, 'foo/*.slow.json'), join(CONF, 'foo/*.slow.yml'), join(CONF, 'single/file.yml')], refreshIntervalMs: 600_000 },
      { files: [join(CONF, 'bar/*.yaml')], refreshIntervalMs: 300_000 },
    ]);
    expect(sc.serviceDiscovery.staticConfigs).toEqual([
      { targets: [{ __address__: 'localhost:9090' }, { __address__: 'localhost:9191' }], labels: { my: 'label', your: 'label' }, source: '0' },
    ]);
    const r = sc.relabelConfigs[0]!;
    expect([r.sourceLabels, r.separator, r.regexSource, r.targetLabel, r.replacement, r.action]).toEqual([
      ['job', '__meta_dns_name'],
      ';',
      '(.*)some-[regex]',
      'job',
      'foo-${1}',
      'replace',
    ]);
    expect(sc.relabelConfigs[3]!.regexSource).toBe('');
    expect(sc.httpClientConfig.authorization).toEqual({ type: 'Bearer', credentials: '', credentialsFile: join(CONF, 'valid_token_file') });
    expect(sc.httpClientConfig.tlsConfig.minVersion).toBe('TLS10');
    expect(sc.httpClientConfig.httpHeaders.foo).toEqual({ values: ['foobar'], secrets: ['bar', 'foo'], files: [join(CONF, 'valid_password_file')] });
  });

  it('second job overrides limits, protocols, path and scheme', () => {
    const sc = c.scrapeConfigs[1]!;
    expect(sc).toMatchObject({
      jobName: 'service-x',
      scrapeIntervalMs: 50_000,
      scrapeTimeoutMs: 5000,
      scrapeProtocols: ['PrometheusText0.0.4'],
      bodySizeLimitBytes: 10 * 1024 * 1024,
      sampleLimit: 1000,
      targetLimit: 35,
      labelLimit: 35,
      metricsPath: '/my_path',
      scheme: 'https',
    });
    expect(sc.httpClientConfig.basicAuth).toEqual({ username: 'admin_name', usernameFile: '', password: 'multiline\nmysecret\ntest', passwordFile: '' });
    expect(sc.relabelConfigs.map((r) => r.action)).toEqual(['drop', 'hashmod', 'keep', 'labelmap', 'labeldrop', 'labelkeep']);
    expect(sc.relabelConfigs[1]!.modulus).toBe(8);
    expect(sc.serviceDiscovery.unsupported).toEqual(['dns']);
  });

  it('lists the discovery mechanisms Lookout does not run', () => {
    const byJob = Object.fromEntries(c.scrapeConfigs.map((s) => [s.jobName, s.serviceDiscovery.unsupported]));
    expect(byJob['service-kubernetes']).toEqual(['kubernetes']);
    expect(byJob.httpsd).toEqual([]);
    expect(c.scrapeConfigs.find((s) => s.jobName === 'httpsd')!.serviceDiscovery.httpSdConfigs[0]!.url).toBe('http://example.com/prometheus');
  });

  it('alerting, storage, tracing, remote sections', () => {
    expect(c.alerting.alertmanagers[0]).toMatchObject({
      scheme: 'https',
      targets: ['1.2.3.4:9093', '1.2.3.5:9093', '1.2.3.6:9093'],
      timeoutMs: 10_000,
      apiVersion: 'v2',
      pathPrefix: '',
    });
    expect(c.storage.tsdb).toEqual({
      outOfOrderTimeWindowMs: 1_800_000,
      staleSeriesCompactionThreshold: 0.5,
      chunkEncodingFloats: '',
      retention: { timeMs: 86_400_000, sizeBytes: 1024 ** 3, percentage: 28 },
    });
    expect(c.tracing).toMatchObject({ endpoint: 'localhost:4317', clientType: 'grpc', compression: 'gzip', timeoutMs: 5000 });
    expect(c.remoteWrite.map((r) => [r.url, r.name, r.protobufMessage])).toEqual([
      ['http://remote1/push', 'drop_expensive', 'prometheus.WriteRequest'],
      ['http://remote2/push', 'rw_tls', 'io.prometheus.write.v2.Request'],
    ]);
    expect(c.remoteRead.map((r) => [r.url, r.readRecent, r.requiredMatchers])).toEqual([
      ['http://remote1/read', true, {}],
      ['http://remote3/read', false, { job: 'special' }],
    ]);
  });
});

describe('seed configuration (the article)', () => {
  it('loads with its three jobs', () => {
    const c = loadPrometheusConfig(SEED);
    expect(c.global.scrapeIntervalMs).toBe(15_000);
    expect(c.global.evaluationIntervalMs).toBe(15_000);
    expect(c.global.externalLabels).toEqual({ monitor: 'app-monitor' });
    expect(c.scrapeConfigs.map((s) => [s.jobName, s.metricsPath, s.scrapeIntervalMs, s.serviceDiscovery.staticConfigs[0]!.targets])).toEqual([
      ['prometheus', '/metrics', 15_000, [{ __address__: 'localhost:9090' }]],
      ['application', '/metrics', 15_000, [{ __address__: 'app:5000' }]],
      ['node', '/metrics', 15_000, [{ __address__: 'node-exporter:9100' }]],
    ]);
    expect(c.alerting.alertmanagers[0]!.targets).toEqual(['alertmanager:9093']);
    expect(c.ruleFiles).toEqual([`${SHARED}/seed/configs/alerts.yml`]);
    expect(c.original).toBe(readFileSync(SEED, 'utf8'));
  });

  it("rejects the article's `retention: 360h` under global, pointing to the flag", () => {
    const text = readFileSync(SEED, 'utf8').replace('  evaluation_interval: 15s', '  evaluation_interval: 15s\n  retention: 360h');
    const e = errorOf(() => parsePrometheusConfig(SEED, text));
    expect(e.reason).toBe(
      'field retention not found in type config.plain (retention is not a prometheus.yml setting: set it with the --storage.tsdb.retention.time flag, e.g. --storage.tsdb.retention.time=360h)',
    );
    expect([e.line, e.column, e.field]).toEqual([8, 3, 'global.retention']);
    expect(e.message).toBe(`${SEED}:8:3: global.retention: ${e.reason}`);
  });
});

describe('validation', () => {
  it('case 09 A: a relabel rule with only source_labels is refused', () => {
    const e = errorOf(() => parse('scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: [__address__]\n'));
    expect(e.reason).toBe("relabel configuration for replace action requires 'target_label' value");
    expect([e.line, e.field]).toEqual([4, 'scrape_configs[0].relabel_configs[0]']);
  });

  it('case 09 B: a rule with target_label and replacement loads', () => {
    const sc = parse('scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {target_label: env, replacement: prod}\n').scrapeConfigs[0]!;
    expect(sc.relabelConfigs[0]).toMatchObject({ action: 'replace', targetLabel: 'env', replacement: 'prod', sourceLabels: [] });
  });

  it('refuses unknown fields with their position', () => {
    const e = errorOf(() => parse('scrape_configs:\n  - job_name: a\n    scrape_intervall: 5s\n'));
    expect(e.message).toBe('/etc/lookout/prometheus.yml:3:5: scrape_configs[0].scrape_intervall: field scrape_intervall not found in type config.ScrapeConfig');
  });

  it('refuses a timeout above the interval, duplicate jobs, bad durations and label names', () => {
    expect(errorOf(() => parse('global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n')).reason).toBe('global scrape timeout greater than scrape interval');
    expect(errorOf(() => parse('scrape_configs:\n  - job_name: a\n  - job_name: a\n')).reason).toBe('found multiple scrape configs with job name "a"');
    expect(errorOf(() => parse('global:\n  scrape_interval: 5x\n')).reason).toBe('not a valid duration string: "5x"');
    expect(errorOf(() => parse('global:\n  metric_name_validation_scheme: legacy\n  external_labels:\n    a-b: c\n')).reason).toBe(
      '"a-b" is not a valid label name',
    );
    expect(errorOf(() => parse('scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: Invalid\n')).reason).toBe(
      'unknown relabel action "Invalid"',
    );
  });

  it('accepts relabel actions in any case', () => {
    const sc = parse('scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - {action: LabelDrop, regex: x}\n').scrapeConfigs[0]!;
    expect(sc.relabelConfigs[0]!.action).toBe('labeldrop');
  });

  it('expands environment variables in external labels as upstream', () => {
    const saved = process.env.LOOKOUT_T;
    process.env.LOOKOUT_T = 'V';
    try {
      const c = parse('global:\n  external_labels:\n    a: ${LOOKOUT_T}\n    b: x$LOOKOUT_T.y\n    c: $$LOOKOUT_T\n    d: ${LOOKOUT_UNSET_VAR}z\n');
      expect(c.global.externalLabels).toEqual({ a: 'V', b: 'xV.y', c: '$LOOKOUT_T', d: 'z' });
    } finally {
      if (saved === undefined) delete process.env.LOOKOUT_T;
      else process.env.LOOKOUT_T = saved;
    }
  });
});

describe('scrape_config_files and globbing', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('merges jobs from matching files, paths relative to each file', () => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-cfg-'));
    mkdirSync(join(dir, 'jobs'));
    writeFileSync(join(dir, 'jobs', 'b.yml'), 'scrape_configs:\n  - job_name: b\n    file_sd_configs:\n      - files: [t.json]\n');
    writeFileSync(join(dir, 'jobs', 'a.yml'), 'scrape_configs:\n  - job_name: a2\n');
    writeFileSync(join(dir, 'jobs', 'skip.txt'), 'x');
    const main = join(dir, 'prometheus.yml');
    writeFileSync(main, 'scrape_config_files: [jobs/*.yml]\nscrape_configs:\n  - job_name: main\n');
    const c = loadPrometheusConfig(main);
    expect(c.scrapeConfigs.map((s) => s.jobName)).toEqual(['main', 'a2', 'b']);
    expect(c.scrapeConfigs[2]!.serviceDiscovery.fileSdConfigs[0]!.files).toEqual([join(dir, 'jobs', 't.json')]);
    expect(globFiles(join(dir, 'jobs', '[ab].yml'))).toEqual([join(dir, 'jobs', 'a.yml'), join(dir, 'jobs', 'b.yml')]);
    expect(globFiles(join(dir, 'jobs', '?.y*'))).toEqual([join(dir, 'jobs', 'a.yml'), join(dir, 'jobs', 'b.yml')]);
    expect(globFiles(join(dir, 'jobs', 'none*.yml'))).toEqual([]);
    expect(globFiles(join(dir, 'prometheus.yml'))).toEqual([main]);
  });

  it('reports an unreadable config file as a ConfigError', () => {
    const e = errorOf(() => loadPrometheusConfig('/nonexistent/prometheus.yml'));
    expect(e.reason.startsWith('cannot read config file: ')).toBe(true);
  });
});
