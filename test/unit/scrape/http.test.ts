/**
 * The scrape HTTP client against real servers on 127.0.0.1: the timeout covers the body, the size
 * limit applies to the inflated body while it streams, body read errors as Go words them,
 * redirects (malformed Location, loops, schemes) as Prometheus 2.42 reports them, and a shared
 * abort signal without listener build-up (attack report items 2 and 11). Every case runs against
 * both HTTP/1.1 transports: the lean one (http1.ts) and `node:http`.
 */
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { HttpClient, HttpGetError, type HttpGetOptions } from '../../../src/scrape/http.js';
import { serve, type Handler, type TestTarget } from './serve.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function target(handler: Handler): Promise<TestTarget> {
  const t = await serve(handler);
  cleanups.push(() => t.close());
  return t;
}

/** Which transport plain-HTTP requests take in the current test run (each suite runs with both). */
let leanHttp1 = true;

function client(extra = ''): HttpClient {
  const cfg = parsePrometheusConfig('/tmp/p.yml', `scrape_configs:\n  - job_name: j\n${extra}    static_configs: [{targets: ['x:1']}]\n`);
  const c = new HttpClient(cfg.scrapeConfigs[0]!.httpClientConfig, { leanHttp1 });
  cleanups.push(() => c.close());
  return c;
}

const TEXT = { 'content-type': 'text/plain; version=0.0.4' };

function opts(o: Partial<HttpGetOptions> = {}): HttpGetOptions {
  return { timeoutMs: 5000, headers: { 'accept-encoding': 'gzip' }, require200: true, ...o };
}

/** The error `p` rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<HttpGetError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HttpGetError);
    return e as HttpGetError;
  }
  throw new Error('request succeeded');
}

describe.each([
  ['lean HTTP/1.1 transport', true],
  ['node:http', false],
])('%s', (_name, lean) => {
  beforeAll(() => {
    leanHttp1 = lean;
  });
  afterAll(() => {
    leanHttp1 = true;
  });

  describe('timeout', () => {
    it('covers the body: a dripping body fails with context deadline exceeded (no URL, as Go)', async () => {
      const t = await target((_req, res) => {
        res.writeHead(200, TEXT);
        res.write('a 1\n');
        const timer = setInterval(() => res.write('b 1\n'), 20);
        res.on('close', () => clearInterval(timer));
      });
      const e = await failure(client().get(`http://${t.address}/metrics`, opts({ timeoutMs: 300 })));
      expect(e.message).toBe('context deadline exceeded');
      expect(e.bodySizeLimit).toBe(false);
    });

    it('covers decompression: a dripping gzip stream fails the same way', async () => {
      const t = await target((_req, res) => {
        res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
        const gz = createGzip();
        gz.pipe(res);
        const timer = setInterval(() => {
          gz.write('b 1\n');
          gz.flush();
        }, 20);
        res.on('close', () => clearInterval(timer));
      });
      const e = await failure(client().get(`http://${t.address}/metrics`, opts({ timeoutMs: 300 })));
      expect(e.message).toBe('context deadline exceeded');
    });

    it('before the response headers the error names the URL', async () => {
      const t = await target(() => {});
      const e = await failure(client().get(`http://${t.address}/metrics`, opts({ timeoutMs: 100 })));
      expect(e.message).toBe(`Get "http://${t.address}/metrics": context deadline exceeded`);
    });
  });

  describe('body size limit', () => {
    it('applies to the inflated body: a small gzip bomb fails', async () => {
      // 64 MiB of "a" is ~64 KiB compressed.
      const bomb = gzipSync(Buffer.alloc(64 << 20, 'a'), { level: 9 });
      const t = await target((_req, res) => {
        res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
        res.end(bomb);
      });
      const e = await failure(client().get(`http://${t.address}/metrics`, opts({ bodySizeLimit: 1 << 20 })));
      expect(e.message).toBe('body size limit exceeded');
      expect(e.bodySizeLimit).toBe(true);
    });

    it('is enforced while the body streams: an endless gzip body fails without being read to its end', async () => {
      let fed = 0;
      let closedAfter = -1;
      const t = await target((_req, res) => {
        res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
        const gz = createGzip();
        gz.pipe(res);
        const line = Buffer.from('endless_metric{instance="abcdefgh"} 12345\n'.repeat(1000));
        const pump = () => {
          while (closedAfter < 0 && fed < 1 << 30) {
            fed += line.length;
            if (!gz.write(line)) {
              gz.once('drain', pump);
              return;
            }
          }
        };
        res.on('close', () => {
          closedAfter = fed;
        });
        pump();
      });
      const e = await failure(client().get(`http://${t.address}/metrics`, opts({ bodySizeLimit: 256 << 10 })));
      expect(e.message).toBe('body size limit exceeded');
      await new Promise((r) => setTimeout(r, 50));
      // The server saw the connection close long before its 1 GiB was sent.
      expect(closedAfter).toBeGreaterThan(0);
      expect(closedAfter).toBeLessThan(256 << 20);
    });

    it('a body exactly at the limit fails, one byte less passes (upstream n >= limit)', async () => {
      const t = await target((_req, res) => {
        res.writeHead(200, TEXT);
        res.end('x'.repeat(100));
      });
      const c = client();
      expect((await failure(c.get(`http://${t.address}/`, opts({ bodySizeLimit: 100 })))).message).toBe('body size limit exceeded');
      expect((await c.get(`http://${t.address}/`, opts({ bodySizeLimit: 101 }))).body.length).toBe(100);
    });
  });

  describe('body read errors', () => {
    it('as Prometheus 2.42 reports them', async () => {
      const good = gzipSync('a 1\nb 2\n');
      const routes: Record<string, Handler> = {
        '/partial': (req, res) => {
          res.writeHead(200, { ...TEXT, 'content-length': '1000' });
          res.write('a 1\n');
          setTimeout(() => req.socket.destroy(), 20);
        },
        '/badgzip': (_req, res) => {
          res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
          res.end('not gzip at all\n');
        },
        '/truncgzip': (_req, res) => {
          res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
          res.end(good.subarray(0, 15));
        },
        '/badcrc': (_req, res) => {
          const b = Buffer.from(good);
          b[b.length - 6]! ^= 0xff;
          res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
          res.end(b);
        },
        '/ok': (_req, res) => {
          res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
          res.end(good);
        },
      };
      const t = await target((req, res) => routes[req.url!]!(req, res));
      const c = client();
      const errorOf = async (path: string) => (await failure(c.get(`http://${t.address}${path}`, opts()))).message;
      expect(await errorOf('/partial')).toBe('unexpected EOF');
      expect(await errorOf('/badgzip')).toBe('gzip: invalid header');
      expect(await errorOf('/truncgzip')).toBe('unexpected EOF');
      expect(await errorOf('/badcrc')).toBe('gzip: invalid checksum');
      const ok = await c.get(`http://${t.address}/ok`, opts());
      expect([ok.status, ok.contentType, ok.body.toString()]).toEqual([200, TEXT['content-type'], 'a 1\nb 2\n']);
    });
  });

  describe('redirects', () => {
    const routes: Record<string, [number, string | null]> = {
      '/redirbad': [302, 'ht!tp://[::1'],
      '/redirbad2': [302, 'http://[::1'],
      '/badhost': [302, 'http://ex ample.com/'],
      '/esc': [302, '/a%zzb'],
      '/port': [302, 'http://127.0.0.1:80x/'],
      '/colon': [302, ':foo'],
      '/loop': [302, '/loop'],
      '/noloc': [302, null],
      '/file': [302, 'file:///etc/passwd'],
      '/rel': [301, 'ok?x=1'],
    };
    const handler: Handler = (req, res) => {
      const path = req.url!.split('?')[0]!;
      if (path === '/ok') {
        res.writeHead(200, TEXT);
        res.end(`ok ${req.url}\n`);
        return;
      }
      const [status, location] = routes[path]!;
      res.writeHead(status, location === null ? {} : { location });
      res.end();
    };

    it('a malformed Location fails as Go url.Parse does, followed or not (Prometheus 2.42 texts)', async () => {
      const t = await target(handler);
      const base = `http://${t.address}`;
      const expected: Record<string, string> = {
        '/redirbad': `Get "${base}/redirbad": failed to parse Location header "ht!tp://[::1": parse "ht!tp://[::1": first path segment in URL cannot contain colon`,
        '/redirbad2': `Get "${base}/redirbad2": failed to parse Location header "http://[::1": parse "http://[::1": missing ']' in host`,
        '/badhost': `Get "${base}/badhost": failed to parse Location header "http://ex ample.com/": parse "http://ex ample.com/": invalid character " " in host name`,
        '/esc': `Get "${base}/esc": failed to parse Location header "/a%zzb": parse "/a%zzb": invalid URL escape "%zz"`,
        '/port': `Get "${base}/port": failed to parse Location header "http://127.0.0.1:80x/": parse "http://127.0.0.1:80x/": invalid port ":80x" after host`,
        '/colon': `Get "${base}/colon": failed to parse Location header ":foo": parse ":foo": missing protocol scheme`,
      };
      for (const c of [client(), client('    follow_redirects: false\n')]) {
        for (const [path, message] of Object.entries(expected)) {
          expect((await failure(c.get(base + path, opts()))).message).toBe(message);
        }
      }
    });

    it('loops, missing Location, other schemes and relative references', async () => {
      const t = await target(handler);
      const base = `http://${t.address}`;
      const c = client();
      expect((await failure(c.get(`${base}/loop`, opts()))).message).toBe('Get "/loop": stopped after 10 redirects');
      expect(t.requests.length).toBe(10);
      expect((await failure(c.get(`${base}/noloc`, opts()))).message).toBe('server returned HTTP status 302 Found');
      expect((await failure(c.get(`${base}/file`, opts()))).message).toBe('Get "file:///etc/passwd": unsupported protocol scheme "file"');
      expect((await c.get(`${base}/rel`, opts())).body.toString()).toBe('ok /ok?x=1\n');
      const noFollow = client('    follow_redirects: false\n');
      expect((await failure(noFollow.get(`${base}/rel`, opts()))).message).toBe('server returned HTTP status 301 Moved Permanently');
    });
  });

  describe('shared abort signal', () => {
    it('many requests in flight add one listener to it, and abort all of them', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on('warning', onWarning);
      cleanups.push(() => {
        process.off('warning', onWarning);
      });
      let started = 0;
      const t = await target(() => {
        started++;
      });
      const c = client();
      const ac = new AbortController();
      const n = 25;
      const pending = Array.from({ length: n }, () => failure(c.get(`http://${t.address}/metrics`, opts({ signal: ac.signal, timeoutMs: 30_000 }))));
      while (started < n) await new Promise((r) => setTimeout(r, 5));
      ac.abort();
      const errors = await Promise.all(pending);
      expect(new Set(errors.map((e) => e.message))).toEqual(new Set([`Get "http://${t.address}/metrics": context canceled`]));
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
      // An already aborted signal fails at once.
      expect((await failure(c.get(`http://${t.address}/metrics`, opts({ signal: ac.signal })))).message).toBe(
        `Get "http://${t.address}/metrics": context canceled`,
      );
    });
  });
});
