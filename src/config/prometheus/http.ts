/**
 * The HTTP client configuration of prometheus/common (`config.HTTPClientConfig`): `basic_auth`,
 * `authorization`, `oauth2`, `bearer_token(_file)`, `tls_config`, proxy settings,
 * `follow_redirects`, `enable_http2`, `http_headers`. Validation and error texts follow upstream.
 * Relative file paths are joined with the config file's directory.
 *
 * One parser for both loaders: `prometheus.yml` inlines these fields into scrape configs,
 * Alertmanager configs, remote read/write and most service-discovery configs
 * ({@link parseHTTPClientConfig}); `alertmanager.yml` writes them as an `http_config:` mapping of
 * their own ({@link parseHTTPClientConfigNode}).
 */
import { readFileSync } from 'node:fs';
import type { YNode } from '../yaml.js';
import { joinDir, parseGoURL } from './values.js';

/** Keys the HTTP client configuration adds to a mapping it is inlined into. */
export const HTTP_CLIENT_FIELDS = [
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

/** `basic_auth`. Exactly as written; `*File` paths are absolute after loading. */
export interface BasicAuth {
  username: string;
  usernameFile: string;
  password: string;
  passwordFile: string;
}

/** `authorization` (also what `bearer_token`/`bearer_token_file` become, with type `Bearer`). */
export interface Authorization {
  /** Scheme of the `Authorization` header; `Bearer` by default. */
  type: string;
  credentials: string;
  credentialsFile: string;
}

/** `tls_config`. Versions are upstream names (`TLS12`, …) or `''`. */
export interface TLSConfig {
  ca: string;
  caFile: string;
  cert: string;
  certFile: string;
  key: string;
  keyFile: string;
  serverName: string;
  insecureSkipVerify: boolean;
  minVersion: string;
  maxVersion: string;
}

/** `oauth2`: the scraper fetches tokens with the client-credentials grant (see scrape/oauth2.ts). */
export interface OAuth2 {
  /** `grant_type`: `''` (client credentials, the default) or upstream's JWT-bearer URN. */
  grantType: string;
  clientId: string;
  clientSecret: string;
  clientSecretFile: string;
  scopes: string[];
  tokenUrl: string;
  endpointParams: Record<string, string>;
  tlsConfig: TLSConfig;
}

/** One `http_headers` entry: literal values, secret values and files whose trimmed content is a value. */
export interface HeaderValues {
  values: string[];
  secrets: string[];
  files: string[];
}

/** The whole HTTP client configuration. */
export interface HTTPClientConfig {
  basicAuth: BasicAuth | null;
  authorization: Authorization | null;
  oauth2: OAuth2 | null;
  tlsConfig: TLSConfig;
  /** Follow 3xx redirects (default true). */
  followRedirects: boolean;
  /**
   * Negotiate HTTP/2 by TLS ALPN with `https` targets (default true, as upstream). The scraper
   * and HTTP SD honour it (src/scrape/h2.ts); other clients speak HTTP/1.1 regardless.
   */
  enableHttp2: boolean;
  proxyUrl: string;
  noProxy: string;
  proxyFromEnvironment: boolean;
  proxyConnectHeader: Record<string, string[]>;
  httpHeaders: Record<string, HeaderValues>;
  /** True when none of the fields was set (upstream compares with `DefaultHTTPClientConfig`). */
  isDefault: boolean;
}

const TLS_VERSIONS = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];
/** Header names upstream refuses in `http_headers` (canonical form). */
const RESERVED_HEADERS = new Set([
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
]);

/** An empty TLS configuration. */
export function defaultTLSConfig(): TLSConfig {
  return {
    ca: '',
    caFile: '',
    cert: '',
    certFile: '',
    key: '',
    keyFile: '',
    serverName: '',
    insecureSkipVerify: false,
    minVersion: '',
    maxVersion: '',
  };
}

/** The HTTP client configuration used when none is written (upstream `DefaultHTTPClientConfig`). */
export function defaultHTTPClientConfig(): HTTPClientConfig {
  return {
    basicAuth: null,
    authorization: null,
    oauth2: null,
    tlsConfig: defaultTLSConfig(),
    followRedirects: true,
    enableHttp2: true,
    proxyUrl: '',
    noProxy: '',
    proxyFromEnvironment: false,
    proxyConnectHeader: {},
    httpHeaders: {},
    isDefault: true,
  };
}

/**
 * Reads the inlined HTTP client fields from `fields` (the entries of the enclosing mapping) and
 * validates them as upstream `HTTPClientConfig.Validate`.
 * @param owner the enclosing mapping, where validation errors are reported (a field's own problems,
 *   e.g. a reserved `http_headers` name or a bad `tls_config`, at that field)
 * @param dir directory that relative file paths are joined with
 * @throws {ConfigError}
 */
export function parseHTTPClientConfig(fields: Record<string, YNode>, owner: YNode, dir: string): HTTPClientConfig {
  const c = defaultHTTPClientConfig();
  c.isDefault = !HTTP_CLIENT_FIELDS.some((f) => f in fields);
  const f = fields;
  if (f.basic_auth && !f.basic_auth.isNull) {
    const m = f.basic_auth.map(['username', 'username_file', 'username_ref', 'password', 'password_file', 'password_ref'], 'config.plain');
    c.basicAuth = {
      username: m.username?.str() ?? '',
      usernameFile: joinDir(dir, m.username_file?.str() ?? ''),
      password: m.password?.str() ?? '',
      passwordFile: joinDir(dir, m.password_file?.str() ?? ''),
    };
    if (count(c.basicAuth.username, c.basicAuth.usernameFile, m.username_ref?.str()) > 1) {
      throw owner.error('at most one of basic_auth username, username_file & username_ref must be configured');
    }
    if (count(c.basicAuth.password, c.basicAuth.passwordFile, m.password_ref?.str()) > 1) {
      throw owner.error('at most one of basic_auth password, password_file & password_ref must be configured');
    }
  }
  let authRef = '';
  if (f.authorization && !f.authorization.isNull) {
    const m = f.authorization.map(['type', 'credentials', 'credentials_file', 'credentials_ref'], 'config.plain');
    authRef = m.credentials_ref?.str() ?? '';
    c.authorization = {
      type: (m.type?.str() ?? '').trim() || 'Bearer',
      credentials: m.credentials?.str() ?? '',
      credentialsFile: joinDir(dir, m.credentials_file?.str() ?? ''),
    };
  }
  if (f.oauth2 && !f.oauth2.isNull) c.oauth2 = parseOAuth2(f.oauth2, dir);
  const bearerToken = f.bearer_token?.str() ?? '';
  const bearerTokenFile = joinDir(dir, f.bearer_token_file?.str() ?? '');
  if (f.tls_config) c.tlsConfig = parseTLSConfig(f.tls_config, dir);
  if (f.follow_redirects && !f.follow_redirects.isNull) c.followRedirects = f.follow_redirects.bool();
  if (f.enable_http2 && !f.enable_http2.isNull) c.enableHttp2 = f.enable_http2.bool();
  c.proxyUrl = f.proxy_url?.str() ?? '';
  if (c.proxyUrl) parseGoURLAt(f.proxy_url!, c.proxyUrl);
  c.noProxy = f.no_proxy?.str() ?? '';
  if (f.proxy_from_environment && !f.proxy_from_environment.isNull) c.proxyFromEnvironment = f.proxy_from_environment.bool();
  if (f.proxy_connect_header) {
    for (const [name, v] of Object.entries(f.proxy_connect_header.map(null))) c.proxyConnectHeader[name] = v.strings();
  }
  const headerNodes = f.http_headers ? f.http_headers.map(null) : {};
  for (const [name, v] of Object.entries(headerNodes)) {
    const m = v.map(['values', 'secrets', 'files'], 'config.Header');
    c.httpHeaders[name] = {
      values: m.values?.strings() ?? [],
      secrets: m.secrets?.strings() ?? [],
      files: (m.files?.strings() ?? []).map((p) => joinDir(dir, p)),
    };
  }

  // Validation, in upstream's order.
  if (bearerToken && bearerTokenFile) throw owner.error('at most one of bearer_token & bearer_token_file must be configured');
  if ((c.basicAuth || c.oauth2) && (bearerToken || bearerTokenFile)) {
    throw owner.error('at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
  }
  if (c.authorization) {
    if (bearerToken || bearerTokenFile) throw owner.error('authorization is not compatible with bearer_token & bearer_token_file');
    if (count(c.authorization.credentials, c.authorization.credentialsFile, authRef) > 1) {
      throw owner.error('at most one of authorization credentials & credentials_file must be configured');
    }
    if (c.authorization.type.toLowerCase() === 'basic') {
      throw owner.error('authorization type cannot be set to "basic", use "basic_auth" instead');
    }
    if (c.basicAuth || c.oauth2) throw owner.error('at most one of basic_auth, oauth2 & authorization must be configured');
  } else if (bearerToken) {
    c.authorization = { type: 'Bearer', credentials: bearerToken, credentialsFile: '' };
  } else if (bearerTokenFile) {
    c.authorization = { type: 'Bearer', credentials: '', credentialsFile: bearerTokenFile };
  }
  if (c.oauth2) {
    if (c.basicAuth) throw owner.error('at most one of basic_auth, oauth2 & authorization must be configured');
    if (!c.oauth2.clientId) throw owner.error('oauth2 client_id must be configured');
    if (!c.oauth2.tokenUrl) throw owner.error('oauth2 token_url must be configured');
  }
  const connectHeaders = Object.keys(c.proxyConnectHeader).length > 0;
  if (connectHeaders && !c.proxyFromEnvironment && !c.proxyUrl) {
    throw owner.error('if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured');
  }
  if (c.proxyFromEnvironment && c.proxyUrl) throw owner.error('if proxy_from_environment is configured, proxy_url must not be configured');
  if (c.proxyFromEnvironment && c.noProxy) throw owner.error('if proxy_from_environment is configured, no_proxy must not be configured');
  if (!c.proxyUrl && c.noProxy) throw owner.error('if no_proxy is configured, proxy_url must also be configured');
  for (const [name, v] of Object.entries(headerNodes)) {
    const canonical = canonicalHeaderKey(name);
    if (RESERVED_HEADERS.has(canonical)) throw v.error(`setting header ${JSON.stringify(canonical)} is not allowed`);
  }
  return c;
}

/**
 * Parses an `http_config:` mapping of its own (as `alertmanager.yml` writes it: `global` and every
 * receiver integration) with {@link parseHTTPClientConfig}; errors are reported at the mapping
 * (or, for a field's own problems, at the field).
 * A null node gives the defaults.
 * @throws {ConfigError}
 */
export function parseHTTPClientConfigNode(node: YNode, dir: string): HTTPClientConfig {
  return parseHTTPClientConfig(node.map(HTTP_CLIENT_FIELDS, 'config.plain'), node, dir);
}

/**
 * The request headers an HTTP client configuration asks for: `Authorization` from `basic_auth`
 * (`Basic base64(user:pass)`) or `authorization` (`<type> <credentials>`; `bearer_token` was
 * turned into one at load time), then every `http_headers` entry with its values, secrets and
 * file contents joined by `, `. Header names as written, `authorization` in lower case.
 * Validation allows only one of `basic_auth` and `authorization`; where a loader adds an
 * `authorization` on top (Alertmanager's Slack `app_token`), the `authorization` wins.
 * @param readSecret returns the trimmed content of a `*_file`; it decides what an unreadable file
 *   means (the scraper sends `''`, notifications fail), as it is read on every request upstream.
 */
export function requestHeaders(cfg: HTTPClientConfig, readSecret: (path: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  if (cfg.basicAuth) {
    const b = cfg.basicAuth;
    const user = b.usernameFile ? readSecret(b.usernameFile) : b.username;
    const pass = b.passwordFile ? readSecret(b.passwordFile) : b.password;
    out.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  if (cfg.authorization) {
    const a = cfg.authorization;
    out.authorization = `${a.type} ${a.credentialsFile ? readSecret(a.credentialsFile) : a.credentials}`;
  }
  for (const [name, h] of Object.entries(cfg.httpHeaders)) {
    const values = [...h.values, ...h.secrets, ...h.files.map(readSecret)];
    if (values.length > 0) out[name] = values.join(', ');
  }
  return out;
}

/**
 * Parses and validates a `tls_config` mapping (upstream `TLSConfig.Validate`).
 * @throws {ConfigError}
 */
export function parseTLSConfig(node: YNode, dir: string): TLSConfig {
  const m = node.map(
    ['ca', 'cert', 'key', 'ca_file', 'cert_file', 'key_file', 'ca_ref', 'cert_ref', 'key_ref', 'server_name', 'insecure_skip_verify', 'min_version', 'max_version'],
    'config.plain',
  );
  const t = defaultTLSConfig();
  t.ca = m.ca?.str() ?? '';
  t.cert = m.cert?.str() ?? '';
  t.key = m.key?.str() ?? '';
  t.caFile = joinDir(dir, m.ca_file?.str() ?? '');
  t.certFile = joinDir(dir, m.cert_file?.str() ?? '');
  t.keyFile = joinDir(dir, m.key_file?.str() ?? '');
  t.serverName = m.server_name?.str() ?? '';
  if (m.insecure_skip_verify && !m.insecure_skip_verify.isNull) t.insecureSkipVerify = m.insecure_skip_verify.bool();
  for (const k of ['min_version', 'max_version'] as const) {
    const v = m[k]?.str() ?? '';
    if (v && !TLS_VERSIONS.includes(v)) throw m[k]!.error(`unknown TLS version: ${v}`);
    if (k === 'min_version') t.minVersion = v;
    else t.maxVersion = v;
  }
  const caRef = m.ca_ref?.str() ?? '';
  const certRef = m.cert_ref?.str() ?? '';
  const keyRef = m.key_ref?.str() ?? '';
  if (count(t.ca, t.caFile, caRef) > 1) throw node.error('at most one of ca, ca_file & ca_ref must be configured');
  if (count(t.cert, t.certFile, certRef) > 1) throw node.error('at most one of cert, cert_file & cert_ref must be configured');
  if (count(t.key, t.keyFile, keyRef) > 1) throw node.error('at most one of key and key_file must be configured');
  const usingCert = count(t.cert, t.certFile, certRef) > 0;
  const usingKey = count(t.key, t.keyFile, keyRef) > 0;
  if (usingCert && !usingKey) throw node.error('exactly one of key or key_file must be configured when a client certificate is configured');
  if (usingKey && !usingCert) throw node.error('exactly one of cert or cert_file must be configured when a client key is configured');
  return t;
}

function parseOAuth2(node: YNode, dir: string): OAuth2 {
  const m = node.map(
    [
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
    ],
    'config.plain',
  );
  const o: OAuth2 = {
    grantType: m.grant_type?.str() ?? '',
    clientId: m.client_id?.str() ?? '',
    clientSecret: m.client_secret?.str() ?? '',
    clientSecretFile: joinDir(dir, m.client_secret_file?.str() ?? ''),
    scopes: m.scopes?.strings() ?? [],
    tokenUrl: m.token_url?.str() ?? '',
    endpointParams: m.endpoint_params?.stringMap() ?? {},
    tlsConfig: m.tls_config ? parseTLSConfig(m.tls_config, dir) : defaultTLSConfig(),
  };
  if ((m.grant_type?.str() ?? '') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    if (count(o.clientSecret, o.clientSecretFile, m.client_secret_ref?.str()) > 1) {
      throw node.error(
        'at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials',
      );
    }
  }
  return o;
}

function parseGoURLAt(node: YNode, raw: string): void {
  try {
    parseGoURL(raw);
  } catch (e) {
    throw node.error((e as Error).message);
  }
}

function count(...values: (string | undefined)[]): number {
  let n = 0;
  for (const v of values) if (v) n++;
  return n;
}

/** Go's `http.CanonicalHeaderKey`: `x-foo-bar` → `X-Foo-Bar`. */
function canonicalHeaderKey(name: string): string {
  if (/[^A-Za-z0-9!#$%&'*+\-.^_`|~]/.test(name)) return name;
  return name
    .split('-')
    .map((p) => (p ? p[0]!.toUpperCase() + p.slice(1).toLowerCase() : p))
    .join('-');
}

/**
 * The trimmed content of a secret `*_file`, or `''` when it cannot be read (what the scraper and the
 * notifier send then, as upstream sends an empty credential and lets the server refuse it).
 */
export function readSecretOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
