/**
 * Sections of prometheus.yml that Lookout parses and validates as upstream but does not act on
 * yet: `remote_write`, `remote_read`, `storage`, `tracing`, `otlp`, `runtime`.
 */
import type { YNode } from '../yaml.js';
import { HTTP_CLIENT_FIELDS, parseHTTPClientConfig, parseTLSConfig, type HTTPClientConfig, type TLSConfig } from './http.js';
import { parseRelabelConfigs, type RelabelConfig } from '../relabel.js';
import { parseBase2Bytes, parseGoURL, type NameValidationScheme } from './values.js';

/** `remote_write` entry. Durations in ms. */
export interface RemoteWriteConfig {
  url: string;
  remoteTimeoutMs: number;
  headers: Record<string, string>;
  writeRelabelConfigs: RelabelConfig[];
  name: string;
  sendExemplars: boolean;
  sendNativeHistograms: boolean;
  roundRobinDns: boolean;
  protobufMessage: string;
  queueConfig: QueueConfig;
  metadataConfig: { send: boolean; sendIntervalMs: number; maxSamplesPerSend: number };
  httpClientConfig: HTTPClientConfig;
}

/** `remote_write.queue_config`. Durations in ms. */
export interface QueueConfig {
  capacity: number;
  maxShards: number;
  minShards: number;
  maxSamplesPerSend: number;
  batchSendDeadlineMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  retryOnHttp429: boolean;
  sampleAgeLimitMs: number;
}

/** `remote_read` entry. Durations in ms. */
export interface RemoteReadConfig {
  url: string;
  remoteTimeoutMs: number;
  chunkedReadLimit: number;
  headers: Record<string, string>;
  readRecent: boolean;
  name: string;
  requiredMatchers: Record<string, string>;
  filterExternalLabels: boolean;
  httpClientConfig: HTTPClientConfig;
}

/** `storage`: TSDB and exemplar settings. */
export interface StorageConfig {
  tsdb: {
    outOfOrderTimeWindowMs: number;
    staleSeriesCompactionThreshold: number;
    chunkEncodingFloats: '' | 'xor' | 'xor2';
    /** `retention` block (Prometheus 3.x); 0 means "use the command-line flag". */
    retention: { timeMs: number; sizeBytes: number; percentage: number };
  };
  exemplars: { maxExemplars: number };
}

/** `tracing`. */
export interface TracingConfig {
  clientType: 'grpc' | 'http';
  endpoint: string;
  samplingFraction: number;
  insecure: boolean;
  tlsConfig: TLSConfig | null;
  headers: Record<string, string>;
  compression: string;
  timeoutMs: number;
}

/** `otlp`. */
export interface OTLPConfig {
  promoteAllResourceAttributes: boolean;
  promoteResourceAttributes: string[];
  ignoreResourceAttributes: string[];
  translationStrategy: string;
  keepIdentifyingResourceAttributes: boolean;
  convertHistogramsToNhcb: boolean;
  promoteScopeMetadata: boolean;
  labelNameUnderscoreSanitization: boolean;
  labelNamePreserveMultipleUnderscores: boolean;
}

/** Headers remote write/read and tracing may not set (lower case). */
const RESERVED = new Set([
  'host',
  'content-encoding',
  'content-length',
  'content-type',
  'user-agent',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'www-authenticate',
  'accept-encoding',
  'x-prometheus-remote-write-version',
  'x-prometheus-remote-read-version',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
]);

const PROTOBUF_MESSAGES = ['prometheus.WriteRequest', 'io.prometheus.write.v2.Request'];
const OTLP_STRATEGIES = ['UnderscoreEscapingWithSuffixes', 'UnderscoreEscapingWithoutSuffixes', 'NoUTF8EscapingWithSuffixes', 'NoTranslation'];

function validateHeaders(node: YNode, headers: Record<string, string>, tracing: boolean): void {
  for (const h of Object.keys(headers)) {
    if (h.toLowerCase() === 'authorization') {
      throw node.error(
        tracing
          ? 'custom authorization header configuration is not yet supported'
          : 'authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter',
      );
    }
    if (RESERVED.has(h.toLowerCase())) throw node.error(`${h} is a reserved header. It must not be changed`);
  }
}

function url(node: YNode | undefined, owner: YNode, what: string): string {
  if (!node || node.isNull) throw owner.error(`url for ${what} is empty`);
  const raw = node.str();
  try {
    parseGoURL(raw);
  } catch (e) {
    throw node.error((e as Error).message);
  }
  return raw;
}

/**
 * Parses `remote_write` (validated as upstream: url required, reserved headers, protobuf message,
 * queue limits, one auth method, unique names).
 * @throws {ConfigError}
 */
export function parseRemoteWrite(node: YNode | undefined, dir: string, scheme: NameValidationScheme): RemoteWriteConfig[] {
  const names = new Set<string>();
  return (node?.seq() ?? []).map((item) => {
    if (item.isNull) throw item.error('empty or null remote write config section');
    const m = item.map(
      [
        'url',
        'remote_timeout',
        'headers',
        'write_relabel_configs',
        'name',
        'send_exemplars',
        'send_native_histograms',
        'round_robin_dns',
        'protobuf_message',
        'failed_request_logging',
        'queue_config',
        'metadata_config',
        'sigv4',
        'azuread',
        'google_iam',
        ...HTTP_CLIENT_FIELDS,
      ],
      'config.plain',
    );
    const name = m.name?.str() ?? '';
    if (name !== '' && names.has(name)) throw item.error(`found multiple remote write configs with job name ${JSON.stringify(name)}`);
    names.add(name);
    const headers = m.headers?.stringMap() ?? {};
    const cfg: RemoteWriteConfig = {
      url: url(m.url, item, 'remote_write'),
      remoteTimeoutMs: m.remote_timeout ? m.remote_timeout.duration() : 30_000,
      headers,
      writeRelabelConfigs: parseRelabelConfigs(m.write_relabel_configs, 'empty or null relabeling rule in remote write config', scheme),
      name,
      sendExemplars: flag(m.send_exemplars),
      sendNativeHistograms: flag(m.send_native_histograms),
      roundRobinDns: flag(m.round_robin_dns),
      protobufMessage: m.protobuf_message?.str() || 'prometheus.WriteRequest',
      queueConfig: parseQueueConfig(m.queue_config, item),
      metadataConfig: parseMetadataConfig(m.metadata_config),
      httpClientConfig: parseHTTPClientConfig(m, item, dir),
    };
    validateHeaders(item, headers, false);
    if (!PROTOBUF_MESSAGES.includes(cfg.protobufMessage)) {
      throw item.error(
        `invalid protobuf_message value: unknown type for remote write protobuf message ${cfg.protobufMessage}, supported: ${PROTOBUF_MESSAGES.join(', ')}`,
      );
    }
    const auth: string[] = [];
    if (cfg.httpClientConfig.basicAuth) auth.push('basic_auth');
    if (cfg.httpClientConfig.authorization) auth.push('authorization');
    if (cfg.httpClientConfig.oauth2) auth.push('oauth2');
    for (const k of ['sigv4', 'azuread', 'google_iam'] as const) if (m[k] && !m[k].isNull) auth.push(k);
    if (auth.length > 1) {
      throw item.error(
        `at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [${auth.join(' ')}]`,
      );
    }
    return cfg;
  });
}

function flag(n: YNode | undefined): boolean {
  return n !== undefined && !n.isNull && n.bool();
}

function parseQueueConfig(node: YNode | undefined, owner: YNode): QueueConfig {
  const q: QueueConfig = {
    capacity: 10_000,
    maxShards: 50,
    minShards: 1,
    maxSamplesPerSend: 2000,
    batchSendDeadlineMs: 5000,
    minBackoffMs: 30,
    maxBackoffMs: 5000,
    retryOnHttp429: false,
    sampleAgeLimitMs: 0,
  };
  if (node) {
    const m = node.map(
      ['capacity', 'max_shards', 'min_shards', 'max_samples_per_send', 'batch_send_deadline', 'min_backoff', 'max_backoff', 'retry_on_http_429', 'sample_age_limit'],
      'config.QueueConfig',
    );
    // yaml `omitempty` ints: an explicit 0 is the zero value, which validation then rejects.
    if (m.capacity) q.capacity = m.capacity.number();
    if (m.max_shards) q.maxShards = m.max_shards.number();
    if (m.min_shards) q.minShards = m.min_shards.number();
    if (m.max_samples_per_send) q.maxSamplesPerSend = m.max_samples_per_send.number();
    if (m.batch_send_deadline) q.batchSendDeadlineMs = m.batch_send_deadline.duration();
    if (m.min_backoff) q.minBackoffMs = m.min_backoff.duration();
    if (m.max_backoff) q.maxBackoffMs = m.max_backoff.duration();
    q.retryOnHttp429 = flag(m.retry_on_http_429);
    if (m.sample_age_limit) q.sampleAgeLimitMs = m.sample_age_limit.duration();
  }
  const at = node ?? owner;
  if (q.maxShards <= 0) throw at.error('remote write queue max_shards must be positive');
  if (q.minShards <= 0) throw at.error('remote write queue min_shards must be positive');
  if (q.minShards > q.maxShards) throw at.error('remote write queue min_shards must not be greater than max_shards');
  if (q.maxSamplesPerSend <= 0) throw at.error('remote write queue max_samples_per_send must be positive');
  if (q.capacity <= 0) throw at.error('remote write queue capacity must be positive');
  if (q.maxBackoffMs < q.minBackoffMs) throw at.error('remote write queue max_backoff must not be less than min_backoff');
  return q;
}

function parseMetadataConfig(node: YNode | undefined): RemoteWriteConfig['metadataConfig'] {
  const c = { send: true, sendIntervalMs: 60_000, maxSamplesPerSend: 2000 };
  if (!node) return c;
  const m = node.map(['send', 'send_interval', 'max_samples_per_send'], 'config.MetadataConfig');
  if (m.send && !m.send.isNull) c.send = m.send.bool();
  if (m.send_interval) c.sendIntervalMs = m.send_interval.duration();
  if (m.max_samples_per_send) c.maxSamplesPerSend = m.max_samples_per_send.number();
  return c;
}

/**
 * Parses `remote_read` (url required, reserved headers, unique names).
 * @throws {ConfigError}
 */
export function parseRemoteRead(node: YNode | undefined, dir: string): RemoteReadConfig[] {
  const names = new Set<string>();
  return (node?.seq() ?? []).map((item) => {
    if (item.isNull) throw item.error('empty or null remote read config section');
    const m = item.map(
      ['url', 'remote_timeout', 'chunked_read_limit', 'headers', 'read_recent', 'name', 'required_matchers', 'filter_external_labels', ...HTTP_CLIENT_FIELDS],
      'config.plain',
    );
    const cfg: RemoteReadConfig = {
      url: url(m.url, item, 'remote_read'),
      remoteTimeoutMs: m.remote_timeout ? m.remote_timeout.duration() : 60_000,
      chunkedReadLimit: m.chunked_read_limit ? m.chunked_read_limit.uint() : 5e7,
      headers: m.headers?.stringMap() ?? {},
      readRecent: flag(m.read_recent),
      name: m.name?.str() ?? '',
      requiredMatchers: m.required_matchers?.stringMap() ?? {},
      filterExternalLabels: m.filter_external_labels && !m.filter_external_labels.isNull ? m.filter_external_labels.bool() : true,
      httpClientConfig: parseHTTPClientConfig(m, item, dir),
    };
    validateHeaders(item, cfg.headers, false);
    if (cfg.name !== '' && names.has(cfg.name)) throw item.error(`found multiple remote read configs with job name ${JSON.stringify(cfg.name)}`);
    names.add(cfg.name);
    return cfg;
  });
}

/**
 * Parses `storage` (`tsdb` with out-of-order window, chunk encoding and retention; `exemplars`).
 * @throws {ConfigError}
 */
export function parseStorage(node: YNode | undefined): StorageConfig {
  const s: StorageConfig = {
    tsdb: { outOfOrderTimeWindowMs: 0, staleSeriesCompactionThreshold: 0, chunkEncodingFloats: '', retention: { timeMs: 0, sizeBytes: 0, percentage: 0 } },
    exemplars: { maxExemplars: 100_000 },
  };
  if (!node) return s;
  const m = node.map(['tsdb', 'exemplars'], 'config.StorageConfig');
  if (m.tsdb) {
    const t = m.tsdb.map(['out_of_order_time_window', 'stale_series_compaction_threshold', 'chunk_encoding', 'retention'], 'config.plain');
    if (t.out_of_order_time_window) s.tsdb.outOfOrderTimeWindowMs = t.out_of_order_time_window.duration();
    if (t.stale_series_compaction_threshold) s.tsdb.staleSeriesCompactionThreshold = t.stale_series_compaction_threshold.number();
    if (t.chunk_encoding) {
      const ce = t.chunk_encoding.map(['floats'], 'config.ChunkEncodingConfig');
      const floats = ce.floats?.str() ?? '';
      if (floats !== '' && floats !== 'xor' && floats !== 'xor2') {
        throw ce.floats!.error(
          `'storage.tsdb.chunk_encoding.floats' must be 'xor' or 'xor2', or the field must be omitted entirely, got ${JSON.stringify(floats)}`,
        );
      }
      s.tsdb.chunkEncodingFloats = floats;
    }
    if (t.retention) {
      const r = t.retention.map(['time', 'size', 'percentage'], 'config.plain');
      if (r.time) s.tsdb.retention.timeMs = r.time.duration();
      if (r.size) {
        try {
          s.tsdb.retention.sizeBytes = parseBase2Bytes(r.size.str());
        } catch (e) {
          throw r.size.error((e as Error).message);
        }
        if (s.tsdb.retention.sizeBytes < 0) {
          throw r.size.error(`'storage.tsdb.retention.size' must be greater than or equal to 0, got ${r.size.str()}`);
        }
      }
      if (r.percentage) {
        const p = r.percentage.number();
        if (p < 0 || p > 100) throw r.percentage.error(`'storage.tsdb.retention.percentage' must be in the range [0, 100], got ${p}`);
        s.tsdb.retention.percentage = p;
      }
    }
  }
  if (m.exemplars) {
    const e = m.exemplars.map(['max_exemplars'], 'config.ExemplarsConfig');
    if (e.max_exemplars) s.exemplars.maxExemplars = e.max_exemplars.number();
  }
  return s;
}

/**
 * Parses `tracing` (endpoint required, client type, compression, headers).
 * @throws {ConfigError}
 */
export function parseTracing(node: YNode | undefined, dir: string): TracingConfig | null {
  if (!node || node.isNull) return null;
  const m = node.map(['client_type', 'endpoint', 'sampling_fraction', 'insecure', 'tls_config', 'headers', 'compression', 'timeout'], 'config.plain');
  const clientType = m.client_type?.str() || 'grpc';
  if (clientType !== 'grpc' && clientType !== 'http') {
    throw m.client_type!.error(`expected tracing client type to be to be http or grpc, but got ${clientType}`);
  }
  const t: TracingConfig = {
    clientType,
    endpoint: m.endpoint?.str() ?? '',
    samplingFraction: m.sampling_fraction ? m.sampling_fraction.number() : 0,
    insecure: flag(m.insecure),
    tlsConfig: m.tls_config ? parseTLSConfig(m.tls_config, dir) : null,
    headers: m.headers?.stringMap() ?? {},
    compression: m.compression?.str() ?? '',
    timeoutMs: m.timeout ? m.timeout.duration() : 0,
  };
  validateHeaders(node, t.headers, true);
  if (t.endpoint === '') throw node.error('tracing endpoint must be set');
  if (t.compression !== '' && t.compression !== 'gzip') throw node.error(`invalid compression type ${t.compression} provided, valid options: gzip`);
  return t;
}

/**
 * Parses `otlp` (translation strategy, resource attribute promotion rules).
 * @throws {ConfigError}
 */
export function parseOTLP(node: YNode | undefined, scheme: NameValidationScheme): OTLPConfig {
  const o: OTLPConfig = {
    promoteAllResourceAttributes: false,
    promoteResourceAttributes: [],
    ignoreResourceAttributes: [],
    translationStrategy: 'UnderscoreEscapingWithSuffixes',
    keepIdentifyingResourceAttributes: false,
    convertHistogramsToNhcb: false,
    promoteScopeMetadata: false,
    labelNameUnderscoreSanitization: true,
    labelNamePreserveMultipleUnderscores: true,
  };
  if (!node || node.isNull) return o;
  const m = node.map(
    [
      'promote_all_resource_attributes',
      'promote_resource_attributes',
      'ignore_resource_attributes',
      'translation_strategy',
      'keep_identifying_resource_attributes',
      'convert_histograms_to_nhcb',
      'promote_scope_metadata',
      'label_name_underscore_sanitization',
      'label_name_preserve_multiple_underscores',
    ],
    'config.plain',
  );
  o.promoteAllResourceAttributes = flag(m.promote_all_resource_attributes);
  o.promoteResourceAttributes = m.promote_resource_attributes?.strings() ?? [];
  o.ignoreResourceAttributes = m.ignore_resource_attributes?.strings() ?? [];
  if (m.translation_strategy) o.translationStrategy = m.translation_strategy.str();
  o.keepIdentifyingResourceAttributes = flag(m.keep_identifying_resource_attributes);
  o.convertHistogramsToNhcb = flag(m.convert_histograms_to_nhcb);
  o.promoteScopeMetadata = flag(m.promote_scope_metadata);
  if (m.label_name_underscore_sanitization) o.labelNameUnderscoreSanitization = flag(m.label_name_underscore_sanitization);
  if (m.label_name_preserve_multiple_underscores) o.labelNamePreserveMultipleUnderscores = flag(m.label_name_preserve_multiple_underscores);
  if (o.promoteAllResourceAttributes) {
    if (o.promoteResourceAttributes.length > 0) {
      throw node.error("'promote_all_resource_attributes' and 'promote_resource_attributes' cannot be configured simultaneously");
    }
    o.ignoreResourceAttributes = sanitizeAttributes(node, o.ignoreResourceAttributes, 'ignored', 'ignore_resource_attributes');
  } else {
    if (o.ignoreResourceAttributes.length > 0) {
      throw node.error("'ignore_resource_attributes' cannot be configured unless 'promote_all_resource_attributes' is true");
    }
    o.promoteResourceAttributes = sanitizeAttributes(node, o.promoteResourceAttributes, 'promoted', 'promote_resource_attributes');
  }
  const ts = o.translationStrategy;
  if (ts !== '' && !OTLP_STRATEGIES.includes(ts)) throw node.error(`unsupported OTLP translation strategy ${JSON.stringify(ts)}`);
  if ((ts === 'NoTranslation' || ts === 'NoUTF8EscapingWithSuffixes') && scheme === 'legacy') {
    throw node.error(`OTLP translation strategy ${JSON.stringify(ts)} is not allowed when UTF8 is disabled`);
  }
  return o;
}

function sanitizeAttributes(node: YNode, attrs: string[], adjective: string, field: string): string[] {
  const seen = new Set<string>();
  const errs: string[] = [];
  const out = attrs.map((a) => {
    const t = a.trim();
    if (t === '') errs.push(`empty ${adjective} OTel resource attribute`);
    else if (seen.has(t)) errs.push(`duplicated ${adjective} OTel resource attribute ${JSON.stringify(t)}`);
    seen.add(t);
    return t;
  });
  if (errs.length > 0) throw node.error(`invalid '${field}': ${errs.join('\n')}`);
  return out;
}
