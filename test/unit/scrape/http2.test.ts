/**
 * `enable_http2` (upstream default true): the scrape client negotiates HTTP/2 by TLS ALPN with
 * https targets and keeps HTTP/1.1 otherwise, with everything the scrape honours (headers,
 * timeout, gzip, body size limit, TLS verification, redirects) working over HTTP/2 too.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { connect as netConnect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { Logger } from '../../../src/log.js';
import { HTTPDiscovery } from '../../../src/scrape/discovery/http.js';
import { HttpClient, HttpGetError, type HttpGetOptions } from '../../../src/scrape/http.js';
import { createScrapeMetrics } from '../../../src/scrape/metrics.js';
import { makeTestCerts, type TestCerts } from '../web/web-config-certs.js';

type Req = http2.Http2ServerRequest;
type Res = http2.Http2ServerResponse;
type Handler = (req: Req, res: Res) => void;

interface SecureTarget {
  address: string;
  /** `httpVersion` and headers of each request, in order. */
  seen: { version: string; headers: Record<string, string | string[] | undefined> }[];
  /** HTTP/2 sessions opened and closed so far (HTTP/2 server only). */
  sessions: { opened: number; closed: number };
  /** TLS connections accepted so far. */
  connections: number;
}

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** An HTTPS target: HTTP/2 with HTTP/1.1 fallback, or (`http1Only`) a plain HTTPS server. */
async function target(handler: Handler, http1Only = false): Promise<SecureTarget> {
  const t: SecureTarget = { address: '', seen: [], sessions: { opened: 0, closed: 0 }, connections: 0 };
  // Client certificates are asked for (to see them) but not required.
  const tlsOpts = { key: readFileSync(certs.serverKey), cert: readFileSync(certs.serverCert), requestCert: true, rejectUnauthorized: false };
  const onRequest = (req: Req, res: Res) => {
    t.seen.push({ version: req.httpVersion, headers: { ...req.headers } });
    handler(req, res);
  };
  const server = http1Only
    ? https.createServer(tlsOpts, onRequest as unknown as Parameters<typeof https.createServer>[1])
    : http2.createSecureServer({ ...tlsOpts, allowHTTP1: true }, onRequest);
  const h2Sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s: http2.ServerHttp2Session) => {
    t.sessions.opened++;
    h2Sessions.add(s);
    s.on('close', () => {
      t.sessions.closed++;
      h2Sessions.delete(s);
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('secureConnection', (s: import('node:net').Socket) => {
    t.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of h2Sessions) s.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return t;
}

/** A client for a scrape config with `extra` fields (indented four spaces, each line ending in a newline). */
function client(extra: string, ca = true): HttpClient {
  const tls = ca ? `    tls_config: {ca_file: ${certs.caCert}}\n` : '';
  const cfg = parsePrometheusConfig('/tmp/p.yml', `scrape_configs:\n  - job_name: j\n${tls}${extra}    static_configs: [{targets: ['x:1']}]\n`);
  const c = new HttpClient(cfg.scrapeConfigs[0]!.httpClientConfig);
  cleanups.push(() => c.close());
  return c;
}

const TEXT = { 'content-type': 'text/plain; version=0.0.4' };
const ok: Handler = (_req, res) => {
  res.writeHead(200, TEXT);
  res.end('up 1\n');
};

function opts(o: Partial<HttpGetOptions> = {}): HttpGetOptions {
  return {
    timeoutMs: 5000,
    headers: { accept: 'text/plain;version=0.0.4', 'accept-encoding': 'gzip', 'user-agent': 'Lookout/test', 'x-prometheus-scrape-timeout-seconds': '5' },
    require200: true,
    ...o,
  };
}

async function failure(p: Promise<unknown>): Promise<HttpGetError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HttpGetError);
    return e as HttpGetError;
  }
  throw new Error('request succeeded');
}

describe('protocol negotiation', () => {
  it('uses HTTP/2 with enable_http2: true, sharing one session across requests', async () => {
    const t = await target(ok);
    const c = client('    enable_http2: true\n');
    const url = `https://${t.address}/metrics`;
    const a = await c.get(url, opts());
    const b = await c.get(url, opts());
    expect(a.body.toString()).toBe('up 1\n');
    expect(b.body.toString()).toBe('up 1\n');
    expect(a.contentType).toBe('text/plain; version=0.0.4');
    expect(t.seen.map((s) => s.version)).toEqual(['2.0', '2.0']);
    expect(t.sessions.opened).toBe(1);
  });

  it('uses HTTP/2 when enable_http2 is not written (upstream default true)', async () => {
    const t = await target(ok);
    await client('').get(`https://${t.address}/metrics`, opts());
    expect(t.seen.map((s) => s.version)).toEqual(['2.0']);
  });

  it('uses HTTP/1.1 with enable_http2: false', async () => {
    const t = await target(ok);
    const c = client('    enable_http2: false\n');
    await c.get(`https://${t.address}/metrics`, opts());
    await c.get(`https://${t.address}/metrics`, opts());
    expect(t.seen.map((s) => s.version)).toEqual(['1.1', '1.1']);
    expect(t.sessions.opened).toBe(0);
  });

  it('falls back to HTTP/1.1 against an HTTPS server without HTTP/2, keeping the connection alive', async () => {
    const t = await target(ok, true);
    const c = client('    enable_http2: true\n');
    const a = await c.get(`https://${t.address}/metrics`, opts());
    const b = await c.get(`https://${t.address}/metrics`, opts());
    expect([a.body.toString(), b.body.toString()]).toEqual(['up 1\n', 'up 1\n']);
    expect(t.seen.map((s) => s.version)).toEqual(['1.1', '1.1']);
    expect(t.connections).toBe(1);
  });

  it('closes the HTTP/2 session when the client closes (pool stop or new config)', async () => {
    const t = await target(ok);
    const c = client('');
    await c.get(`https://${t.address}/metrics`, opts());
    c.close();
    await expect.poll(() => t.sessions.closed).toBe(1);
  });
});

describe('over HTTP/2', () => {
  it('sends the scrape headers and basic auth', async () => {
    const t = await target(ok);
    await client('    basic_auth: {username: u, password: p}\n').get(`https://${t.address}/metrics?x=1`, opts());
    const h = t.seen[0]!.headers;
    expect(t.seen[0]!.version).toBe('2.0');
    expect([h[':path'], h[':authority'], h.accept, h['accept-encoding'], h['user-agent'], h['x-prometheus-scrape-timeout-seconds']]).toEqual([
      '/metrics?x=1',
      t.address,
      'text/plain;version=0.0.4',
      'gzip',
      'Lookout/test',
      '5',
    ]);
    expect(h.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('sends authorization credentials and http_headers', async () => {
    const t = await target(ok);
    await client('    authorization: {credentials: tok}\n    http_headers: {X-Extra: {values: [a, b]}}\n').get(`https://${t.address}/metrics`, opts());
    expect(t.seen[0]!.version).toBe('2.0');
    expect([t.seen[0]!.headers.authorization, t.seen[0]!.headers['x-extra']]).toEqual(['Bearer tok', 'a, b']);
  });

  it('leaves out connection-specific http_headers that HTTP/2 forbids', async () => {
    const t = await target(ok);
    await client('    http_headers: {Upgrade: {values: [x]}, Transfer-Encoding: {values: [y]}, X-Kept: {values: [z]}}\n').get(`https://${t.address}/metrics`, opts());
    const h = t.seen[0]!.headers;
    expect(t.seen[0]!.version).toBe('2.0');
    expect([h.upgrade, h['transfer-encoding'], h['x-kept']]).toEqual([undefined, undefined, 'z']);
  });

  it('inflates a gzip body', async () => {
    const t = await target((_req, res) => {
      res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
      res.end(gzipSync('a 1\nb 2\n'));
    });
    const r = await client('').get(`https://${t.address}/metrics`, opts());
    expect(t.seen[0]!.version).toBe('2.0');
    expect(r.body.toString()).toBe('a 1\nb 2\n');
  });

  it('fails at the body size limit, counting the inflated body', async () => {
    const t = await target((_req, res) => {
      res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
      res.end(gzipSync('x'.repeat(100_000)));
    });
    const e = await failure(client('').get(`https://${t.address}/metrics`, opts({ bodySizeLimit: 1000 })));
    expect(t.seen[0]!.version).toBe('2.0');
    expect([e.message, e.bodySizeLimit]).toEqual(['body size limit exceeded', true]);
  });

  it('times out waiting for the response headers (named with the URL)', async () => {
    const t = await target(() => {});
    const url = `https://${t.address}/metrics`;
    const e = await failure(client('').get(url, opts({ timeoutMs: 300 })));
    expect(e.message).toBe(`Get "${url}": context deadline exceeded`);
  });

  it('after a request unanswered by its deadline, opens a new session for the next one', async () => {
    const t = await target((req, res) => {
      if (req.url !== '/hang') ok(req, res);
    });
    const c = client('');
    await c.get(`https://${t.address}/metrics`, opts());
    await failure(c.get(`https://${t.address}/hang`, opts({ timeoutMs: 300 })));
    await c.get(`https://${t.address}/metrics`, opts());
    expect(t.seen.map((s) => s.version)).toEqual(['2.0', '2.0', '2.0']);
    expect(t.sessions.opened).toBe(2);
  });

  it('times out while the body drips (bare message, as Go)', async () => {
    const t = await target((_req, res) => {
      res.writeHead(200, TEXT);
      res.write('a 1\n');
      const timer = setInterval(() => res.write('b 1\n'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const e = await failure(client('').get(`https://${t.address}/metrics`, opts({ timeoutMs: 300 })));
    expect(t.seen[0]!.version).toBe('2.0');
    expect(e.message).toBe('context deadline exceeded');
  });

  it('reports a non-200 status with its reason phrase', async () => {
    const t = await target((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const e = await failure(client('').get(`https://${t.address}/metrics`, opts()));
    expect(e.message).toBe('server returned HTTP status 503 Service Unavailable');
  });

  it('follows redirects on the same session', async () => {
    const t = await target((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/metrics' });
        res.end();
      } else ok(req, res);
    });
    const r = await client('').get(`https://${t.address}/old`, opts());
    expect(r.body.toString()).toBe('up 1\n');
    expect(t.seen.map((s) => [s.version, s.headers[':path']])).toEqual([
      ['2.0', '/old'],
      ['2.0', '/metrics'],
    ]);
    expect(t.sessions.opened).toBe(1);
  });

  it('returns the redirect with follow_redirects: false', async () => {
    const t = await target((_req, res) => {
      res.writeHead(302, { location: '/metrics' });
      res.end();
    });
    const r = await client('    follow_redirects: false\n').get(`https://${t.address}/old`, opts({ require200: false }));
    expect(r.status).toBe(302);
    expect(t.seen.length).toBe(1);
  });
});

/** A proxy that tunnels every `CONNECT` to its target; records the targets asked for. */
async function connectProxy(): Promise<{ port: number; connects: string[] }> {
  const connects: string[] = [];
  const sockets = new Set<Duplex>();
  const proxy = http.createServer();
  proxy.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    connects.push(req.url ?? '');
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const [host, port] = [(req.url ?? '').replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(req.url ?? '')?.[1])];
    const upstream = netConnect(port, host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  );
  return { port: (proxy.address() as AddressInfo).port, connects };
}

describe('through a proxy (CONNECT tunnel)', () => {
  it('negotiates HTTP/2 inside the tunnel, one tunnel for both requests', async () => {
    const t = await target(ok);
    const p = await connectProxy();
    const c = client(`    proxy_url: http://127.0.0.1:${p.port}\n`);
    for (let i = 0; i < 2; i++) expect((await c.get(`https://${t.address}/metrics`, opts())).body.toString()).toBe('up 1\n');
    expect(t.seen.map((s) => s.version)).toEqual(['2.0', '2.0']);
    expect(p.connects).toEqual([t.address]);
  });

  it('uses HTTP/1.1 inside the tunnel with enable_http2: false', async () => {
    const t = await target(ok);
    const p = await connectProxy();
    const c = client(`    enable_http2: false\n    proxy_url: http://127.0.0.1:${p.port}\n`);
    for (let i = 0; i < 2; i++) await c.get(`https://${t.address}/metrics`, opts());
    expect(t.seen.map((s) => s.version)).toEqual(['1.1', '1.1']);
    expect(p.connects).toEqual([t.address]);
  });
});

describe('http_sd_configs', () => {
  it('fetch target groups over HTTP/2 (enable_http2 default), HTTP/1.1 with enable_http2: false', async () => {
    const t = await target((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"targets": ["a:9100"], "labels": {"env": "x"}}]');
    });
    for (const flag of ['', '      enable_http2: false\n']) {
      const cfg = parsePrometheusConfig(
        '/tmp/p.yml',
        `scrape_configs:\n  - job_name: j\n    http_sd_configs:\n    - url: https://${t.address}/sd\n      tls_config: {ca_file: ${certs.caCert}}\n${flag}`,
      );
      const updates: unknown[] = [];
      const sd = new HTTPDiscovery(cfg.scrapeConfigs[0]!.serviceDiscovery.httpSdConfigs[0]!, (g) => updates.push(g), new Logger(), createScrapeMetrics(), 'Lookout/test');
      await sd.refresh();
      sd.stop();
      expect(updates).toEqual([[{ targets: [{ __address__: 'a:9100' }], labels: { env: 'x', __meta_url: `https://${t.address}/sd` }, source: expect.any(String) }]]);
    }
    expect(t.seen.map((s) => s.version)).toEqual(['2.0', '1.1']);
  });
});

describe('TLS verification with enable_http2', () => {
  it('refuses a certificate from an unknown CA, with the same error as HTTP/1.1', async () => {
    const t = await target(ok);
    const url = `https://${t.address}/metrics`;
    const h2 = await failure(client('    enable_http2: true\n', false).get(url, opts()));
    const h1 = await failure(client('    enable_http2: false\n', false).get(url, opts()));
    expect(h2.message).toBe(`Get "${url}": unable to verify the first certificate`);
    expect(h1.message).toBe(h2.message);
    expect(t.seen.length).toBe(0);
  });

  it('scrapes over HTTP/2 with insecure_skip_verify', async () => {
    const t = await target(ok);
    await client('    tls_config: {insecure_skip_verify: true}\n', false).get(`https://${t.address}/metrics`, opts());
    expect(t.seen.map((s) => s.version)).toEqual(['2.0']);
  });

  it('verifies against server_name', async () => {
    const t = await target(ok);
    const url = `https://${t.address}/metrics`;
    await client(`    tls_config: {ca_file: ${certs.caCert}, server_name: localhost}\n`, false).get(url, opts());
    expect(t.seen.map((s) => s.version)).toEqual(['2.0']);
    const e = await failure(client(`    tls_config: {ca_file: ${certs.caCert}, server_name: other.test}\n`, false).get(url, opts()));
    expect(e.message).toBe(`Get "${url}": Hostname/IP does not match certificate's altnames: Host: other.test. is not in the cert's altnames: IP Address:127.0.0.1, DNS:localhost`);
  });

  it('presents the client certificate over HTTP/2', async () => {
    const t = await target((req, res) => {
      const sock = req.socket as import('node:tls').TLSSocket;
      res.writeHead(200, TEXT);
      res.end(`cn ${JSON.stringify(sock.getPeerCertificate().subject?.CN ?? '')}\n`);
    });
    const r = await client(`    tls_config: {ca_file: ${certs.caCert}, cert_file: ${certs.clientCert}, key_file: ${certs.clientKey}}\n`, false).get(
      `https://${t.address}/metrics`,
      opts(),
    );
    expect(t.seen.map((s) => s.version)).toEqual(['2.0']);
    expect(r.body.toString()).toBe('cn "client"\n');
  });
});
