/**
 * prometheus.yml loader: YAML → typed, validated {@link PrometheusConfig}, with Prometheus 3.x's
 * defaults, validation rules and error texts (`config/config.go` upstream). Unknown fields are
 * errors (`field X not found in type T`), every error is a {@link ConfigError} located at
 * file:line:column and field path.
 *
 * Durations are integer milliseconds (`scrapeIntervalMs`), sizes bytes. Relative paths in the file
 * (rule files, file_sd files, TLS and password files, scrape_config_files) are joined with the
 * config file's directory, as upstream's `SetDirectory`. `scrape_config_files` are read and merged
 * into `scrapeConfigs` at load time.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseRelabelConfigs, type RelabelConfig } from './relabel.js';
import { ConfigError, loadYaml, type YNode } from './yaml.js';
import { globFiles } from './prometheus/glob.js';
import { HTTP_CLIENT_FIELDS, parseHTTPClientConfig, type HTTPClientConfig } from './prometheus/http.js';
import {
  parseOTLP,
  parseRemoteRead,
  parseRemoteWrite,
  parseStorage,
  parseTracing,
  type OTLPConfig,
  type RemoteReadConfig,
  type RemoteWriteConfig,
  type StorageConfig,
  type TracingConfig,
} from './prometheus/other.js';
import { parseServiceDiscovery, SD_FIELDS, type ServiceDiscoveryConfigs } from './prometheus/sd.js';
import { expandEnv, isValidLabelNameFor, joinDir, parseBase2Bytes, type NameValidationScheme } from './prometheus/values.js';

export { globFiles } from './prometheus/glob.js';
export type { HTTPClientConfig, BasicAuth, Authorization, TLSConfig, HeaderValues } from './prometheus/http.js';
export type { TargetGroup, FileSDConfig, HTTPSDConfig, ServiceDiscoveryConfigs } from './prometheus/sd.js';
export type { RemoteWriteConfig, RemoteReadConfig, StorageConfig, TracingConfig, OTLPConfig } from './prometheus/other.js';
export type { NameValidationScheme } from './prometheus/values.js';
export type { RelabelConfig } from './relabel.js';

/** Scrape protocols a target may be asked for (`scrape_protocols`), as upstream. */
export type ScrapeProtocol = 'PrometheusProto' | 'PrometheusText0.0.4' | 'PrometheusText1.0.0' | 'OpenMetricsText0.0.1' | 'OpenMetricsText1.0.0';

/** The media type each scrape protocol stands for in the `Accept` header (upstream `ScrapeProtocolsHeaders`). */
export const SCRAPE_PROTOCOL_HEADERS: Readonly<Record<ScrapeProtocol, string>> = {
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
};

/** Protocols asked for by default, most preferred first. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'];
/** Protocols asked for when native histograms are scraped (protobuf first). */
export const PROTO_FIRST_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['PrometheusProto', ...DEFAULT_SCRAPE_PROTOCOLS];

/** Metric name escaping schemes (`metric_name_escaping_scheme`). */
export type EscapingScheme = 'allow-utf-8' | 'underscores' | 'dots' | 'values';
const ESCAPING_SCHEMES: readonly EscapingScheme[] = ['allow-utf-8', 'underscores', 'dots', 'values'];

/** `global`. Durations in ms, sizes in bytes; limits 0 mean none. */
export interface GlobalConfig {
  /** Default 1m. */
  scrapeIntervalMs: number;
  /** Default min(10s, scrape interval). */
  scrapeTimeoutMs: number;
  /** Null when not set: each job then picks its default from `scrape_native_histograms`. */
  scrapeProtocols: ScrapeProtocol[] | null;
  /** Default 1m. */
  evaluationIntervalMs: number;
  ruleQueryOffsetMs: number;
  queryLogFile: string;
  scrapeFailureLogFile: string;
  /** After `$VAR` expansion from the environment, as upstream. */
  externalLabels: Record<string, string>;
  bodySizeLimitBytes: number;
  sampleLimit: number;
  targetLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  keepDroppedTargets: number;
  /** Default `utf8`. */
  metricNameValidationScheme: NameValidationScheme;
  /** `''` when not set (derived per job). */
  metricNameEscapingScheme: EscapingScheme | '';
  scrapeNativeHistograms: boolean;
  convertClassicHistogramsToNhcb: boolean;
  alwaysScrapeClassicHistograms: boolean;
  extraScrapeMetrics: boolean;
}

/** One `scrape_configs` entry after defaults and global values were applied. */
export interface ScrapeConfig {
  jobName: string;
  honorLabels: boolean;
  honorTimestamps: boolean;
  trackTimestampsStaleness: boolean;
  /** URL query parameters sent with each scrape. */
  params: Record<string, string[]>;
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  scrapeProtocols: ScrapeProtocol[];
  /** Used when a target sends a missing or unknown Content-Type; `''` for none. */
  fallbackScrapeProtocol: ScrapeProtocol | '';
  scrapeNativeHistograms: boolean;
  alwaysScrapeClassicHistograms: boolean;
  convertClassicHistogramsToNhcb: boolean;
  scrapeFailureLogFile: string;
  /** Default `/metrics`. */
  metricsPath: string;
  /** Default `http`. */
  scheme: string;
  /** Ask for gzip (default true). */
  enableCompression: boolean;
  bodySizeLimitBytes: number;
  sampleLimit: number;
  targetLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  nativeHistogramBucketLimit: number;
  nativeHistogramMinBucketFactor: number;
  keepDroppedTargets: number;
  metricNameValidationScheme: NameValidationScheme;
  metricNameEscapingScheme: EscapingScheme;
  extraScrapeMetrics: boolean;
  httpClientConfig: HTTPClientConfig;
  serviceDiscovery: ServiceDiscoveryConfigs;
  relabelConfigs: RelabelConfig[];
  metricRelabelConfigs: RelabelConfig[];
}

/** One `alerting.alertmanagers` entry. */
export interface AlertmanagerConfig {
  /** Addresses from `static_configs`, in order (`host:port`). */
  targets: string[];
  serviceDiscovery: ServiceDiscoveryConfigs;
  /** Default `http`. */
  scheme: string;
  pathPrefix: string;
  /** Default 10s. */
  timeoutMs: number;
  /** Only `v2` is supported, as upstream 3.x. */
  apiVersion: 'v2';
  httpClientConfig: HTTPClientConfig;
  relabelConfigs: RelabelConfig[];
  alertRelabelConfigs: RelabelConfig[];
}

/** `alerting`. */
export interface AlertingConfig {
  alertRelabelConfigs: RelabelConfig[];
  alertmanagers: AlertmanagerConfig[];
}

/** A loaded prometheus.yml. */
export interface PrometheusConfig {
  global: GlobalConfig;
  runtime: { gogc: number };
  /** Rule file patterns (globs allowed in the last path element), joined with the config file's directory. */
  ruleFiles: string[];
  /** `scrape_config_files` patterns, joined with the config file's directory. */
  scrapeConfigFiles: string[];
  /** Jobs of the file followed by those of `scrape_config_files`, in file order. */
  scrapeConfigs: ScrapeConfig[];
  alerting: AlertingConfig;
  storage: StorageConfig;
  tracing: TracingConfig | null;
  remoteWrite: RemoteWriteConfig[];
  remoteRead: RemoteReadConfig[];
  otlp: OTLPConfig;
  /** Raw text of the file (for /api/v1/status/config). */
  original: string;
}

const TOP_FIELDS = ['global', 'runtime', 'alerting', 'rule_files', 'scrape_config_files', 'scrape_configs', 'storage', 'tracing', 'remote_write', 'remote_read', 'otlp'];
const GLOBAL_FIELDS = [
  'scrape_interval',
  'scrape_timeout',
  'scrape_protocols',
  'evaluation_interval',
  'rule_query_offset',
  'query_log_file',
  'scrape_failure_log_file',
  'external_labels',
  'body_size_limit',
  'sample_limit',
  'target_limit',
  'label_limit',
  'label_name_length_limit',
  'label_value_length_limit',
  'keep_dropped_targets',
  'metric_name_validation_scheme',
  'metric_name_escaping_scheme',
  'scrape_native_histograms',
  'convert_classic_histograms_to_nhcb',
  'always_scrape_classic_histograms',
  'extra_scrape_metrics',
];
const SCRAPE_FIELDS = [
  'job_name',
  'honor_labels',
  'honor_timestamps',
  'track_timestamps_staleness',
  'params',
  'scrape_interval',
  'scrape_timeout',
  'scrape_protocols',
  'fallback_scrape_protocol',
  'scrape_native_histograms',
  'always_scrape_classic_histograms',
  'convert_classic_histograms_to_nhcb',
  'scrape_failure_log_file',
  'metrics_path',
  'scheme',
  'enable_compression',
  'body_size_limit',
  'sample_limit',
  'target_limit',
  'label_limit',
  'label_name_length_limit',
  'label_value_length_limit',
  'native_histogram_bucket_limit',
  'native_histogram_min_bucket_factor',
  'keep_dropped_targets',
  'metric_name_validation_scheme',
  'metric_name_escaping_scheme',
  'extra_scrape_metrics',
  'relabel_configs',
  'metric_relabel_configs',
  ...HTTP_CLIENT_FIELDS,
  ...SD_FIELDS,
];
const ALERTMANAGER_FIELDS = [
  'sigv4',
  'scheme',
  'path_prefix',
  'timeout',
  'api_version',
  'relabel_configs',
  'alert_relabel_configs',
  ...HTTP_CLIENT_FIELDS,
  ...SD_FIELDS,
];
/** Rule and scrape-config file patterns: a `*` only in the last path element (upstream `patRulePath`). */
const PAT_RULE_PATH = /^[^*]*(\*[^/]*)?$/;
const RETENTION_HINT =
  ' (retention is not a prometheus.yml setting: set it with the --storage.tsdb.retention.time flag, e.g. --storage.tsdb.retention.time=360h)';

/**
 * Reads and parses a prometheus.yml file.
 * @throws {ConfigError} for unreadable files (line 0) and every invalid setting
 */
export function loadPrometheusConfig(file: string): PrometheusConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, 0, 0, '', `cannot read config file: ${(e as Error).message}`);
  }
  return parsePrometheusConfig(file, text);
}

/**
 * Parses prometheus.yml text; `file` names it in errors and its directory anchors relative paths
 * (files named by `scrape_config_files` are read from disk).
 * @throws {ConfigError}
 */
export function parsePrometheusConfig(file: string, text: string): PrometheusConfig {
  const dir = dirname(resolve(file));
  const root = loadYaml(file, text);
  const top = root.map(TOP_FIELDS, 'config.plain');
  const global = parseGlobal(top.global, dir);
  const ruleFiles = patterns(top.rule_files, 'invalid rule file path');
  const scrapeConfigFiles = patterns(top.scrape_config_files, 'invalid scrape config file path');
  const scrapeConfigs: ScrapeConfig[] = [];
  const firstSeen = new Map<string, string>();
  for (const item of top.scrape_configs?.seq() ?? []) {
    const sc = parseScrapeConfig(item, global, dir);
    if (firstSeen.has(sc.jobName)) throw item.error(`found multiple scrape configs with job name ${JSON.stringify(sc.jobName)}`);
    firstSeen.set(sc.jobName, 'main config file');
    scrapeConfigs.push(sc);
  }
  const runtime = { gogc: 75 };
  if (top.runtime) {
    const r = top.runtime.map(['gogc'], 'config.plain');
    if (r.gogc && !r.gogc.isNull) runtime.gogc = r.gogc.number();
  }
  const cfg: PrometheusConfig = {
    global,
    runtime,
    ruleFiles: ruleFiles.map((p) => joinDir(dir, p)),
    scrapeConfigFiles: scrapeConfigFiles.map((p) => joinDir(dir, p)),
    scrapeConfigs,
    alerting: parseAlerting(top.alerting, global.metricNameValidationScheme, dir),
    storage: parseStorage(top.storage),
    tracing: parseTracing(top.tracing, dir),
    remoteWrite: parseRemoteWrite(top.remote_write, dir, global.metricNameValidationScheme),
    remoteRead: parseRemoteRead(top.remote_read, dir),
    otlp: parseOTLP(top.otlp, global.metricNameValidationScheme),
    original: text,
  };
  for (const pattern of cfg.scrapeConfigFiles) {
    for (const f of globFiles(pattern)) cfg.scrapeConfigs.push(...loadScrapeConfigFile(f, global, firstSeen));
  }
  return cfg;
}

function patterns(node: YNode | undefined, message: string): string[] {
  const out = node?.strings() ?? [];
  for (const [i, p] of out.entries()) if (!PAT_RULE_PATH.test(p)) throw node!.seq()[i]!.error(`${message} ${JSON.stringify(p)}`);
  return out;
}

function loadScrapeConfigFile(file: string, global: GlobalConfig, firstSeen: Map<string, string>): ScrapeConfig[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, 0, 0, '', `cannot read scrape config file: ${(e as Error).message}`);
  }
  const top = loadYaml(file, text).map(['scrape_configs'], 'config.ScrapeConfigs');
  const out: ScrapeConfig[] = [];
  for (const item of top.scrape_configs?.seq() ?? []) {
    const sc = parseScrapeConfig(item, global, dirname(file));
    const first = firstSeen.get(sc.jobName);
    if (first !== undefined) {
      throw item.error(`found multiple scrape configs with job name ${JSON.stringify(sc.jobName)}, first found in ${first}`);
    }
    firstSeen.set(sc.jobName, JSON.stringify(resolve(file)));
    out.push(sc);
  }
  return out;
}

function parseGlobal(node: YNode | undefined, dir: string): GlobalConfig {
  let m: Record<string, YNode> = {};
  if (node) {
    try {
      m = node.map(GLOBAL_FIELDS, 'config.plain');
    } catch (e) {
      if (e instanceof ConfigError && /^field retention(_time)? not found/.test(e.reason)) {
        throw new ConfigError(e.file, e.line, e.column, e.field, e.reason + RETENTION_HINT);
      }
      throw e;
    }
  }
  const scheme = validationScheme(m.metric_name_validation_scheme) || 'utf8';
  const externalLabels: Record<string, string> = {};
  if (m.external_labels) {
    for (const [name, v] of Object.entries(m.external_labels.map(null))) {
      if (!isValidLabelNameFor(scheme, name)) throw v.error(`${JSON.stringify(name)} is not a valid label name`);
      externalLabels[name] = v.str();
    }
  }
  const intervalMs = positiveDuration(m.scrape_interval) || 60_000;
  let timeoutMs = positiveDuration(m.scrape_timeout);
  if (timeoutMs > intervalMs) throw node!.error('global scrape timeout greater than scrape interval');
  if (timeoutMs === 0) timeoutMs = Math.min(10_000, intervalMs);
  const g: GlobalConfig = {
    scrapeIntervalMs: intervalMs,
    scrapeTimeoutMs: timeoutMs,
    scrapeProtocols: m.scrape_protocols ? scrapeProtocols(m.scrape_protocols, 'for global config') : null,
    evaluationIntervalMs: positiveDuration(m.evaluation_interval) || 60_000,
    ruleQueryOffsetMs: positiveDuration(m.rule_query_offset),
    queryLogFile: joinDir(dir, m.query_log_file?.str() ?? ''),
    scrapeFailureLogFile: joinDir(dir, m.scrape_failure_log_file?.str() ?? ''),
    externalLabels: Object.fromEntries(Object.entries(externalLabels).map(([k, v]) => [k, expandEnv(v)])),
    bodySizeLimitBytes: bytes(m.body_size_limit),
    sampleLimit: uint(m.sample_limit),
    targetLimit: uint(m.target_limit),
    labelLimit: uint(m.label_limit),
    labelNameLengthLimit: uint(m.label_name_length_limit),
    labelValueLengthLimit: uint(m.label_value_length_limit),
    keepDroppedTargets: uint(m.keep_dropped_targets),
    metricNameValidationScheme: scheme,
    metricNameEscapingScheme: escapingScheme(m.metric_name_escaping_scheme, 'global'),
    scrapeNativeHistograms: bool(m.scrape_native_histograms, false),
    convertClassicHistogramsToNhcb: bool(m.convert_classic_histograms_to_nhcb, false),
    alwaysScrapeClassicHistograms: bool(m.always_scrape_classic_histograms, false),
    extraScrapeMetrics: bool(m.extra_scrape_metrics, false),
  };
  return g;
}

function parseScrapeConfig(node: YNode, global: GlobalConfig, dir: string): ScrapeConfig {
  if (node.isNull) throw node.error('empty or null scrape config section');
  const m = node.map(SCRAPE_FIELDS, 'config.ScrapeConfig');
  const localScheme = validationScheme(m.metric_name_validation_scheme);
  const scheme: NameValidationScheme = localScheme || global.metricNameValidationScheme;
  const serviceDiscovery = parseServiceDiscovery(m, dir, scheme);
  const jobName = m.job_name?.str() ?? '';
  if (jobName === '') throw node.error('job_name is empty');
  const httpClientConfig = parseHTTPClientConfig(m, node, dir);
  const relabelConfigs = parseRelabelConfigs(m.relabel_configs, 'empty or null target relabeling rule in scrape config', scheme);
  const metricRelabelConfigs = parseRelabelConfigs(m.metric_relabel_configs, 'empty or null metric relabeling rule in scrape config', scheme);
  if (relabelConfigs.length === 0) {
    for (const tg of serviceDiscovery.staticConfigs) {
      for (const t of tg.targets) {
        if (t.__address__!.includes('/')) throw (m.static_configs ?? node).error(`${JSON.stringify(t.__address__)} is not a valid hostname`);
      }
    }
  }
  const job = JSON.stringify(jobName);
  const intervalMs = positiveDuration(m.scrape_interval) || global.scrapeIntervalMs;
  let timeoutMs = positiveDuration(m.scrape_timeout);
  if (timeoutMs > intervalMs) throw node.error(`scrape timeout greater than scrape interval for scrape config with job name ${job}`);
  if (timeoutMs === 0) timeoutMs = Math.min(global.scrapeTimeoutMs, intervalMs);
  const nativeHistograms = bool(m.scrape_native_histograms, global.scrapeNativeHistograms);
  const protocols = m.scrape_protocols
    ? scrapeProtocols(m.scrape_protocols, `for scrape config with job name ${job}`)
    : (global.scrapeProtocols ?? [...(nativeHistograms ? PROTO_FIRST_SCRAPE_PROTOCOLS : DEFAULT_SCRAPE_PROTOCOLS)]);
  let fallback: ScrapeProtocol | '' = '';
  if (m.fallback_scrape_protocol) {
    const raw = m.fallback_scrape_protocol.str();
    if (raw !== '') {
      if (!(raw in SCRAPE_PROTOCOL_HEADERS)) {
        throw m.fallback_scrape_protocol.error(`invalid fallback_scrape_protocol for scrape config with job name ${job}: ${unknownProtocol(raw)}`);
      }
      fallback = raw as ScrapeProtocol;
    }
  }
  let escaping = escapingScheme(m.metric_name_escaping_scheme, 'scrape config');
  if (escaping === '') {
    if (!localScheme) escaping = global.metricNameEscapingScheme || (global.metricNameValidationScheme === 'legacy' ? 'underscores' : 'allow-utf-8');
    else escaping = scheme === 'legacy' ? 'underscores' : 'allow-utf-8';
  }
  if (escaping === 'allow-utf-8' && scheme !== 'utf8') throw node.error('utf8 metric names requested but validation scheme is not set to UTF8');
  const params: Record<string, string[]> = {};
  if (m.params) for (const [k, v] of Object.entries(m.params.map(null))) params[k] = v.strings();
  return {
    jobName,
    honorLabels: bool(m.honor_labels, false),
    honorTimestamps: bool(m.honor_timestamps, true),
    trackTimestampsStaleness: bool(m.track_timestamps_staleness, false),
    params,
    scrapeIntervalMs: intervalMs,
    scrapeTimeoutMs: timeoutMs,
    scrapeProtocols: protocols,
    fallbackScrapeProtocol: fallback,
    scrapeNativeHistograms: nativeHistograms,
    alwaysScrapeClassicHistograms: bool(m.always_scrape_classic_histograms, global.alwaysScrapeClassicHistograms),
    convertClassicHistogramsToNhcb: bool(m.convert_classic_histograms_to_nhcb, global.convertClassicHistogramsToNhcb),
    scrapeFailureLogFile: joinDir(dir, m.scrape_failure_log_file?.str() || global.scrapeFailureLogFile),
    metricsPath: m.metrics_path?.str() || '/metrics',
    scheme: m.scheme?.str() || 'http',
    enableCompression: bool(m.enable_compression, true),
    bodySizeLimitBytes: bytes(m.body_size_limit) || global.bodySizeLimitBytes,
    sampleLimit: uint(m.sample_limit) || global.sampleLimit,
    targetLimit: uint(m.target_limit) || global.targetLimit,
    labelLimit: uint(m.label_limit) || global.labelLimit,
    labelNameLengthLimit: uint(m.label_name_length_limit) || global.labelNameLengthLimit,
    labelValueLengthLimit: uint(m.label_value_length_limit) || global.labelValueLengthLimit,
    nativeHistogramBucketLimit: uint(m.native_histogram_bucket_limit),
    nativeHistogramMinBucketFactor: m.native_histogram_min_bucket_factor ? m.native_histogram_min_bucket_factor.number() : 0,
    keepDroppedTargets: uint(m.keep_dropped_targets) || global.keepDroppedTargets,
    metricNameValidationScheme: scheme,
    metricNameEscapingScheme: escaping,
    extraScrapeMetrics: bool(m.extra_scrape_metrics, global.extraScrapeMetrics),
    httpClientConfig,
    serviceDiscovery,
    relabelConfigs,
    metricRelabelConfigs,
  };
}

function parseAlerting(node: YNode | undefined, scheme: NameValidationScheme, dir: string): AlertingConfig {
  const out: AlertingConfig = { alertRelabelConfigs: [], alertmanagers: [] };
  if (!node) return out;
  const m = node.map(['alert_relabel_configs', 'alertmanagers'], 'config.plain');
  out.alertRelabelConfigs = parseRelabelConfigs(m.alert_relabel_configs, 'empty or null alert relabeling rule', scheme);
  for (const item of m.alertmanagers?.seq() ?? []) {
    const a = item.map(ALERTMANAGER_FIELDS, 'config.AlertmanagerConfig');
    const sd = parseServiceDiscovery(a, dir, scheme);
    const http = parseHTTPClientConfig(a, item, dir);
    if ((http.basicAuth || http.authorization || http.oauth2) && a.sigv4 && !a.sigv4.isNull) {
      throw item.error('at most one of basic_auth, authorization, oauth2, & sigv4 must be configured');
    }
    const relabelConfigs = parseRelabelConfigs(a.relabel_configs, 'empty or null Alertmanager target relabeling rule', scheme);
    const targets = sd.staticConfigs.flatMap((tg) => tg.targets.map((t) => t.__address__!));
    if (relabelConfigs.length === 0) {
      const bad = targets.find((t) => t.includes('/'));
      if (bad !== undefined) throw item.error(`${JSON.stringify(bad)} is not a valid hostname`);
    }
    const apiVersion = a.api_version?.str() || 'v2';
    if (apiVersion !== 'v2') throw a.api_version!.error(`expected Alertmanager api version to be one of [v2] but got ${apiVersion}`);
    out.alertmanagers.push({
      targets,
      serviceDiscovery: sd,
      scheme: a.scheme?.str() || 'http',
      pathPrefix: a.path_prefix?.str() ?? '',
      timeoutMs: positiveDuration(a.timeout) || 10_000,
      apiVersion: 'v2',
      httpClientConfig: http,
      relabelConfigs,
      alertRelabelConfigs: parseRelabelConfigs(a.alert_relabel_configs, 'empty or null Alertmanager alert relabeling rule', scheme),
    });
  }
  return out;
}

function validationScheme(n: YNode | undefined): NameValidationScheme | '' {
  const v = n?.str() ?? '';
  if (v === '' || v === 'utf8' || v === 'legacy') return v;
  throw n!.error(`unrecognized ValidationScheme: ${JSON.stringify(v)}`);
}

function escapingScheme(n: YNode | undefined, where: string): EscapingScheme | '' {
  const v = n?.str() ?? '';
  if (v === '' || (ESCAPING_SCHEMES as readonly string[]).includes(v)) return v as EscapingScheme | '';
  throw n!.error(`unknown ${where} name escaping method specified, must be one of 'allow-utf-8', 'underscores', 'dots', or 'values', got ${JSON.stringify(v)}`);
}

function unknownProtocol(p: string): string {
  return `unknown scrape protocol ${p}, supported: [${Object.keys(SCRAPE_PROTOCOL_HEADERS).sort().join(' ')}]`;
}

function scrapeProtocols(n: YNode, where: string): ScrapeProtocol[] {
  const list = n.strings();
  if (list.length === 0) throw n.error(`scrape_protocols cannot be empty ${where}`);
  const seen = new Set<string>();
  for (const p of list) {
    if (seen.has(p.toLowerCase())) throw n.error(`duplicated protocol in scrape_protocols, got [${list.join(' ')}] ${where}`);
    if (!(p in SCRAPE_PROTOCOL_HEADERS)) throw n.error(`scrape_protocols: ${unknownProtocol(p)} ${where}`);
    seen.add(p.toLowerCase());
  }
  return list as ScrapeProtocol[];
}

/** A duration field, 0 when absent (upstream treats 0 as "not set"). */
function positiveDuration(n: YNode | undefined): number {
  return n && !n.isNull ? n.duration() : 0;
}

function uint(n: YNode | undefined): number {
  return n && !n.isNull ? n.uint() : 0;
}

function bool(n: YNode | undefined, def: boolean): boolean {
  return n && !n.isNull ? n.bool() : def;
}

function bytes(n: YNode | undefined): number {
  if (!n || n.isNull) return 0;
  try {
    return parseBase2Bytes(n.str());
  } catch (e) {
    throw n.error((e as Error).message);
  }
}
