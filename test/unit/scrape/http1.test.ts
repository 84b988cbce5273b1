/**
 * The lean HTTP/1.1 transport (src/scrape/http1.ts) through HttpClient against raw TCP servers:
 * the request bytes, connection reuse and reconnects, chunked and read-to-close bodies, 1xx
 * responses, malformed responses; and the cases where both transports must agree.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { HttpClient, HttpGetError, type HttpGetOptions } from '../../../src/scrape/http.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** A raw TCP server: `onRequest(socket, n, requestText)` runs for each complete request head (n counts connections from 1). */
interface RawServer {
  address: string;
  connections: number;
  requests: string[];
}

async function rawServer(onRequest: (socket: net.Socket, connection: number, request: string) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const s: RawServer = { address: '', connections: 0, requests: [] };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const n = ++s.connections;
    let pending = '';
    socket.on('data', (b) => {
      pending += b.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const req = pending.slice(0, end + 4);
        pending = pending.slice(end + 4);
        s.requests.push(req);
        onRequest(socket, n, req);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const k of sockets) k.destroy();
        server.close(() => resolve());
      }),
  );
  return s;
}

function client(leanHttp1 = true): HttpClient {
  const cfg = parsePrometheusConfig('/tmp/p.yml', `scrape_configs:\n  - job_name: j\n    static_configs: [{targets: ['x:1']}]\n`);
  const c = new HttpClient(cfg.scrapeConfigs[0]!.httpClientConfig, { leanHttp1 });
  cleanups.push(() => c.close());
  return c;
}

function opts(o: Partial<HttpGetOptions> = {}): HttpGetOptions {
  return { timeoutMs: 5000, headers: { accept: 'text/plain', 'accept-encoding': 'gzip' }, require200: true, ...o };
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

const OK = (body: string) => `HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

describe('lean HTTP/1.1 transport', () => {
  it('sends the request head as prebuilt bytes and reuses one connection', async () => {
    const s = await rawServer((socket) => socket.write(OK('a 1\n')));
    const c = client();
    for (let i = 0; i < 3; i++) {
      const r = await c.get(`http://${s.address}/metrics?x=1`, opts({ headers: { accept: 'text/plain', 'user-agent': 'Lookout' } }));
      expect([r.status, r.contentType, r.body.toString()]).toEqual([200, 'text/plain; version=0.0.4', 'a 1\n']);
    }
    expect(s.connections).toBe(1);
    expect(s.requests).toEqual(Array(3).fill(`GET /metrics?x=1 HTTP/1.1\r\nHost: ${s.address}\r\naccept: text/plain\r\nuser-agent: Lookout\r\n\r\n`));
  });

  it('builds the request head again when a header value, a header or their order changes', async () => {
    const s = await rawServer((socket) => socket.write(OK('a 1\n')));
    const c = client();
    const sent: Record<string, string>[] = [{ a: '1', b: '2' }, { a: '1', b: '3' }, { a: '1' }, { b: '3', a: '1' }, { a: '1', b: '3' }, { a: '1', b: '3' }];
    for (const headers of sent) await c.get(`http://${s.address}/m`, opts({ headers }));
    const head = (h: Record<string, string>) => `GET /m HTTP/1.1\r\nHost: ${s.address}\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
    expect(s.requests).toEqual(sent.map(head));
  });

  it('reads chunked bodies with extensions and trailers, split at every byte', async () => {
    const response = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\na 1\n\r\nA\r\nbb 2\ncc 3\n\r\n0\r\nX-Trailer: t\r\n\r\n';
    const s = await rawServer((socket) => {
      let i = 0;
      const drip = () => {
        if (i < response.length) socket.write(response[i++]!, drip);
      };
      drip();
    });
    const c = client();
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('a 1\nbb 2\ncc 3\n');
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('a 1\nbb 2\ncc 3\n');
    expect(s.connections).toBe(1);
  });

  it('reads a body without length until the server closes, then connects anew', async () => {
    const s = await rawServer((socket) => socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nx 1\ny 2\n'));
    const c = client();
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('x 1\ny 2\n');
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('x 1\ny 2\n');
    expect(s.connections).toBe(2);
  });

  it('skips 100 Continue (also when the next head arrives later); a 204 has no body', async () => {
    const s = await rawServer((socket, _n, req) => {
      if (req.startsWith('GET /empty')) socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n', () => setTimeout(() => socket.write(OK('z 1\n').slice(17)), 20));
    });
    const c = client();
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('z 1\n');
    const empty = await c.get(`http://${s.address}/empty`, opts({ require200: false }));
    expect([empty.status, empty.body.length]).toEqual([204, 0]);
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('z 1\n');
    expect(s.connections).toBe(1);
  });

  it('sends the request again on a new connection when a reused one closes unanswered', async () => {
    let answered = 0;
    const s = await rawServer((socket, n) => {
      // The first connection answers once, then drops the next request without a byte.
      if (n === 1 && answered > 0) {
        socket.destroy();
        return;
      }
      answered++;
      socket.write(OK('r 1\n'));
    });
    const c = client();
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('r 1\n');
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('r 1\n');
    expect([s.connections, s.requests.length]).toEqual([2, 3]);
  });

  it('a connection the server closed while idle is replaced', async () => {
    const s = await rawServer((socket) => socket.write(OK('i 1\n'), () => setTimeout(() => socket.end(), 10)));
    const c = client();
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('i 1\n');
    await new Promise((r) => setTimeout(r, 100));
    expect((await c.get(`http://${s.address}/`, opts())).body.toString()).toBe('i 1\n');
    expect(s.connections).toBe(2);
  });

  it('malformed responses fail with Go texts', async () => {
    const s = await rawServer((socket, _n, req) => {
      if (req.startsWith('GET /status')) socket.end('SPDY/9 200 OK\r\n\r\n');
      else if (req.startsWith('GET /chunk')) socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
      else if (req.startsWith('GET /te')) socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n');
    });
    const c = client();
    const base = `http://${s.address}`;
    expect((await failure(c.get(`${base}/status`, opts()))).message).toBe(`Get "${base}/status": malformed HTTP response "SPDY/9 200 OK"`);
    expect((await failure(c.get(`${base}/chunk`, opts()))).message).toBe('invalid byte in chunk length');
    expect((await failure(c.get(`${base}/te`, opts()))).message).toBe(`Get "${base}/te": unsupported transfer encoding: "gzip"`);
    expect((await failure(c.get(`${base}/len`, opts()))).message).toBe(`Get "${base}/len": bad Content-Length "12x"`);
  });

  it('applies the body size limit to chunked bodies and closes the connection', async () => {
    const s = await rawServer((socket) => socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'10\r\n0123456789abcdef\r\n'.repeat(10)}0\r\n\r\n`));
    const c = client();
    const e = await failure(c.get(`http://${s.address}/`, opts({ bodySizeLimit: 100 })));
    expect([e.message, e.bodySizeLimit]).toEqual(['body size limit exceeded', true]);
    expect((await c.get(`http://${s.address}/`, opts({ bodySizeLimit: 161 }))).body.length).toBe(160);
    expect(s.connections).toBe(2);
  });

  it('keeps bodies read at the same time on different connections apart', async () => {
    // Both servers drip their bodies in small writes, so the two connections' reads interleave
    // (every read lands in the same shared read buffer).
    const bodies = ['a'.repeat(30_000), 'b'.repeat(30_000)];
    const servers = await Promise.all(
      bodies.map((text) =>
        rawServer((socket) => {
          const response = OK(text);
          let off = 0;
          const drip = () => {
            if (off < response.length) socket.write(response.slice(off, (off += 1000)), () => setImmediate(drip));
          };
          drip();
        }),
      ),
    );
    const c = client();
    const got = await Promise.all(servers.map((s) => c.get(`http://${s.address}/`, opts())));
    expect(got.map((r) => r.body.toString())).toEqual(bodies);
  });

  it('leaves requests with a framing header or credentials in the URL to node:http', async () => {
    const s = await rawServer((socket) => socket.write(OK('h 1\n')));
    const c = client();
    await c.get(`http://${s.address}/`, opts({ headers: { connection: 'keep-alive', accept: 'text/plain' } }));
    expect(s.requests[0]).toBe(`GET / HTTP/1.1\r\nconnection: keep-alive\r\naccept: text/plain\r\nHost: ${s.address}\r\n\r\n`);
    await c.get(`http://u:p@${s.address}/`, opts({ headers: { accept: 'text/plain' } }));
    expect(s.requests[1]).toBe(`GET / HTTP/1.1\r\naccept: text/plain\r\nHost: ${s.address}\r\nAuthorization: Basic ${Buffer.from('u:p').toString('base64')}\r\nConnection: keep-alive\r\n\r\n`);
  });
});

describe.each([
  ['lean HTTP/1.1 transport', true],
  ['node:http', false],
])('both transports (%s)', (_name, lean) => {
  it('a fresh connection closed before the response: read: connection reset by peer, named with the URL', async () => {
    const s = await rawServer((socket) => socket.destroy());
    const e = await failure(client(lean).get(`http://${s.address}/m`, opts()));
    expect(e.message).toBe(`Get "http://${s.address}/m": read: connection reset by peer`);
  });

  it('a connection closed mid-body (chunked): unexpected EOF', async () => {
    const s = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\na 1\n\r\n'));
    expect((await failure(client(lean).get(`http://${s.address}/`, opts()))).message).toBe('unexpected EOF');
  });

  it('reads a body into the given buffer when it fits, else into a larger one, never leaving stale bytes', async () => {
    const sizes = [10, 200, 70_000, 5, 70_000, 300_000];
    const text = (i: number) => Array.from({ length: sizes[i]! }, (_, k) => String.fromCharCode(97 + ((k + i) % 26))).join('');
    const s = await rawServer((socket, _n, req) => {
      const i = Number(/GET \/(\d+)/.exec(req)![1]);
      socket.write(OK(text(i)));
    });
    const c = client(lean);
    let buffer: Buffer = Buffer.alloc(64);
    for (let i = 0; i < sizes.length; i++) {
      const given = buffer;
      const r = await c.get(`http://${s.address}/${i}`, opts({ bodyBuffer: given }));
      expect(r.body.toString('latin1')).toBe(text(i));
      // Fits: read into the given buffer; too large: a new buffer of exactly the announced length.
      if (sizes[i]! <= given.length) expect([r.bodyBuffer === given, r.body.buffer === given.buffer]).toEqual([true, true]);
      else expect([r.bodyBuffer === given, r.bodyBuffer.length]).toEqual([false, sizes[i]]);
      buffer = r.bodyBuffer;
    }
  });

  it('grows the buffer of a chunked body and of a gzip body larger than one socket read', async () => {
    const plain = Array.from({ length: 20_000 }, (_, k) => `series_${k % 97}{k="${k}"} ${k}\n`).join('');
    const zipped = gzipSync(plain);
    const s = await rawServer((socket, _n, req) => {
      if (req.startsWith('GET /gz')) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${zipped.length}\r\n\r\n`);
        socket.write(zipped);
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (let off = 0; off < plain.length; off += 5000) {
        const part = plain.slice(off, off + 5000);
        socket.write(`${part.length.toString(16)}\r\n${part}\r\n`);
      }
      socket.write('0\r\n\r\n');
    });
    const c = client(lean);
    const small = Buffer.alloc(100);
    const chunked = await c.get(`http://${s.address}/chunked`, opts({ bodyBuffer: small }));
    expect([chunked.body.toString('latin1') === plain, chunked.body.length, chunked.bodyBuffer !== small]).toEqual([true, plain.length, true]);
    const gz = await c.get(`http://${s.address}/gz`, opts({ bodyBuffer: small }));
    expect([gz.body.toString('latin1') === plain, gz.body.length]).toEqual([true, plain.length]);
    // Reused: the second read fills the buffer the first one grew. (The inflater's backpressure
    // paused the connection's reads; they resume for the next exchange on the same connection.)
    const again = await c.get(`http://${s.address}/gz`, opts({ bodyBuffer: gz.bodyBuffer }));
    expect([again.bodyBuffer === gz.bodyBuffer, again.body.toString('latin1') === plain]).toEqual([true, true]);
  });

  it('applies the body size limit whatever the size of the given buffer', async () => {
    const s = await rawServer((socket) => socket.write(OK('x'.repeat(500))));
    const c = client(lean);
    const e = await failure(c.get(`http://${s.address}/`, opts({ bodySizeLimit: 300, bodyBuffer: Buffer.alloc(4096) })));
    expect([e.message, e.bodySizeLimit]).toEqual(['body size limit exceeded', true]);
    const r = await c.get(`http://${s.address}/`, opts({ bodySizeLimit: 501, bodyBuffer: Buffer.alloc(16) }));
    expect([r.body.toString(), r.bodyBuffer.length]).toEqual(['x'.repeat(500), 500]);
  });

  it('takes at most 32 MiB ahead from Content-Length and grows the buffer as a larger body arrives', async () => {
    const size = 40 << 20;
    const body = Buffer.alloc(size, 'ab');
    const s = await rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      socket.write(body);
    });
    const r = await client(lean).get(`http://${s.address}/`, opts());
    expect([r.body.length, r.body.equals(body), r.bodyBuffer.length]).toEqual([size, true, 64 << 20]);
  });

  it('a refused connection', async () => {
    const s = await rawServer(() => {});
    await cleanups.pop()!();
    const e = await failure(client(lean).get(`http://${s.address}/metrics`, opts()));
    expect(e.message).toBe(`Get "http://${s.address}/metrics": dial tcp ${s.address}: connect: connection refused`);
  });
});
