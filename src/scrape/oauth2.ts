/**
 * OAuth 2.0 tokens for scrapes and HTTP service discovery (`oauth2` in an HTTP client config), as
 * Prometheus gets them through Go's `clientcredentials` package: a `POST` to `token_url` with
 * `grant_type=client_credentials`, `scope` (space-separated) and `endpoint_params` as a form, the
 * client ID and secret in HTTP basic auth; the JSON answer's `access_token` is sent as
 * `Authorization: Bearer …` and reused until 10 s before its `expires_in` runs out (forever without
 * one). `client_secret_file` is read at each token request. Concurrent requests share one fetch.
 */
import http from 'node:http';
import https from 'node:https';
import { readSecretOrEmpty, type OAuth2 } from '../config/prometheus/http.js';
import { goQuote } from '../model/goquote.js';

/** Go oauth2's `expiryDelta`: a token is renewed this long (ms) before it expires. */
const EXPIRY_DELTA_MS = 10_000;

/** Go `url.QueryEscape` as used for the basic-auth parts of a token request. */
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Fetches and caches the access token of one `oauth2` config. */
export class OAuth2TokenSource {
  private token = '';
  /** ms (wall clock) after which {@link token} must be renewed; Infinity when it does not expire. */
  private renewAt = 0;
  private pending: Promise<string> | null = null;

  /** @param agent the HTTPS agent built from the `oauth2.tls_config` */
  constructor(
    private readonly cfg: OAuth2,
    private readonly agent: https.Agent,
  ) {}

  /**
   * The current access token, fetched when missing or about to expire.
   * @param deadline ms (wall clock) by which the token request must be done
   * @throws {Error} `oauth2: cannot fetch token: …` with the status and body of a refused request,
   *   or `Post "<token_url>": …` for a transport failure
   */
  get(deadline: number): Promise<string> {
    if (this.token && Date.now() < this.renewAt) return Promise.resolve(this.token);
    this.pending ??= this.fetch(deadline).finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async fetch(deadline: number): Promise<string> {
    const c = this.cfg;
    const secret = c.clientSecretFile ? readSecretOrEmpty(c.clientSecretFile) : c.clientSecret;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (c.scopes.length > 0) form.set('scope', c.scopes.join(' '));
    for (const [k, v] of Object.entries(c.endpointParams)) form.set(k, v);
    const { status, statusText, body } = await this.post(form.toString(), `Basic ${Buffer.from(`${queryEscape(c.clientId)}:${queryEscape(secret)}`).toString('base64')}`, deadline);
    if (status < 200 || status > 299) throw new Error(`oauth2: cannot fetch token: ${status} ${statusText}\nResponse: ${body}`);
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      throw new Error(`oauth2: cannot parse json: ${body.slice(0, 200)}`);
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') throw new Error('oauth2: server response missing access_token');
    const expiresIn = Number(parsed.expires_in ?? 0);
    this.token = parsed.access_token;
    this.renewAt = expiresIn > 0 ? Date.now() + expiresIn * 1000 - EXPIRY_DELTA_MS : Infinity;
    return this.token;
  }

  private post(form: string, authorization: string, deadline: number): Promise<{ status: number; statusText: string; body: string }> {
    const url = this.cfg.tokenUrl;
    return new Promise((resolve, reject) => {
      const parsed = new URL(url);
      const isHttps = parsed.protocol === 'https:';
      const req = (isHttps ? https : http).request(parsed, {
        method: 'POST',
        agent: isHttps ? this.agent : undefined,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization, 'content-length': Buffer.byteLength(form) },
        timeout: Math.max(1, deadline - Date.now()),
      });
      const fail = (msg: string) => reject(new Error(`Post ${goQuote(url)}: ${msg}`));
      req.on('timeout', () => {
        req.destroy();
        fail('context deadline exceeded');
      });
      req.on('error', (e) => fail(e.message));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', (e) => fail(e.message));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.end(form);
    });
  }
}
