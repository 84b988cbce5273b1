/** prometheus/common `http_config`: the one parser both loaders use, and the request headers it asks for. */
import { describe, expect, it } from 'vitest';
import { defaultHTTPClientConfig, parseHTTPClientConfigNode, requestHeaders } from '../../../src/config/prometheus/http.js';
import { ConfigError, loadYaml } from '../../../src/config/yaml.js';

const parse = (yaml: string) => parseHTTPClientConfigNode(loadYaml('/etc/am/alertmanager.yml', yaml), '/etc/am');

function errorOf(yaml: string): string {
  try {
    parse(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseHTTPClientConfigNode (alertmanager.yml http_config)', () => {
  it('parses with defaults, bearer_token as authorization and relative files joined', () => {
    const c = parse('bearer_token_file: tok\nhttp_headers: {X-A: {values: [a], files: [h]}}\n');
    expect(c.authorization).toEqual({ type: 'Bearer', credentials: '', credentialsFile: '/etc/am/tok' });
    expect(c.httpHeaders).toEqual({ 'X-A': { values: ['a'], secrets: [], files: ['/etc/am/h'] } });
    expect([c.followRedirects, c.enableHttp2, c.basicAuth, c.isDefault]).toEqual([true, true, null, false]);
    expect(parse('')).toEqual(defaultHTTPClientConfig());
  });
  it('validates in upstream order with upstream texts, located at the mapping or the field', () => {
    expect(errorOf('oauth2: {token_url: "http://t"}\nbearer_token: a\n')).toBe(
      '/etc/am/alertmanager.yml:1:1: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured',
    );
    expect(errorOf('tls_config: {cert_ref: a}\n')).toBe(
      '/etc/am/alertmanager.yml:1:13: tls_config: exactly one of key or key_file must be configured when a client certificate is configured',
    );
    expect(errorOf('http_headers:\n  authorization: {values: [x]}\n')).toBe(
      '/etc/am/alertmanager.yml:2:18: http_headers.authorization: setting header "Authorization" is not allowed',
    );
  });
});

describe('requestHeaders', () => {
  it('builds Authorization and joins header values, reading files through the caller', () => {
    const c = parse('basic_auth: {username: u, password_file: pw}\nhttp_headers: {X-A: {values: [a], secrets: [s], files: [f]}}\n');
    const read = (p: string) => `<${p}>`;
    expect(requestHeaders(c, read)).toEqual({
      authorization: `Basic ${Buffer.from('u:</etc/am/pw>').toString('base64')}`,
      'X-A': 'a, s, </etc/am/f>',
    });
    expect(requestHeaders(parse('authorization: {type: Token, credentials: x}\n'), read)).toEqual({ authorization: 'Token x' });
  });
  it('lets an authorization added after loading win over basic_auth', () => {
    const c = parse('basic_auth: {username: u}\n');
    c.authorization = { type: 'Bearer', credentials: 'app', credentialsFile: '' };
    expect(requestHeaders(c, () => '')).toEqual({ authorization: 'Bearer app' });
  });
});
