/**
 * The web configuration file (`--web.config.file`) of Prometheus's exporter-toolkit, shared by
 * `lookout server`, `lookout alertmanager` and `lookout node-exporter`: TLS for the listener
 * (`tls_server_config`), response headers (`http_server_config`), basic-auth users with bcrypt
 * hashes (`basic_auth_users`) and a request rate limit (`rate_limit`).
 *
 * Parsing follows upstream's strict YAML unmarshalling (unknown fields refused, located at
 * file:line:column); relative file names are resolved against the config file's folder; the
 * validation messages are upstream's. Serving lives in `web-config-guard.ts`.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import { fileErrorText, loadYaml, readConfigText, type YNode } from '../config/yaml.js';

/** `client_auth_type` values (Go's `tls.ClientAuthType` names). */
export type ClientAuthType = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';

/** `tls_server_config`, with file names already resolved against the config file's folder. */
export interface TlsServerConfig {
  /** PEM file names (`cert_file`, `key_file`, `client_ca_file`), `''` when unset. */
  certFile: string;
  keyFile: string;
  clientCaFile: string;
  /** Inline PEM text (`cert`, `key`, `client_ca`), `''` when unset. */
  cert: string;
  key: string;
  clientCa: string;
  clientAuthType: ClientAuthType;
  /** SANs a client certificate must carry one of; null when unset (no check). */
  clientAllowedSans: string[] | null;
  /** Node's names: `TLSv1` … `TLSv1.3` (upstream defaults TLS12 … TLS13). */
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  /** OpenSSL names of the TLS ≤ 1.2 suites, in order; empty = the defaults. */
  cipherSuites: string[];
  /** OpenSSL curve names, in preference order; empty = the defaults. */
  curvePreferences: string[];
  preferServerCipherSuites: boolean;
}

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** A parsed web configuration file. */
export interface WebConfig {
  /** null when no TLS field is set: the listener serves plain HTTP, as upstream. */
  tls: TlsServerConfig | null;
  /** `http_server_config.http2`: accepted and kept, but Lookout serves HTTP/1.1 only. */
  http2: boolean;
  /** Response headers set on every answer (only upstream's allowed names and values). */
  headers: Record<string, string>;
  /** User name → bcrypt hash; empty = no authentication. */
  users: Map<string, string>;
  /** Token bucket: one request per `intervalMs`, bursts of `burst`; null when off. */
  rateLimit: { intervalMs: number; burst: number } | null;
}

const TLS_VERSIONS: Record<string, TlsVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };
const VERSION_ORDER: TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Go's `tls.CipherSuites()` names → OpenSSL names; TLS 1.3 suites map to '' (Go ignores them in config). */
const CIPHERS: Record<string, string> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_AES_128_GCM_SHA256: '',
  TLS_AES_256_GCM_SHA384: '',
  TLS_CHACHA20_POLY1305_SHA256: '',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};
const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };
const CLIENT_AUTH: Record<string, ClientAuthType> = {
  '': 'NoClientCert',
  NoClientCert: 'NoClientCert',
  RequestClientCert: 'RequestClientCert',
  RequireAnyClientCert: 'RequireAnyClientCert',
  RequireClientCert: 'RequireAnyClientCert',
  VerifyClientCertIfGiven: 'VerifyClientCertIfGiven',
  RequireAndVerifyClientCert: 'RequireAndVerifyClientCert',
};

/** Headers that may be configured, with their allowed values (empty = any), as upstream. */
const EXTRA_HEADERS: Record<string, string[]> = {
  'Strict-Transport-Security': [],
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': [],
  'Content-Security-Policy': [],
};

/** A name relative to the config file's folder, as upstream's `JoinDir` (absolute or empty names kept). */
function joinDir(dir: string, name: string): string {
  return name === '' || isAbsolute(name) ? name : join(dir, name);
}

function enumValue<T>(node: YNode, table: Record<string, T>, what: string): T {
  const s = node.str();
  const v = table[s];
  if (v === undefined) throw node.error(`${what}: ${s}`);
  return v;
}

function parseTls(node: YNode, dir: string): TlsServerConfig | null {
  const m = node.map(
    [
      'cert',
      'key',
      'client_ca',
      'cert_file',
      'key_file',
      'client_auth_type',
      'client_ca_file',
      'cipher_suites',
      'curve_preferences',
      'min_version',
      'max_version',
      'prefer_server_cipher_suites',
      'client_allowed_sans',
    ],
    'web.TLSConfig',
  );
  const s = (k: string) => m[k]?.str() ?? '';
  const clientAuthRaw = s('client_auth_type');
  const cfg: TlsServerConfig = {
    certFile: joinDir(dir, s('cert_file')),
    keyFile: joinDir(dir, s('key_file')),
    clientCaFile: joinDir(dir, s('client_ca_file')),
    cert: s('cert'),
    key: s('key'),
    clientCa: s('client_ca'),
    clientAuthType: m.client_auth_type ? CLIENT_AUTH[clientAuthRaw] ?? 'NoClientCert' : 'NoClientCert',
    clientAllowedSans: m.client_allowed_sans && !m.client_allowed_sans.isNull ? m.client_allowed_sans.strings() : null,
    minVersion: m.min_version ? enumValue(m.min_version, TLS_VERSIONS, 'unknown TLS version') : 'TLSv1.2',
    maxVersion: m.max_version ? enumValue(m.max_version, TLS_VERSIONS, 'unknown TLS version') : 'TLSv1.3',
    cipherSuites: (m.cipher_suites?.seq() ?? []).map((n) => enumValue(n, CIPHERS, 'unknown cipher')).filter((c) => c !== ''),
    curvePreferences: (m.curve_preferences?.seq() ?? []).map((n) => enumValue(n, CURVES, 'unknown curve')),
    preferServerCipherSuites: m.prefer_server_cipher_suites && !m.prefer_server_cipher_suites.isNull ? m.prefer_server_cipher_suites.bool() : true,
  };
  const enabled = cfg.certFile || cfg.cert || cfg.keyFile || cfg.key || cfg.clientCaFile || cfg.clientCa || clientAuthRaw;
  if (!enabled) return null;
  const fail = (field: string, reason: string) => (m[field] ?? node).error(reason);
  if (!cfg.certFile && !cfg.cert) throw fail('', 'missing one of cert or cert_file');
  if (!cfg.keyFile && !cfg.key) throw fail('', 'missing one of key or key_file');
  if (CLIENT_AUTH[clientAuthRaw] === undefined) throw fail('client_auth_type', `invalid ClientAuth: ${clientAuthRaw}`);
  if ((cfg.clientCaFile || cfg.clientCa) && cfg.clientAuthType === 'NoClientCert') {
    throw fail(m.client_ca_file ? 'client_ca_file' : 'client_ca', "client CA's have been configured without a Client Auth Policy");
  }
  if (VERSION_ORDER.indexOf(cfg.minVersion) > VERSION_ORDER.indexOf(cfg.maxVersion)) {
    throw fail('min_version', 'min_version is greater than max_version');
  }
  return cfg;
}

function parseHeaders(node: YNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(node.map(null))) {
    const allowed = EXTRA_HEADERS[name];
    if (allowed === undefined) throw v.error(`HTTP header ${JSON.stringify(name)} can not be configured`);
    const value = v.str();
    if (allowed.length > 0 && !allowed.includes(value)) {
      throw v.error(`invalid value for ${name}. Expected one of: [${allowed.map((a) => JSON.stringify(a)).join(' ')}], but got: ${JSON.stringify(value)}`);
    }
    if (value !== '') out[name] = value;
  }
  return out;
}

/**
 * Checks a bcrypt hash as Go's `bcrypt.Cost` does at startup; returns the reason it is unusable, or
 * null. Accepts the `$2$`, `$2a$`, `$2b$`, `$2y$` forms with a cost of 4–31.
 */
export function bcryptHashProblem(hash: string): string | null {
  if (hash.length < 59) return 'crypto/bcrypt: hashedSecret too short to be a bcrypted password';
  if (hash[0] !== '$') return `crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '${hash[0]}'`;
  if (hash[1]! > '2') return `crypto/bcrypt: bcrypt algorithm version '${hash[1]}' requested is newer than current version '2'`;
  const rest = hash[2] === '$' ? hash.slice(3) : hash.slice(4);
  const cost = Number(rest.slice(0, 2));
  if (!/^\d\d\$/.test(rest)) return `crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '${rest[0] ?? ''}'`;
  if (cost < 4 || cost > 31) return `crypto/bcrypt: cost ${cost} is outside allowed range (4,31)`;
  return null;
}

/**
 * Parses a web configuration file's text. `file` names it in errors and anchors relative file
 * names. An empty file is a valid config with nothing enabled. TLS certificates are not read here
 * (see {@link tlsContextOptions}).
 * @throws {ConfigError} for YAML errors, unknown fields (`field X not found in type web.Config`),
 *   bad enumerations (`unknown TLS version: TLS9`, `unknown cipher: …`, `invalid ClientAuth: …`),
 *   an incomplete TLS block (`missing one of cert or cert_file`), a client CA without a client auth
 *   policy, disallowed headers, and unusable bcrypt hashes (upstream refuses them at startup).
 */
export function parseWebConfig(file: string, text: string): WebConfig {
  const root = loadYaml(file, text).map(['tls_server_config', 'http_server_config', 'rate_limit', 'basic_auth_users'], 'web.Config');
  const dir = dirname(file);
  const tls = root.tls_server_config ? parseTls(root.tls_server_config, dir) : null;
  let http2 = true;
  let headers: Record<string, string> = {};
  if (root.http_server_config) {
    const h = root.http_server_config.map(['http2', 'headers'], 'web.HTTPConfig');
    if (h.http2 && !h.http2.isNull) http2 = h.http2.bool();
    if (h.headers) headers = parseHeaders(h.headers);
  }
  let rateLimit: WebConfig['rateLimit'] = null;
  if (root.rate_limit) {
    const r = root.rate_limit.map(['burst', 'interval'], 'web.RateLimiterConfig');
    const intervalMs = r.interval && !r.interval.isNull ? r.interval.duration() : 0;
    const burst = r.burst && !r.burst.isNull ? r.burst.uint() : 0;
    if (intervalMs > 0) rateLimit = { intervalMs, burst };
  }
  const users = new Map<string, string>();
  if (root.basic_auth_users) {
    for (const [name, v] of Object.entries(root.basic_auth_users.map(null))) {
      const hash = v.str();
      const problem = bcryptHashProblem(hash);
      if (problem) throw v.error(problem);
      users.set(name, hash);
    }
  }
  return { tls, http2, headers, users, rateLimit };
}

/**
 * Reads and parses a web configuration file ({@link parseWebConfig}).
 * @throws {ConfigError} also for an unreadable file, with Go's bare message (`open F: no such file or
 *   directory`, no line).
 */
export function readWebConfig(file: string): WebConfig {
  return parseWebConfig(file, readConfigText(file, false));
}

/** Thrown when a certificate, key or CA file named by `tls_server_config` cannot be read. */
export class WebConfigTlsError extends Error {
  override name = 'WebConfigTlsError';
}

function readPem(file: string, inline: string, field: string): string {
  if (file === '') return inline;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new WebConfigTlsError(`failed to read ${field} (${file}): ${fileErrorText(file, e)}`);
  }
}

/**
 * Node TLS options for a `tls_server_config`: certificate and key (read now from their files),
 * client CA, versions, ciphers, curves and the client-certificate request. `rejectUnauthorized`
 * is only set for `RequireAndVerifyClientCert`; the other policies are checked per connection by
 * the guard (see `web-config-guard.ts`).
 * @throws {WebConfigTlsError} for unreadable files (`failed to read cert_file (F): …`).
 */
export function tlsContextOptions(cfg: TlsServerConfig): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  const ca = readPem(cfg.clientCaFile, cfg.clientCa, 'client_ca_file');
  const opts: SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } = {
    cert: readPem(cfg.certFile, cfg.cert, 'cert_file'),
    key: readPem(cfg.keyFile, cfg.key, 'key_file'),
    minVersion: cfg.minVersion,
    maxVersion: cfg.maxVersion,
    honorCipherOrder: cfg.preferServerCipherSuites,
    requestCert: cfg.clientAuthType !== 'NoClientCert',
    rejectUnauthorized: cfg.clientAuthType === 'RequireAndVerifyClientCert',
  };
  if (ca !== '') opts.ca = ca;
  if (cfg.cipherSuites.length > 0) opts.ciphers = `${cfg.cipherSuites.join(':')}:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256`;
  if (cfg.curvePreferences.length > 0) opts.ecdhCurve = cfg.curvePreferences.join(':');
  return opts;
}
