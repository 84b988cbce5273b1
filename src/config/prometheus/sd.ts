/**
 * Service-discovery sections of scrape and Alertmanager configs (`static_configs` and every
 * `<mechanism>_sd_configs` key), as upstream's `discovery` registry.
 *
 * Lookout discovers targets from `static_configs`, `file_sd_configs` and `http_sd_configs`. The
 * other mechanisms (kubernetes, consul, ec2, azure, …) are parsed strictly (unknown fields are
 * errors) and validated with upstream's checks, so `check config` gives upstream's answer, but
 * they produce no targets; their names are listed in {@link ServiceDiscoveryConfigs.unsupported}.
 */
import type { YNode } from '../yaml.js';
import { defaultHTTPClientConfig, HTTP_CLIENT_FIELDS, parseHTTPClientConfig, parseTLSConfig, type HTTPClientConfig } from './http.js';
import { SD_SCHEMAS, type FieldType, type SDSchema } from './sd-schemas.js';
import { isValidLabelNameFor, joinDir, parseGoURL, type NameValidationScheme } from './values.js';

/** A static target group: targets (each a label set with at least `__address__`) sharing common labels. */
export interface TargetGroup {
  /** One label set per target, e.g. `{__address__: 'host:9100'}`. */
  targets: Record<string, string>[];
  /** Labels common to all targets of the group. */
  labels: Record<string, string>;
  /** Identifies the group within its provider (index for static configs, `file:index` for files). */
  source: string;
}

/** `file_sd_configs` entry. `files` are glob patterns, absolute after loading. */
export interface FileSDConfig {
  files: string[];
  /** Re-read interval in ms (default 5m); files are also watched for changes. */
  refreshIntervalMs: number;
}

/** `http_sd_configs` entry. */
export interface HTTPSDConfig {
  url: string;
  /** Poll interval in ms (default 1m). */
  refreshIntervalMs: number;
  httpClientConfig: HTTPClientConfig;
}

/** All discovery settings of one scrape config or Alertmanager config. */
export interface ServiceDiscoveryConfigs {
  staticConfigs: TargetGroup[];
  fileSdConfigs: FileSDConfig[];
  httpSdConfigs: HTTPSDConfig[];
  /** Mechanisms present in the config that Lookout validates but does not run, e.g. `['kubernetes']`. */
  unsupported: string[];
}

/** Keys for service discovery that may appear in a scrape or Alertmanager config. */
export const SD_FIELDS: readonly string[] = ['static_configs', 'file_sd_configs', 'http_sd_configs', ...Object.keys(SD_SCHEMAS).map((k) => `${k}_sd_configs`)];

/** Matches file names file_sd accepts (upstream `patFileSDName`). */
const FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

/**
 * Reads every discovery key of `fields` (entries of a scrape or Alertmanager config).
 * @param dir directory relative file paths are joined with
 * @param scheme name validation scheme for static label names
 * @throws {ConfigError}
 */
export function parseServiceDiscovery(fields: Record<string, YNode>, dir: string, scheme: NameValidationScheme): ServiceDiscoveryConfigs {
  const out: ServiceDiscoveryConfigs = { staticConfigs: [], fileSdConfigs: [], httpSdConfigs: [], unsupported: [] };
  for (const [key, node] of Object.entries(fields)) {
    if (key === 'static_configs') {
      for (const item of node.seq()) {
        if (item.isNull) throw item.error('empty or null section in static_configs');
        out.staticConfigs.push(parseTargetGroup(item, String(out.staticConfigs.length), scheme));
      }
    } else if (key === 'file_sd_configs') {
      for (const item of nonNullItems(node, key)) out.fileSdConfigs.push(parseFileSD(item, dir));
    } else if (key === 'http_sd_configs') {
      for (const item of nonNullItems(node, key)) out.httpSdConfigs.push(parseHTTPSD(item, dir));
    } else if (key.endsWith('_sd_configs')) {
      const name = key.slice(0, -'_sd_configs'.length);
      const schema = SD_SCHEMAS[name];
      if (!schema) continue;
      const items = nonNullItems(node, key);
      for (const item of items) validateSchema(item, schema, dir);
      if (items.length > 0 && !out.unsupported.includes(name)) out.unsupported.push(name);
    }
  }
  return out;
}

function nonNullItems(node: YNode, key: string): YNode[] {
  return node.seq().map((item) => {
    if (item.isNull) throw item.error(`empty or null section in ${key}`);
    return item;
  });
}

/**
 * Parses one target group (`{targets: [...], labels: {...}}`) as in static configs and file_sd
 * YAML files. Label names must be valid under `scheme`.
 * @throws {ConfigError}
 */
export function parseTargetGroup(node: YNode, source: string, scheme: NameValidationScheme): TargetGroup {
  const m = node.map(['targets', 'labels'], 'targetgroup.Group');
  const labels: Record<string, string> = {};
  if (m.labels) {
    for (const [name, v] of Object.entries(m.labels.map(null))) {
      if (!isValidLabelNameFor(scheme, name)) throw v.error(`${JSON.stringify(name)} is not a valid label name`);
      labels[name] = v.str();
    }
  }
  return { targets: (m.targets?.strings() ?? []).map((t) => ({ __address__: t })), labels, source };
}

function parseFileSD(node: YNode, dir: string): FileSDConfig {
  const m = node.map(['files', 'refresh_interval'], 'file.plain');
  const files = m.files?.strings() ?? [];
  if (files.length === 0) throw node.error('file service discovery config must contain at least one path name');
  for (const f of files) {
    if (!FILE_SD_NAME.test(f)) throw m.files!.error(`path name ${JSON.stringify(f)} is not valid for file discovery`);
  }
  return { files: files.map((f) => joinDir(dir, f)), refreshIntervalMs: m.refresh_interval ? m.refresh_interval.duration() : 300_000 };
}

function parseHTTPSD(node: YNode, dir: string): HTTPSDConfig {
  const m = node.map(['url', 'refresh_interval', ...HTTP_CLIENT_FIELDS], 'http.plain');
  const url = m.url?.str() ?? '';
  checkHTTPURL(node, url);
  return {
    url,
    refreshIntervalMs: m.refresh_interval ? m.refresh_interval.duration() : 60_000,
    httpClientConfig: parseHTTPClientConfig(m, node, dir),
  };
}

function checkHTTPURL(node: YNode, url: string): void {
  if (url === '') throw node.error('URL is missing');
  const u = goURL(node, url);
  if (u.scheme !== 'http' && u.scheme !== 'https') throw node.error("URL scheme must be 'http' or 'https'");
  if (u.host === '') throw node.error('host is missing in URL');
}

function goURL(node: YNode, raw: string): ReturnType<typeof parseGoURL> {
  try {
    return parseGoURL(raw);
  } catch (e) {
    throw node.error((e as Error).message);
  }
}

/** Values of one validated-only SD block, for the schema checks. */
export interface SDValues {
  str(key: string): string;
  has(key: string): boolean;
  list(key: string): YNode[];
  http: HTTPClientConfig;
  node: YNode;
  url(raw: string): ReturnType<typeof parseGoURL>;
  checkHTTPURL(raw: string): void;
}

function validateSchema(node: YNode, schema: SDSchema, dir: string): void {
  const allowed = Object.keys(schema.fields);
  const m = node.map(schema.http ? [...allowed, ...HTTP_CLIENT_FIELDS] : allowed, schema.typeName);
  const strs: Record<string, string> = { ...schema.defaults };
  for (const [key, type] of Object.entries(schema.fields)) {
    const v = m[key];
    if (!v) continue;
    const s = checkType(v, type, dir);
    if (s !== undefined) strs[key] = s;
  }
  const http = schema.http ? parseHTTPClientConfig(m, node, dir) : defaultHTTPClientConfig();
  const values: SDValues = {
    str: (k) => strs[k] ?? '',
    has: (k) => m[k] !== undefined && !m[k].isNull,
    list: (k) => m[k]?.seq() ?? [],
    http,
    node,
    url: (raw) => goURL(node, raw),
    checkHTTPURL: (raw) => checkHTTPURL(node, raw),
  };
  const err = schema.check?.(values);
  if (err) throw node.error(err);
}

function checkType(v: YNode, type: FieldType, dir: string): string | undefined {
  if (v.isNull) return '';
  switch (type) {
    case 'string':
      return v.str();
    case 'int': {
      const n = v.number();
      if (!Number.isInteger(n)) throw v.error(`expected an integer, got ${n}`);
      return String(n);
    }
    case 'bool':
      return String(v.bool());
    case 'duration':
      return String(v.duration());
    case 'strings':
      v.strings();
      return undefined;
    case 'stringMap':
      v.stringMap();
      return undefined;
    case 'tls':
      parseTLSConfig(v, dir);
      return undefined;
    default: {
      const r = type(v);
      return typeof r === 'string' ? r : undefined;
    }
  }
}
