/**
 * Fuzzing the YAML configuration loaders — prometheus.yml, alertmanager.yml, rule files, the
 * promtail config and the web config — with mutated valid files: each loads or throws a `ConfigError` (file:line:column),
 * never another exception.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseAlertmanagerConfig } from '../../src/config/alertmanager.js';
import { parsePrometheusConfig } from '../../src/config/prometheus.js';
import { parseRuleFile } from '../../src/config/rules.js';
import { ConfigError } from '../../src/config/yaml.js';
import { parsePromtailConfigText } from '../../src/logs/files/config.js';
import { parseWebConfig } from '../../src/web/web-config.js';
import { expectTypedOutcome, mutatedText, runs, sharedSeeds, FUZZ_TIMEOUT_MS } from './support.js';

const TOKENS = ['\n', '  ', '- ', ': ', ':', '#', '"', "'", '{', '}', '[', ']', ',', '&a ', '*a', '<<: *a', '!!binary ', '!!str ', '|\n', '>-\n', '~', 'null', 'true', '1e9', '-1', '0x10', '5m', '1h', '.*', '(', '\\', '\t', '---\n', '...\n', '%YAML 1.2\n', '\u00e9', '\ufeff'];

const PROMETHEUS = [
  'global:\n  scrape_interval: 15s\n  external_labels: {replica: a}\nrule_files: ["rules/*.yml"]\nalerting:\n  alertmanagers:\n    - static_configs: [{targets: ["localhost:9093"]}]\nscrape_configs:\n  - job_name: node\n    metrics_path: /metrics\n    basic_auth: {username: u, password: p}\n    static_configs:\n      - targets: ["localhost:9100"]\n        labels: {env: prod}\n    relabel_configs:\n      - source_labels: [__address__]\n        regex: "(.*):.*"\n        target_label: host\n        replacement: "$1"\n    metric_relabel_configs:\n      - action: labeldrop\n        regex: tmp_.*\n',
  'scrape_configs:\n  - job_name: files\n    file_sd_configs: [{files: ["targets/*.json"], refresh_interval: 1m}]\n    tls_config: {insecure_skip_verify: true}\n',
];
const ALERTMANAGER = [
  'global:\n  resolve_timeout: 5m\nroute:\n  receiver: default\n  group_by: [alertname]\n  routes:\n    - matchers: [severity="critical"]\n      receiver: pager\n      continue: true\n    - match_re: {service: "^(a|b)$"}\n      receiver: default\ninhibit_rules:\n  - source_matchers: [severity=critical]\n    target_matchers: [severity=warning]\n    equal: [alertname]\nreceivers:\n  - name: default\n    webhook_configs: [{url: "http://localhost:5001/"}]\n  - name: pager\n    email_configs: [{to: a@b.c, from: x@y.z, smarthost: "localhost:25"}]\n',
];
const RULES = [
  'groups:\n  - name: g\n    interval: 30s\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n      - alert: Down\n        expr: up == 0\n        for: 5m\n        keep_firing_for: 1m\n        labels: {severity: page}\n        annotations:\n          summary: "{{ $labels.job }} is down ({{ $value | humanize }})"\n',
];
const WEB = [
  'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS12\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\nhttp_server_config:\n  http2: false\n  headers: {X-Frame-Options: deny}\nbasic_auth_users:\n  alice: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\nrate_limit: {interval: 1s, burst: 10}\n',
];

const PROMTAIL = [
  'server: {http_listen_port: 0}\npositions: {filename: /tmp/positions.yaml}\nclients: [{url: "http://localhost:3100/loki/api/v1/push"}]\nscrape_configs:\n  - job_name: system\n    static_configs:\n      - targets: [localhost]\n        labels: {job: varlogs, __path__: "/var/log/*.log"}\n    pipeline_stages:\n      - regex: {expression: "^(?P<level>\\\\w+) (?P<msg>.*)$"}\n      - labels: {level: ""}\n      - json: {expressions: {user: user}}\n      - timestamp: {source: ts, format: RFC3339}\n      - drop: {expression: ".*debug.*"}\n',
];

const typed = (e: unknown) => e instanceof ConfigError;

describe('config fuzzing', { timeout: FUZZ_TIMEOUT_MS }, () => {
  it('prometheus.yml', () => {
    const input = mutatedText([...PROMETHEUS, ...sharedSeeds('prometheus-config', /\.yml$/, 6000).slice(0, 150)], TOKENS);
    fc.assert(fc.property(input, (s) => expectTypedOutcome(s, (t) => parsePrometheusConfig('/fuzz/prometheus.yml', t), typed)), runs(300));
  });

  it('alertmanager.yml', () => {
    const input = mutatedText([...ALERTMANAGER, ...sharedSeeds('alertmanager/config', /\.yml$/, 6000).slice(0, 80)], TOKENS);
    fc.assert(fc.property(input, (s) => expectTypedOutcome(s, (t) => parseAlertmanagerConfig(t, '/fuzz/alertmanager.yml'), typed)), runs(300));
  });

  it('rule files', () => {
    const input = mutatedText([...RULES, ...sharedSeeds('rulefmt', /\.yaml$/, 6000)], [...TOKENS, '{{', '}}', '$labels', 'sum(', 'up ==']);
    fc.assert(fc.property(input, (s) => expectTypedOutcome(s, (t) => parseRuleFile('/fuzz/rules.yml', t), typed)), runs(300));
  });

  it('promtail config', () => {
    const input = mutatedText(PROMTAIL, [...TOKENS, 'pipeline_stages:', '- match: ', 'selector: ', '{job="a"}', 'stage: ', 'multiline: ']);
    fc.assert(fc.property(input, (s) => expectTypedOutcome(s, (t) => parsePromtailConfigText('/fuzz/promtail.yml', t), typed)), runs(300));
  });

  it('web config', () => {
    const input = mutatedText(WEB, [...TOKENS, 'TLS13', 'TLS9', 'NoClientCert', 'cert: ', 'key: ', 'X-XSS-Protection: ']);
    fc.assert(fc.property(input, (s) => expectTypedOutcome(s, (t) => parseWebConfig('/fuzz/web.yml', t), typed)), runs(300));
  });
});
