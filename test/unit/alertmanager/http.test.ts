/**
 * The notification HTTP transport: redirects as Go's http.Client follows them, timeouts and aborts
 * with upstream's wording, bounded response bodies. Servers on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpPost, MAX_RESPONSE_BYTES } from '../../../src/alertmanager/notify/http.js';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

let server: Server;
let base = '';
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const u = new URL(req.url!, 'http://x');
      const to = u.searchParams.get('to');
      if (u.pathname.startsWith('/redirect/')) {
        res.writeHead(Number(u.pathname.split('/')[2]), { location: to ?? '/ok' });
        return res.end();
      }
      if (u.pathname === '/loop') {
        res.writeHead(302, { location: '/loop' });
        return res.end();
      }
      if (u.pathname === '/slow') return void setTimeout(() => res.end('late'), 2000);
      if (u.pathname === '/big') return res.end(Buffer.alloc(MAX_RESPONSE_BYTES + 5000, 'x'));
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`ok ${req.method}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const signal = new AbortController().signal;
const send = (path: string, follow = true, headers: Record<string, string> = {}) =>
  httpPost(`${base}${path}`, { 'content-type': 'application/json', ...headers }, '{"a":1}', { signal, followRedirects: follow });

describe('httpPost', () => {
  it('repeats the POST with its body on 307/308 and continues as a GET without body on 301/302/303', async () => {
    seen.length = 0;
    expect(await send('/redirect/307')).toEqual({ status: 200, body: 'ok POST', contentType: 'text/plain; charset=utf-8' });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/redirect/307', '{"a":1}'],
      ['POST', '/ok', '{"a":1}'],
    ]);
    seen.length = 0;
    expect(await send('/redirect/303')).toEqual({ status: 200, body: 'ok GET', contentType: 'text/plain; charset=utf-8' });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/redirect/303', '{"a":1}'],
      ['GET', '/ok', ''],
    ]);
  });

  it('sends PUT when asked and repeats it on 307', async () => {
    seen.length = 0;
    const r = await httpPost(`${base}/redirect/307`, {}, '{"b":2}', { signal, followRedirects: true, method: 'PUT' });
    expect(r).toEqual({ status: 200, body: 'ok PUT', contentType: 'text/plain; charset=utf-8' });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['PUT', '/redirect/307', '{"b":2}'],
      ['PUT', '/ok', '{"b":2}'],
    ]);
  });

  it('keeps credentials on the same host and drops them when the redirect leaves it', async () => {
    const port = new URL(base).port;
    seen.length = 0;
    await send('/redirect/307', true, { authorization: 'Bearer t' });
    await send(`/redirect/307?to=${encodeURIComponent(`http://localhost:${port}/ok`)}`, true, { authorization: 'Bearer t' });
    expect(seen.map((s) => s.auth)).toEqual(['Bearer t', 'Bearer t', 'Bearer t', undefined]);
  });

  it('returns a redirect as is when redirects are not followed, and stops after 10', async () => {
    expect(await send('/redirect/302', false)).toEqual({ status: 302, body: '', contentType: '' });
    await expect(send('/loop')).rejects.toThrow('stopped after 10 redirects');
  });

  it('fails with "context deadline exceeded" after the timeout, and with the abort reason when aborted', async () => {
    await expect(httpPost(`${base}/slow`, {}, '', { signal, timeout: 50, followRedirects: true })).rejects.toThrow(/^context deadline exceeded$/);
    const c = new AbortController();
    setTimeout(() => c.abort(new Error('context canceled')), 20);
    await expect(httpPost(`${base}/slow`, {}, '', { signal: c.signal, followRedirects: true })).rejects.toThrow(/^context canceled$/);
  });

  it('keeps at most MAX_RESPONSE_BYTES of a response body', async () => {
    const r = await send('/big');
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(MAX_RESPONSE_BYTES);
  });

  it('refuses other schemes as Go does', async () => {
    await expect(httpPost('ftp://127.0.0.1/x', {}, '', { signal, followRedirects: true })).rejects.toThrow('unsupported protocol scheme "ftp"');
  });
});
