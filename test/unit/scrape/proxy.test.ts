/**
 * Scrapes through HTTP proxies: which requests use the proxy (`proxy_url`, `no_proxy`,
 * `proxy_from_environment`), plain-HTTP targets requested by absolute URL with
 * `Proxy-Authorization`, HTTPS targets through a `CONNECT` tunnel with `proxy_connect_header`,
 * and a refused tunnel.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import type { HTTPClientConfig } from '../../../src/config/prometheus/http.js';
import { HttpClient } from '../../../src/scrape/http.js';
import { proxyFor } from '../../../src/scrape/proxy.js';
import { haveProgram } from '../../support/processes.js';

const OPENSSL = '/usr/bin/openssl';
let cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function httpConfig(yaml: string): HTTPClientConfig {
  return parsePrometheusConfig('/tmp/p.yml', `scrape_configs:\n  - job_name: j\n${yaml}    static_configs: [{targets: ['x:1']}]\n`).scrapeConfigs[0]!.httpClientConfig;
}

function client(yaml: string): HttpClient {
  const c = new HttpClient(httpConfig(yaml));
  cleanups.push(() => c.close());
  return c;
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

const get = { timeoutMs: 5000, headers: {}, require200: true };

describe('which requests use the proxy', () => {
  const via = (target: string, yaml: string, env: NodeJS.ProcessEnv = {}) => proxyFor(new URL(target), httpConfig(yaml), env)?.href ?? null;

  it('proxy_url alone proxies everything, localhost included', () => {
    expect(via('http://127.0.0.1:9100/metrics', '    proxy_url: http://proxy:3128\n')).toBe('http://proxy:3128/');
    expect(via('https://example.com/metrics', '    proxy_url: http://proxy:3128\n')).toBe('http://proxy:3128/');
  });

  it('no_proxy: loopback, *, IPs, CIDR blocks, domains with their subdomains, ports', () => {
    const cfg = '    proxy_url: http://proxy:3128\n    no_proxy: "example.com,10.0.0.0/8,192.168.1.7,.corp:8080"\n';
    expect(via('http://localhost:9100/', cfg)).toBeNull();
    expect(via('http://127.0.0.1:9100/', cfg)).toBeNull();
    expect(via('http://example.com/', cfg)).toBeNull();
    expect(via('http://a.b.example.com/', cfg)).toBeNull();
    expect(via('http://notexample.com/', cfg)).toBe('http://proxy:3128/');
    expect(via('http://10.1.2.3:9100/', cfg)).toBeNull();
    expect(via('http://11.1.2.3:9100/', cfg)).toBe('http://proxy:3128/');
    expect(via('http://192.168.1.7/', cfg)).toBeNull();
    expect(via('http://db.corp:8080/', cfg)).toBeNull();
    expect(via('http://db.corp:9090/', cfg)).toBe('http://proxy:3128/');
    expect(via('http://anything/', '    proxy_url: http://proxy:3128\n    no_proxy: "*"\n')).toBeNull();
  });

  it('proxy_from_environment: HTTP_PROXY or HTTPS_PROXY by scheme, NO_PROXY, never loopback', () => {
    const env = { HTTP_PROXY: 'plain:3128', https_proxy: 'http://secure:3129', NO_PROXY: 'skip.me' };
    const cfg = '    proxy_from_environment: true\n';
    expect(via('http://example.com/', cfg, env)).toBe('http://plain:3128/');
    expect(via('https://example.com/', cfg, env)).toBe('http://secure:3129/');
    expect(via('http://skip.me/', cfg, env)).toBeNull();
    expect(via('http://127.0.0.1:9100/', cfg, env)).toBeNull();
    expect(via('http://example.com/', cfg, {})).toBeNull();
  });
});

describe('scraping through a proxy', () => {
  it('asks the proxy for the absolute URL of a plain-HTTP target, with Proxy-Authorization', async () => {
    const seen: { url: string; host: string; auth: string }[] = [];
    const proxyPort = await listen(
      http.createServer((req, res) => {
        seen.push({ url: req.url ?? '', host: req.headers.host ?? '', auth: req.headers['proxy-authorization'] ?? '' });
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end('through_proxy 1\n');
      }),
    );
    const c = client(`    proxy_url: http://us%20er:p%40ss@127.0.0.1:${proxyPort}\n`);
    const res = await c.get('http://target.example:9100/metrics?x=1', get);
    expect(res.body.toString()).toBe('through_proxy 1\n');
    expect(seen).toEqual([{ url: 'http://target.example:9100/metrics?x=1', host: 'target.example:9100', auth: `Basic ${Buffer.from('us er:p@ss').toString('base64')}` }]);
  });

  describe.skipIf(!haveProgram(OPENSSL))('HTTPS targets', () => {
    let dir = '';
    let tlsPort = 0;
    let tlsServer: https.Server;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lookout-proxy-'));
      execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      tlsServer = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end('tunnelled 1\n');
      });
      await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
      tlsPort = (tlsServer.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((r) => tlsServer?.close(r));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('tunnels with CONNECT, sending proxy_connect_header, and verifies TLS end to end', async () => {
      const connects: { target: string; header: string | string[] | undefined }[] = [];
      const proxy = http.createServer();
      proxy.on('connect', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
        connects.push({ target: req.url ?? '', header: req.headers['x-tenant'] });
        const upstream = connect(tlsPort, '127.0.0.1', () => {
          socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.write(head);
          upstream.pipe(socket);
          socket.pipe(upstream);
        });
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      });
      const proxyPort = await listen(proxy);
      const c = client(
        `    proxy_url: http://127.0.0.1:${proxyPort}\n    proxy_connect_header: { X-Tenant: [blue] }\n    tls_config: { ca_file: ${join(dir, 'cert.pem')}, server_name: localhost }\n`,
      );
      for (let i = 0; i < 2; i++) expect((await c.get(`https://127.0.0.1:${tlsPort}/metrics`, get)).body.toString()).toBe('tunnelled 1\n');
      expect(connects).toEqual([{ target: `127.0.0.1:${tlsPort}`, header: 'blue' }]);
    });

    it('fails the scrape when the proxy refuses the tunnel', async () => {
      const proxy = http.createServer();
      proxy.on('connect', (_req: http.IncomingMessage, socket: import('node:stream').Duplex) => {
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      });
      const proxyPort = await listen(proxy);
      const c = client(`    proxy_url: http://127.0.0.1:${proxyPort}\n    tls_config: { insecure_skip_verify: true }\n`);
      await expect(c.get(`https://127.0.0.1:${tlsPort}/metrics`, get)).rejects.toThrow(`Get "https://127.0.0.1:${tlsPort}/metrics": proxyconnect: 407 Proxy Authentication Required`);
    });
  });
});
