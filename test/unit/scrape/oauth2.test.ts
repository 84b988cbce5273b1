/**
 * Scrapes with `oauth2`: the token request (client-credentials form, basic auth, scopes, endpoint
 * params), the bearer token on the scrape, reuse until expiry, and the errors of a refused token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { HttpClient, HttpGetError } from '../../../src/scrape/http.js';
import { serve, type Handler } from './serve.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

interface TokenRequest {
  authorization: string;
  contentType: string;
  form: Record<string, string>;
}

async function tokenServer(answer: (n: number) => { status: number; body: string }): Promise<{ url: string; requests: TokenRequest[] }> {
  const requests: TokenRequest[] = [];
  const handler: Handler = (req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      requests.push({
        authorization: req.headers.authorization ?? '',
        contentType: req.headers['content-type'] ?? '',
        form: Object.fromEntries(new URLSearchParams(data)),
      });
      const a = answer(requests.length);
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
    });
  };
  const t = await serve(handler);
  cleanups.push(() => t.close());
  return { url: `http://${t.address}/token`, requests };
}

async function scrapeTarget(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const t = await serve((req, res) => {
    seen.push(req.headers.authorization ?? '');
    res.writeHead(req.headers.authorization?.startsWith('Bearer ') ? 200 : 401, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('up_metric 1\n');
  });
  cleanups.push(() => t.close());
  return { url: `http://${t.address}/metrics`, seen };
}

function client(oauth2Yaml: string): HttpClient {
  const cfg = parsePrometheusConfig('/tmp/p.yml', `scrape_configs:\n  - job_name: j\n    oauth2:\n${oauth2Yaml}    static_configs: [{targets: ['x:1']}]\n`);
  const c = new HttpClient(cfg.scrapeConfigs[0]!.httpClientConfig);
  cleanups.push(() => c.close());
  return c;
}

const get = { timeoutMs: 5000, headers: {}, require200: true };

describe('oauth2 scrapes', () => {
  it('fetches a client-credentials token once and sends it as a bearer token until it nearly expires', async () => {
    const tokens = await tokenServer((n) => ({ status: 200, body: JSON.stringify({ access_token: `tok${n}`, token_type: 'Bearer', expires_in: n === 1 ? 3600 : 5 }) }));
    const target = await scrapeTarget();
    const c = client(
      `      client_id: 'my id'\n      client_secret: 's3cr:et'\n      token_url: ${tokens.url}\n      scopes: [read, write]\n      endpoint_params: { audience: metrics }\n`,
    );
    for (let i = 0; i < 3; i++) expect((await c.get(target.url, get)).status).toBe(200);
    expect(target.seen).toEqual(['Bearer tok1', 'Bearer tok1', 'Bearer tok1']);
    expect(tokens.requests).toEqual([
      {
        authorization: `Basic ${Buffer.from('my+id:s3cr%3Aet').toString('base64')}`,
        contentType: 'application/x-www-form-urlencoded',
        form: { grant_type: 'client_credentials', scope: 'read write', audience: 'metrics' },
      },
    ]);
  });

  it('renews a token within 10 s of its expiry, reading client_secret_file each time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-oauth2-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'secret'), 'first\n');
    const tokens = await tokenServer((n) => ({ status: 200, body: JSON.stringify({ access_token: `tok${n}`, expires_in: 5 }) }));
    const target = await scrapeTarget();
    const c = client(`      client_id: id\n      client_secret_file: ${join(dir, 'secret')}\n      token_url: ${tokens.url}\n`);
    await c.get(target.url, get);
    writeFileSync(join(dir, 'secret'), 'second\n');
    await c.get(target.url, get);
    expect(target.seen).toEqual(['Bearer tok1', 'Bearer tok2']);
    expect(tokens.requests.map((r) => Buffer.from(r.authorization.slice(6), 'base64').toString())).toEqual(['id:first', 'id:second']);
  });

  it('fails the scrape with the token endpoint status and body, or the transport error', async () => {
    const tokens = await tokenServer(() => ({ status: 401, body: '{"error":"invalid_client"}' }));
    const target = await scrapeTarget();
    const refused = await c2(client(`      client_id: id\n      client_secret: bad\n      token_url: ${tokens.url}\n`).get(target.url, get));
    expect(refused.message).toBe(`Get "${target.url}": oauth2: cannot fetch token: 401 Unauthorized\nResponse: {"error":"invalid_client"}`);
    const down = await c2(client(`      client_id: id\n      client_secret: x\n      token_url: http://127.0.0.1:1/token\n`).get(target.url, get));
    expect(down.message).toMatch(/^Get "http:\/\/127\.0\.0\.1:\d+\/metrics": Post "http:\/\/127\.0\.0\.1:1\/token": connect ECONNREFUSED/);
    expect(target.seen).toEqual([]);
  });
});

async function c2(p: Promise<unknown>): Promise<HttpGetError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HttpGetError);
    return e as HttpGetError;
  }
  throw new Error('the request succeeded');
}
