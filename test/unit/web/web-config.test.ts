/**
 * `--web.config.file` parsing as exporter-toolkit: defaults, relative names, enumerations, strict
 * fields and upstream's validation messages, located at file:line:column.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/yaml.js';
import { bcryptHashProblem, parseWebConfig, readWebConfig, tlsContextOptions } from '../../../src/web/web-config.js';

const HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const parse = (text: string) => parseWebConfig('/etc/lookout/web.yml', text);
const fail = (text: string) => {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('parseWebConfig', () => {
  it('an empty file enables nothing', () => {
    expect(parse('')).toEqual({ tls: null, http2: true, headers: {}, users: new Map(), rateLimit: null });
  });

  it('reads TLS with upstream defaults and names relative to the file', () => {
    const c = parse('tls_server_config:\n  cert_file: server.crt\n  key_file: /abs/server.key\n');
    expect(c.tls).toEqual({
      certFile: '/etc/lookout/server.crt',
      keyFile: '/abs/server.key',
      clientCaFile: '',
      cert: '',
      key: '',
      clientCa: '',
      clientAuthType: 'NoClientCert',
      clientAllowedSans: null,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      cipherSuites: [],
      curvePreferences: [],
      preferServerCipherSuites: true,
    });
  });

  it('maps versions, ciphers, curves and client auth to Node names', () => {
    const c = parse(
      [
        'tls_server_config:',
        '  cert_file: a.crt',
        '  key_file: a.key',
        '  client_ca_file: ca.crt',
        '  client_auth_type: RequireClientCert',
        '  client_allowed_sans: [client.test]',
        '  min_version: TLS13',
        '  max_version: TLS13',
        '  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]',
        '  curve_preferences: [X25519, CurveP256]',
        '  prefer_server_cipher_suites: false',
      ].join('\n'),
    );
    expect(c.tls).toMatchObject({
      clientCaFile: '/etc/lookout/ca.crt',
      clientAuthType: 'RequireAnyClientCert',
      clientAllowedSans: ['client.test'],
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      cipherSuites: ['ECDHE-RSA-AES128-GCM-SHA256'],
      curvePreferences: ['X25519', 'P-256'],
      preferServerCipherSuites: false,
    });
  });

  it('reads headers, http2, users and rate_limit', () => {
    const c = parse(
      [
        'http_server_config:',
        '  http2: false',
        '  headers:',
        '    X-Frame-Options: deny',
        '    Content-Security-Policy: "default-src \'self\'"',
        '    X-XSS-Protection: ""',
        'basic_auth_users:',
        `  alice: ${HASH}`,
        'rate_limit: {interval: 100ms, burst: 5}',
      ].join('\n'),
    );
    expect(c.http2).toBe(false);
    expect(c.headers).toEqual({ 'X-Frame-Options': 'deny', 'Content-Security-Policy': "default-src 'self'" });
    expect([...c.users]).toEqual([['alice', HASH]]);
    expect(c.rateLimit).toEqual({ intervalMs: 100, burst: 5 });
  });

  it('refuses unknown fields like yaml.UnmarshalStrict', () => {
    expect(fail('tls_server_config:\n  cert_file: a\n  key_file: b\n  certfile: c\n')).toBe(
      '/etc/lookout/web.yml:4:3: tls_server_config.certfile: field certfile not found in type web.TLSConfig',
    );
    expect(fail('basic_auth:\n  a: b\n')).toBe('/etc/lookout/web.yml:1:1: basic_auth: field basic_auth not found in type web.Config');
    expect(fail('http_server_config: {http3: true}')).toBe(
      '/etc/lookout/web.yml:1:22: http_server_config.http3: field http3 not found in type web.HTTPConfig',
    );
  });

  it('gives upstream messages for bad TLS blocks', () => {
    expect(fail('tls_server_config:\n  key_file: b\n')).toBe('/etc/lookout/web.yml:2:3: tls_server_config: missing one of cert or cert_file');
    expect(fail('tls_server_config:\n  cert_file: a\n')).toBe('/etc/lookout/web.yml:2:3: tls_server_config: missing one of key or key_file');
    expect(fail('tls_server_config: {cert_file: a, key_file: b, min_version: TLS9}')).toBe(
      '/etc/lookout/web.yml:1:61: tls_server_config.min_version: unknown TLS version: TLS9',
    );
    expect(fail('tls_server_config: {cert_file: a, key_file: b, cipher_suites: [RC4]}')).toBe(
      '/etc/lookout/web.yml:1:64: tls_server_config.cipher_suites[0]: unknown cipher: RC4',
    );
    expect(fail('tls_server_config: {cert_file: a, key_file: b, curve_preferences: [P999]}')).toBe(
      '/etc/lookout/web.yml:1:68: tls_server_config.curve_preferences[0]: unknown curve: P999',
    );
    expect(fail('tls_server_config: {cert_file: a, key_file: b, client_auth_type: Maybe}')).toBe(
      '/etc/lookout/web.yml:1:66: tls_server_config.client_auth_type: invalid ClientAuth: Maybe',
    );
    expect(fail('tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}')).toBe(
      "/etc/lookout/web.yml:1:64: tls_server_config.client_ca_file: client CA's have been configured without a Client Auth Policy",
    );
  });

  it('refuses headers upstream does not allow', () => {
    expect(fail('http_server_config:\n  headers:\n    Server: x\n')).toBe(
      '/etc/lookout/web.yml:3:13: http_server_config.headers.Server: HTTP header "Server" can not be configured',
    );
    expect(fail('http_server_config:\n  headers:\n    X-Frame-Options: allow\n')).toBe(
      '/etc/lookout/web.yml:3:22: http_server_config.headers.X-Frame-Options: invalid value for X-Frame-Options. Expected one of: ["deny" "sameorigin"], but got: "allow"',
    );
  });

  it('refuses unusable bcrypt hashes at load, as bcrypt.Cost', () => {
    expect(fail('basic_auth_users:\n  bob: plaintext\n')).toBe(
      '/etc/lookout/web.yml:2:8: basic_auth_users.bob: crypto/bcrypt: hashedSecret too short to be a bcrypted password',
    );
    expect(bcryptHashProblem(HASH)).toBeNull();
    expect(bcryptHashProblem(HASH.replace('$10$', '$03$'))).toBe('crypto/bcrypt: cost 3 is outside allowed range (4,31)');
    expect(bcryptHashProblem('x' + HASH.slice(1))).toBe("crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with 'x'");
    expect(bcryptHashProblem('$3' + HASH.slice(2))).toBe("crypto/bcrypt: bcrypt algorithm version '3' requested is newer than current version '2'");
  });

  it('reports an unreadable file in Go wording', () => {
    expect(() => readWebConfig('/nonexistent/web.yml')).toThrow(/^open \/nonexistent\/web.yml: no such file or directory$/);
  });
});

describe('tlsContextOptions', () => {
  it('uses inline PEM and maps the client auth policy', () => {
    const c = parse('tls_server_config:\n  cert: CERT\n  key: KEY\n  client_ca: CA\n  client_auth_type: RequireAndVerifyClientCert\n  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n');
    expect(tlsContextOptions(c.tls!)).toEqual({
      cert: 'CERT',
      key: 'KEY',
      ca: 'CA',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      honorCipherOrder: true,
      requestCert: true,
      rejectUnauthorized: true,
      ciphers: 'AES128-SHA:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
    });
  });

  it('names the file it cannot read', () => {
    const c = parse('tls_server_config: {cert_file: /nonexistent/a.crt, key_file: b.key}');
    expect(() => tlsContextOptions(c.tls!)).toThrow('failed to read cert_file (/nonexistent/a.crt): open /nonexistent/a.crt: no such file or directory');
  });
});
