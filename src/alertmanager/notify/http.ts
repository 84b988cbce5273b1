/**
 * The HTTP transport of notifications: `node:http`/`node:https` with keep-alive agents that hold at
 * most {@link MAX_SOCKETS_PER_HOST} sockets per host, and redirects followed as Go's `http.Client`
 * follows them.
 *
 * Not `fetch`: measured here, Node 20's fetch (undici) opens a new connection for every request
 * aborted in flight and keeps growing its pool when thousands of notifications time out together
 * (5,000 groups aborting every second reached 11,000 open descriptors and slowed to a crawl); the
 * agents below stay at their socket bound.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** Sockets per host:port (each agent queues further requests until a socket is free). */
export const MAX_SOCKETS_PER_HOST = 64;

/** Go's `http.Client` default redirect limit. */
const MAX_REDIRECTS = 10;

/**
 * Response bytes kept (the rest is read and dropped): bodies only feed error messages and the
 * Slack/PagerDuty status checks, and a misbehaving endpoint must not fill the memory.
 */
export const MAX_RESPONSE_BYTES = 1 << 20;

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST });

/** A response: status, media type and (at most {@link MAX_RESPONSE_BYTES} of) the body as UTF-8 text. */
export interface HttpResponse {
  status: number;
  body: string;
  /** The `Content-Type` header (`''` when absent). */
  contentType: string;
}

/** Options of {@link httpPost}. */
export interface HttpPostOptions {
  /** Aborts the request; its reason (an Error) becomes the rejection. */
  signal: AbortSignal;
  /** ms for the whole exchange, redirects included (0 = none). */
  timeout?: number;
  /** Follow 3xx responses (`http_config.follow_redirects`); otherwise they are returned. */
  followRedirects: boolean;
  /** Request method (default `POST`; OpsGenie's updates use `PUT`; `GET` sends no body, e.g. WeChat's token request). */
  method?: 'POST' | 'PUT' | 'GET';
}

const SENSITIVE_HEADERS = ['authorization', 'www-authenticate', 'cookie', 'cookie2'];

/**
 * POSTs (or PUTs) `body` to `url`, or GETs it (`body` ignored). Redirects as Go: 301/302/303 continue as a body-less GET,
 * 307/308 repeat the request; at most 10; credentials (`Authorization`, cookies) are dropped when the redirect leaves
 * the original host and its subdomains.
 * @throws {Error} network errors (Node's messages, e.g. `connect ECONNREFUSED 127.0.0.1:1`),
 *   `context deadline exceeded` on timeout, the signal's reason when aborted,
 *   `stopped after 10 redirects`, `unsupported protocol scheme "ftp"`.
 */
export async function httpPost(url: string, headers: Record<string, string>, body: string, opts: HttpPostOptions): Promise<HttpResponse> {
  let signal = opts.signal;
  let timer: NodeJS.Timeout | null = null;
  let forward: (() => void) | null = null;
  if (opts.timeout && opts.timeout > 0 && !opts.signal.aborted) {
    const both = new AbortController();
    forward = () => both.abort(opts.signal.reason);
    opts.signal.addEventListener('abort', forward, { once: true });
    timer = setTimeout(() => both.abort(new Error('context deadline exceeded')), opts.timeout);
    signal = both.signal;
  }
  try {
    const origin = new URL(url);
    let target = origin;
    let method: string = opts.method ?? 'POST';
    let payload: string | undefined = method === 'GET' ? undefined : body;
    let hdrs = headers;
    for (let hops = 0; ; hops++) {
      const res = await exchange(target, method, hdrs, payload, signal);
      if (!opts.followRedirects || res.location === undefined || ![301, 302, 303, 307, 308].includes(res.status)) {
        return { status: res.status, body: res.body, contentType: res.contentType };
      }
      if (hops === MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
      const next = new URL(res.location, target);
      if (res.status <= 303) {
        method = 'GET';
        payload = undefined;
      }
      if (!sameDomainOrSubdomain(origin.hostname, next.hostname)) {
        hdrs = Object.fromEntries(Object.entries(hdrs).filter(([k]) => !SENSITIVE_HEADERS.includes(k.toLowerCase())));
      }
      target = next;
    }
  } finally {
    if (timer) clearTimeout(timer);
    if (forward) opts.signal.removeEventListener('abort', forward);
  }
}

/** Go's `shouldCopyHeaderOnRedirect`: the same host, or a subdomain of the original one. */
function sameDomainOrSubdomain(initial: string, dest: string): boolean {
  return dest === initial || dest.endsWith('.' + initial);
}

/** One request/response; resolves with the status, the `Location` header and the body text. */
function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<HttpResponse & { location: string | undefined }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`unsupported protocol scheme ${JSON.stringify(url.protocol.slice(0, -1))}`));
  }
  if (signal.aborted) return Promise.reject(signal.reason);
  const data = body === undefined ? undefined : Buffer.from(body);
  const h: Record<string, string | number> = { ...headers };
  if (data) h['content-length'] = data.length;
  else for (const k of Object.keys(h)) if (k.toLowerCase() === 'content-type') delete h[k];
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method, headers: h, agent: url.protocol === 'https:' ? httpsAgent : httpAgent });
    const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    req.on('error', (e) => {
      done();
      reject(e);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (c: Buffer) => {
        if (kept >= MAX_RESPONSE_BYTES) return;
        chunks.push(c.subarray(0, MAX_RESPONSE_BYTES - kept));
        kept += Math.min(c.length, MAX_RESPONSE_BYTES - kept);
      });
      const finish = () => {
        done();
        const location = res.headers.location;
        const contentType = res.headers['content-type'] ?? '';
        resolve({ status: res.statusCode ?? 0, location, contentType, body: Buffer.concat(chunks).toString('utf8') });
      };
      res.on('end', finish);
      // A body cut off by the peer does not change the status outcome.
      res.on('aborted', finish);
      res.on('error', finish);
    });
    req.end(data);
  });
}
