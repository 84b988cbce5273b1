/**
 * Shared pieces of the `alertmanager.yml` loader: strict field readers over {@link YNode}, URL
 * validation as Alertmanager's `config.URL`, and prometheus/common's `http_config` / `tls_config`
 * with their validation rules.
 */
import { isAbsolute, join } from 'node:path';
import type { YNode } from '../yaml.js';
import type { AuthorizationConfig, BasicAuthConfig, HTTPClientConfig, HTTPHeaderConfig, TLSConfig } from './types.js';

/** Typed, optional access to the entries of a strictly-checked YAML mapping. */
export class Fields {
  readonly entries: Record<string, YNode>;

  /**
   * @param node the mapping node
   * @param allowed accepted keys; others throw `field <k> not found in type <typeName>`
   * @param typeName Go type name used in that message (e.g. `config.plain`)
   */
  constructor(
    readonly node: YNode,
    allowed: readonly string[],
    typeName: string,
  ) {
    this.entries = node.map(allowed, typeName);
  }

  /** Whether the key is present with a non-null value. */
  has(k: string): boolean {
    const n = this.entries[k];
    return n !== undefined && !n.isNull;
  }

  /** The node of a key (undefined when absent). */
  get(k: string): YNode | undefined {
    return this.entries[k];
  }

  str(k: string, def = ''): string {
    const n = this.entries[k];
    return n && !n.isNull ? n.str() : def;
  }

  bool(k: string, def = false): boolean {
    const n = this.entries[k];
    return n && !n.isNull ? n.bool() : def;
  }

  /** A duration in ms, or `def` when absent. */
  duration(k: string, def: number): number;
  duration(k: string): number | undefined;
  duration(k: string, def?: number): number | undefined {
    const n = this.entries[k];
    return n && !n.isNull ? n.duration() : def;
  }

  uint(k: string, def = 0): number {
    const n = this.entries[k];
    return n && !n.isNull ? n.uint() : def;
  }

  strings(k: string): string[] {
    const n = this.entries[k];
    return n ? n.strings() : [];
  }

  stringMap(k: string): Record<string, string> {
    const n = this.entries[k];
    return n ? n.stringMap() : {};
  }

  /** A `ConfigError` located at the mapping. */
  error(reason: string): Error {
    return this.node.error(reason);
  }
}

/** Joins a relative path with the config file's directory (as upstream `SetDirectory`). */
export function resolvePath(dir: string, p: string): string {
  return p !== '' && !isAbsolute(p) ? join(dir, p) : p;
}

/**
 * Validates a URL as Alertmanager's `config.URL` (`ParseURL`): http or https with a host.
 * @returns an error text or null
 */
export function checkHTTPURL(s: string): string | null {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  const sch = scheme ? scheme[1]!.toLowerCase() : '';
  if (sch !== 'http' && sch !== 'https') return `unsupported scheme ${JSON.stringify(sch)} for URL`;
  const rest = s.slice(sch.length + 1);
  if (!rest.startsWith('//') || /^\/\/([/?#]|$)/.test(rest)) return 'missing host for URL';
  try {
    new URL(s);
  } catch {
    return `parse ${JSON.stringify(s)}: invalid URL`;
  }
  return null;
}

/**
 * Reads a URL field (`*config.URL`): empty when absent.
 * @throws {ConfigError} when the value is not an http(s) URL with a host.
 */
export function urlField(f: Fields, k: string): string {
  if (!f.has(k)) return '';
  const n = f.get(k)!;
  const s = n.str();
  const err = checkHTTPURL(s);
  if (err) throw n.error(err);
  return s;
}

/**
 * Reads a secret URL field (`*config.SecretURL`): as {@link urlField}, but the literal `<secret>`
 * (what the status API shows for secrets) is accepted as an empty URL.
 */
export function secretURLField(f: Fields, k: string): string {
  if (f.str(k) === '<secret>') return '<secret>';
  return urlField(f, k);
}

const TLS_FIELDS = [
  'ca',
  'ca_file',
  'ca_ref',
  'cert',
  'cert_file',
  'cert_ref',
  'key',
  'key_file',
  'key_ref',
  'server_name',
  'insecure_skip_verify',
  'min_version',
  'max_version',
] as const;
const TLS_VERSIONS = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];

/**
 * Parses a `tls_config` as prometheus/common `TLSConfig`.
 * @throws {ConfigError}
 */
export function parseTLSConfig(n: YNode | undefined, dir: string): TLSConfig {
  const out: TLSConfig = {
    ca: '',
    ca_file: '',
    cert: '',
    cert_file: '',
    key: '',
    key_file: '',
    server_name: '',
    insecure_skip_verify: false,
    min_version: '',
    max_version: '',
  };
  if (!n || n.isNull) return out;
  const f = new Fields(n, TLS_FIELDS, 'config.plain');
  for (const v of ['min_version', 'max_version'] as const) {
    const s = f.str(v);
    if (s !== '' && !TLS_VERSIONS.includes(s)) throw f.get(v)!.error(`unknown TLS version: ${s}`);
    out[v] = s;
  }
  const count = (...ks: string[]) => ks.filter((k) => f.str(k) !== '').length;
  if (count('ca', 'ca_file', 'ca_ref') > 1) throw f.error('at most one of ca, ca_file & ca_ref must be configured');
  if (count('cert', 'cert_file', 'cert_ref') > 1) throw f.error('at most one of cert, cert_file & cert_ref must be configured');
  if (count('key', 'key_file') > 1) throw f.error('at most one of key and key_file must be configured');
  const hasCert = count('cert', 'cert_file') > 0;
  const hasKey = count('key', 'key_file') > 0;
  if (hasCert && !hasKey) throw f.error('exactly one of key or key_file must be configured when a client certificate is configured');
  if (hasKey && !hasCert) throw f.error('exactly one of cert or cert_file must be configured when a client key is configured');
  out.ca = f.str('ca');
  out.cert = f.str('cert');
  out.key = f.str('key');
  out.ca_file = resolvePath(dir, f.str('ca_file'));
  out.cert_file = resolvePath(dir, f.str('cert_file'));
  out.key_file = resolvePath(dir, f.str('key_file'));
  out.server_name = f.str('server_name');
  out.insecure_skip_verify = f.bool('insecure_skip_verify');
  return out;
}

/** prometheus/common's `DefaultHTTPClientConfig`. */
export function defaultHTTPConfig(): HTTPClientConfig {
  return {
    tls_config: parseTLSConfig(undefined, ''),
    follow_redirects: true,
    enable_http2: true,
    proxy_url: '',
    no_proxy: '',
    proxy_from_environment: false,
    proxy_connect_header: {},
    http_headers: {},
  };
}

const HTTP_FIELDS = [
  'basic_auth',
  'authorization',
  'oauth2',
  'bearer_token',
  'bearer_token_file',
  'tls_config',
  'follow_redirects',
  'enable_http2',
  'proxy_url',
  'no_proxy',
  'proxy_from_environment',
  'proxy_connect_header',
  'http_headers',
] as const;
const BASIC_AUTH_FIELDS = ['username', 'username_file', 'username_ref', 'password', 'password_file', 'password_ref'];
const AUTHORIZATION_FIELDS = ['type', 'credentials', 'credentials_file', 'credentials_ref'];
const OAUTH2_FIELDS = [
  'client_id',
  'client_secret',
  'client_secret_file',
  'client_secret_ref',
  'client_certificate_key_id',
  'client_certificate_key',
  'client_certificate_key_file',
  'client_certificate_key_ref',
  'grant_type',
  'signature_algorithm',
  'iss',
  'audience',
  'claims',
  'scopes',
  'token_url',
  'endpoint_params',
  'tls_config',
  'proxy_url',
  'no_proxy',
  'proxy_from_environment',
  'proxy_connect_header',
];
const HEADER_FIELDS = ['values', 'secrets', 'files'];
const RESERVED_HEADERS = new Set(
  [
    'Authorization',
    'Host',
    'Content-Encoding',
    'Content-Length',
    'Content-Type',
    'User-Agent',
    'Connection',
    'Keep-Alive',
    'Proxy-Authenticate',
    'Proxy-Authorization',
    'Www-Authenticate',
    'Accept-Encoding',
    'X-Prometheus-Remote-Write-Version',
    'X-Prometheus-Remote-Read-Version',
    'X-Prometheus-Scrape-Timeout-Seconds',
    'X-Amz-Date',
    'X-Amz-Security-Token',
    'X-Amz-Content-Sha256',
  ].map((h) => h.toLowerCase()),
);

/**
 * Parses an `http_config` as prometheus/common `HTTPClientConfig` (defaults `follow_redirects`
 * and `enable_http2` true), including its `Validate()`: `bearer_token[_file]` becomes an
 * `authorization` of type `Bearer`; conflicting auth settings are rejected with upstream's texts.
 * @param dir the config file's directory, for relative `*_file` paths
 * @throws {ConfigError}
 */
export function parseHTTPConfig(n: YNode, dir: string): HTTPClientConfig {
  const f = new Fields(n, HTTP_FIELDS, 'config.plain');
  const out = defaultHTTPConfig();
  out.tls_config = parseTLSConfig(f.get('tls_config'), dir);
  out.follow_redirects = f.bool('follow_redirects', true);
  out.enable_http2 = f.bool('enable_http2', true);
  out.proxy_url = f.str('proxy_url');
  out.no_proxy = f.str('no_proxy');
  out.proxy_from_environment = f.bool('proxy_from_environment');
  const pch = f.get('proxy_connect_header');
  if (pch) for (const [k, v] of Object.entries(pch.map(null))) out.proxy_connect_header[k] = v.strings();

  let basic: BasicAuthConfig | undefined;
  if (f.has('basic_auth')) {
    const b = new Fields(f.get('basic_auth')!, BASIC_AUTH_FIELDS, 'config.plain');
    const nz = (...ks: string[]) => ks.filter((k) => b.str(k) !== '').length;
    if (nz('username', 'username_file', 'username_ref') > 1) {
      throw f.error('at most one of basic_auth username, username_file & username_ref must be configured');
    }
    if (nz('password', 'password_file', 'password_ref') > 1) {
      throw f.error('at most one of basic_auth password, password_file & password_ref must be configured');
    }
    basic = {
      username: b.str('username'),
      username_file: resolvePath(dir, b.str('username_file')),
      password: b.str('password'),
      password_file: resolvePath(dir, b.str('password_file')),
    };
  }
  let oauth2: Record<string, unknown> | undefined;
  if (f.has('oauth2')) {
    const o = new Fields(f.get('oauth2')!, OAUTH2_FIELDS, 'config.plain');
    if (o.str('client_id') === '') throw f.error('oauth2 client_id must be configured');
    if (o.str('token_url') === '') throw f.error('oauth2 token_url must be configured');
    oauth2 = { client_id: o.str('client_id'), token_url: o.str('token_url') };
  }
  const bearer = f.str('bearer_token');
  const bearerFile = f.str('bearer_token_file');
  if (bearer !== '' && bearerFile !== '') throw f.error('at most one of bearer_token & bearer_token_file must be configured');
  if ((basic || oauth2) && (bearer !== '' || bearerFile !== '')) {
    throw f.error('at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
  }
  let authorization: AuthorizationConfig | undefined;
  if (f.has('authorization')) {
    const a = new Fields(f.get('authorization')!, AUTHORIZATION_FIELDS, 'config.plain');
    if (bearer !== '' || bearerFile !== '') throw f.error('authorization is not compatible with bearer_token & bearer_token_file');
    if ([a.str('credentials'), a.str('credentials_file'), a.str('credentials_ref')].filter((s) => s !== '').length > 1) {
      throw f.error('at most one of authorization credentials & credentials_file must be configured');
    }
    const type = a.str('type').trim() || 'Bearer';
    if (type.toLowerCase() === 'basic') throw f.error('authorization type cannot be set to "basic", use "basic_auth" instead');
    if (basic || oauth2) throw f.error('at most one of basic_auth, oauth2 & authorization must be configured');
    authorization = { type, credentials: a.str('credentials'), credentials_file: resolvePath(dir, a.str('credentials_file')) };
  } else if (bearer !== '') {
    authorization = { type: 'Bearer', credentials: bearer, credentials_file: '' };
  } else if (bearerFile !== '') {
    authorization = { type: 'Bearer', credentials: '', credentials_file: resolvePath(dir, bearerFile) };
  }
  if (oauth2 && basic) throw f.error('at most one of basic_auth, oauth2 & authorization must be configured');
  if (basic) out.basic_auth = basic;
  if (authorization) out.authorization = authorization;
  if (oauth2) out.oauth2 = oauth2;

  if (Object.keys(out.proxy_connect_header).length > 0 && !out.proxy_from_environment && out.proxy_url === '') {
    throw f.error('if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured');
  }
  if (out.proxy_from_environment && out.proxy_url !== '') {
    throw f.error('if proxy_from_environment is configured, proxy_url must not be configured');
  }
  if (out.proxy_from_environment && out.no_proxy !== '') {
    throw f.error('if proxy_from_environment is configured, no_proxy must not be configured');
  }
  if (out.proxy_url === '' && out.no_proxy !== '') throw f.error('if no_proxy is configured, proxy_url must also be configured');

  const hh = f.get('http_headers');
  if (hh) {
    for (const [name, v] of Object.entries(hh.map(null))) {
      if (RESERVED_HEADERS.has(name.toLowerCase())) throw v.error(`setting header ${JSON.stringify(name)} is not allowed`);
      const h = new Fields(v, HEADER_FIELDS, 'config.plain');
      const header: HTTPHeaderConfig = {
        values: h.strings('values'),
        secrets: h.strings('secrets'),
        files: h.strings('files').map((p) => resolvePath(dir, p)),
      };
      out.http_headers[name] = header;
    }
  }
  return out;
}
