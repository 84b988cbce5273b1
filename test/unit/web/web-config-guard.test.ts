/**
 * Serving with `--web.config.file`: basic auth on every route (401 + `WWW-Authenticate: Basic`,
 * nothing leaked), bcrypt results cached, headers, rate limit, the file re-read when it changes,
 * and TLS with client-certificate policies on a real listener.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWebServer, type WebServer } from '../../../src/web/server.js';
import { parseBasicAuth, WebConfigGuard, webConfigFromFlag } from '../../../src/web/web-config-guard.js';
import { call, makeTestCerts, type TestCerts } from './web-config-certs.js';

const ALICE = bcrypt.hashSync('wonderland', 4);
const BOB = bcrypt.hashSync('builder', 4);

let certs: TestCerts;
const servers: WebServer[] = [];

beforeAll(() => {
  certs = makeTestCerts();
});
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
  vi.restoreAllMocks();
});

let fileNo = 0;
function writeConfig(text: string, file = join(certs.dir, `web-${++fileNo}.yml`)): string {
  writeFileSync(file, text);
  return file;
}

async function serve(configText: string): Promise<{ url: string; file: string; registry: Registry }> {
  const file = writeConfig(configText);
  const registry = new Registry();
  const web = await startWebServer({
    listenAddress: '127.0.0.1:0',
    name: 'Test',
    enableLifecycle: false,
    isReady: () => true,
    registry,
    webConfig: WebConfigGuard.open({ file, registry }),
  });
  servers.push(web);
  return { url: web.url, file, registry };
}

describe('parseBasicAuth', () => {
  it('reads the header as Go Request.BasicAuth', () => {
    const h = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(parseBasicAuth(h('a:b:c'))).toEqual({ user: 'a', password: 'b:c' });
    expect(parseBasicAuth(`bAsIc ${Buffer.from('u:').toString('base64')}`)).toEqual({ user: 'u', password: '' });
    expect(parseBasicAuth(h('nocolon'))).toBeNull();
    expect(parseBasicAuth('Bearer abc')).toBeNull();
    expect(parseBasicAuth('Basic !!!')).toBeNull();
    expect(parseBasicAuth(undefined)).toBeNull();
  });
});

describe('basic auth', () => {
  const USERS = `basic_auth_users:\n  alice: ${ALICE}\n  bob: ${BOB}\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n`;

  it('refuses missing, wrong and unknown credentials on every route with 401 and nothing else', async () => {
    const { url } = await serve(USERS);
    for (const path of ['/metrics', '/-/healthy', '/-/ready', '/nonexistent', '/']) {
      for (const auth of [undefined, 'alice:wrong', 'mallory:wonderland', 'alice:']) {
        const r = await call(url + path, { auth });
        expect({ path, auth, status: r.status, body: r.body, www: r.headers['www-authenticate'], frame: r.headers['x-frame-options'] }).toEqual({
          path,
          auth,
          status: 401,
          body: 'Unauthorized\n',
          www: 'Basic',
          frame: 'deny',
        });
      }
    }
    const post = await call(`${url}/-/reload`, { method: 'POST', body: 'x'.repeat(1000) });
    expect([post.status, post.body, post.headers.connection]).toEqual([401, 'Unauthorized\n', 'close']);
  });

  it('serves valid users, with the configured headers', async () => {
    const { url } = await serve(USERS);
    const r = await call(`${url}/-/healthy`, { auth: 'alice:wonderland' });
    expect([r.status, r.body, r.headers['x-frame-options']]).toEqual([200, 'Test is Healthy.\n', 'deny']);
    const m = await call(`${url}/metrics`, { auth: 'bob:builder' });
    expect(m.status).toBe(200);
    expect(m.body).toContain('lookout_web_auth_failures_total 0');
  });

  it('hashes a login once, then answers from the cache (also for concurrent requests)', async () => {
    const { url } = await serve(USERS);
    const spy = vi.spyOn(bcrypt, 'compare');
    const answers = await Promise.all([1, 2, 3].map(() => call(`${url}/-/healthy`, { auth: 'alice:wonderland' })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await call(`${url}/-/healthy`, { auth: 'alice:wonderland' });
    await call(`${url}/-/healthy`, { auth: 'alice:bad' });
    await call(`${url}/-/healthy`, { auth: 'alice:bad' });
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('counts refusals in lookout_web_auth_failures_total', async () => {
    const { url, registry } = await serve(USERS);
    await call(`${url}/metrics`);
    await call(`${url}/metrics`, { auth: 'alice:x' });
    expect((await registry.getSingleMetric('lookout_web_auth_failures_total')!.get()).values[0]!.value).toBe(2);
  });

  it('re-reads the file when it changes; a broken file answers 500 until fixed', async () => {
    const { url, file } = await serve(USERS);
    expect((await call(`${url}/-/healthy`, { auth: 'alice:wonderland' })).status).toBe(200);
    writeConfig(`basic_auth_users:\n  bob: ${BOB}\n`, file);
    expect((await call(`${url}/-/healthy`, { auth: 'alice:wonderland' })).status).toBe(401);
    expect((await call(`${url}/-/healthy`, { auth: 'bob:builder' })).status).toBe(200);
    writeConfig('basic_auth_users: [\n', file);
    const broken = await call(`${url}/-/healthy`, { auth: 'bob:builder' });
    expect([broken.status, broken.body]).toEqual([500, 'Internal Server Error\n']);
    writeConfig('', file);
    expect((await call(`${url}/-/healthy`)).status).toBe(200);
  });
});

describe('rate_limit', () => {
  it('answers 429 past the burst and counts it', async () => {
    const { url, registry } = await serve('rate_limit: {interval: 1h, burst: 2}\n');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(`${url}/-/healthy`)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await registry.getSingleMetric('lookout_web_rate_limited_total')!.get()).values[0]!.value).toBe(1);
  });
});

describe('TLS', () => {
  const tlsConfig = (extra = '') => `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.serverKey}\n${extra}`;

  it('serves HTTPS with the configured certificate', async () => {
    const { url } = await serve(tlsConfig());
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await call(`${url}/-/healthy`, { ca: readFileSync(certs.caCert, 'utf8') });
    expect([r.status, r.body]).toEqual([200, 'Test is Healthy.\n']);
    await expect(call(`${url}/-/healthy`)).rejects.toThrow(/self-signed|unable to verify|self signed/);
  });

  it('refuses TLS 1.2 clients with min_version: TLS13', async () => {
    const { url } = await serve(tlsConfig('  min_version: TLS13\n'));
    const u = new URL(url);
    const err = await new Promise<Error>((resolve) => {
      const req = httpsRequest({ host: u.hostname, port: u.port, path: '/', agent: false, ca: readFileSync(certs.caCert), maxVersion: 'TLSv1.2' }, () => resolve(new Error('answered')));
      req.on('error', resolve);
      req.end();
    });
    expect(err.message).toMatch(/protocol version|alert/i);
  });

  it('RequireAndVerifyClientCert needs a certificate signed by client_ca_file', async () => {
    const { url } = await serve(tlsConfig(`  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${certs.caCert}\n`));
    const ca = readFileSync(certs.caCert, 'utf8');
    await expect(call(`${url}/-/healthy`, { ca })).rejects.toThrow();
    const r = await call(`${url}/-/healthy`, { ca, cert: readFileSync(certs.clientCert, 'utf8'), key: readFileSync(certs.clientKey, 'utf8') });
    expect(r.status).toBe(200);
  });

  it('client_allowed_sans refuses a client certificate without an allowed SAN', async () => {
    const base = `  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${certs.caCert}\n`;
    const client = { ca: readFileSync(certs.caCert, 'utf8'), cert: readFileSync(certs.clientCert, 'utf8'), key: readFileSync(certs.clientKey, 'utf8') };
    const ok = await serve(tlsConfig(`${base}  client_allowed_sans: [client.test]\n`));
    expect((await call(`${ok.url}/-/healthy`, client)).status).toBe(200);
    const refused = await serve(tlsConfig(`${base}  client_allowed_sans: [other.test]\n`));
    await expect(call(`${refused.url}/-/healthy`, client)).rejects.toThrow();
  });

  it('new connections use certificates changed on disk', async () => {
    const { url, file } = await serve(tlsConfig());
    const other = makeTestCerts();
    writeConfig(`tls_server_config:\n  cert_file: ${other.serverCert}\n  key_file: ${other.serverKey}\n`, file);
    const r = await call(`${url}/-/healthy`, { ca: readFileSync(other.caCert, 'utf8') });
    expect(r.status).toBe(200);
    await expect(call(`${url}/-/healthy`, { ca: readFileSync(certs.caCert, 'utf8') })).rejects.toThrow();
  });
});

describe('webConfigFromFlag', () => {
  it('is off for an empty flag and words startup errors as upstream', () => {
    expect(webConfigFromFlag('')).toBeUndefined();
    const file = writeConfig('tls_server_config:\n  cert_file: /nonexistent/x.crt\n  key_file: /nonexistent/x.key\n');
    expect(() => webConfigFromFlag(file)).toThrow(
      'Unable to validate web configuration file: failed to read cert_file (/nonexistent/x.crt): open /nonexistent/x.crt: no such file or directory',
    );
  });
});
