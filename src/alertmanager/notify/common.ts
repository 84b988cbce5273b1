/**
 * What every receiver integration shares: the notification context, the retry-aware error type,
 * HTTP POST with an `http_config` (basic auth, authorization, custom headers, redirects,
 * per-request timeout; the transport is `http.ts`), upstream's status-code retry rules,
 * Go-compatible JSON encoding and rune truncation.
 */
import { readFileSync } from 'node:fs';
import type { HTTPClientConfig } from '../../config/alertmanager/types.js';
import { requestHeaders } from '../../config/prometheus/http.js';
import type { Alert } from '../alert.js';
import type { NotificationTemplates, TemplateData } from '../template.js';
import { httpPost } from './http.js';

/** Everything an integration needs to know about the notification it sends. */
export interface NotifyContext {
  /** Receiver name (unquoted). */
  receiver: string;
  /** The aggregation group's key, e.g. `{}/{severity="page"}:{alertname="X"}`. */
  groupKey: string;
  groupLabels: Readonly<Record<string, string>>;
  /** ms: the flush time. */
  now: number;
  /** Aborted when the notification's deadline passes or the Alertmanager stops. */
  signal: AbortSignal;
  /** Template data for the alerts being sent (built by the caller). */
  data(alerts: readonly Alert[]): TemplateData;
  templates: NotificationTemplates;
}

/** A failed notification attempt; `retry` tells whether trying again can help. */
export class NotifyError extends Error {
  override name = 'NotifyError';
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

/** Sends one notification for a set of alerts. Throws {@link NotifyError} on failure. */
export interface Notifier {
  notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void>;
}

/** A configured integration of a receiver (upstream `notify.Integration`). */
export interface Integration {
  /** `webhook`, `slack`, `pagerduty`, … (the `integration` metric label). */
  readonly name: string;
  /** Position within the receiver's configs of this integration. */
  readonly index: number;
  readonly sendResolved: boolean;
  readonly notifier: Notifier;
}

/** User-Agent of notification requests. */
export const USER_AGENT = 'Alertmanager/0.25.0 (Lookout)';

/**
 * Encodes a value as Go's `json.Encoder` does by default: `<`, `>`, `&`, U+2028 and U+2029
 * escaped as `\u003c` etc., and a trailing newline. Object keys keep insertion order (callers
 * build maps with sorted keys, as Go sorts map keys).
 */
export function goJSON(v: unknown): string {
  return (
    JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n'
  );
}

/** Go `url.Values.Encode` of `[key, value]` pairs: keys sorted, `application/x-www-form-urlencoded` escaping. */
export function encodeValues(params: readonly [string, string][]): string {
  const esc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*~]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase());
  return [...params]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${esc(k)}=${esc(v)}`)
    .join('&');
}

/** An object with the keys of `m` in sorted order (how Go encodes a map). */
export function sortedMap<T>(m: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

/** Upstream `TruncateInRunes`: at most `n` code points, the last replaced by `…` when cut. */
export function truncateRunes(s: string, n: number): { text: string; truncated: boolean } {
  const runes = [...s];
  if (runes.length <= n) return { text: s, truncated: false };
  if (n <= 3) return { text: runes.slice(0, n).join(''), truncated: true };
  return { text: runes.slice(0, n - 1).join('') + '…', truncated: true };
}

/** Reads a secret file and trims surrounding whitespace (as upstream does for `*_file` settings). */
export function readSecretFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new NotifyError(`failed to read ${what} from file: ${e instanceof Error ? e.message : String(e)}`, false);
  }
}

function readFileRaw(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new NotifyError(`unable to read file ${file}: ${e instanceof Error ? e.message : String(e)}`, false);
  }
}

/**
 * Request headers for an `http_config` ({@link requestHeaders}: `Authorization` from `basic_auth`
 * or `authorization`, and `http_headers`; files read on every request, as upstream).
 * @throws {NotifyError} (not retryable) for unreadable files or OAuth2, which is not supported.
 */
export function authHeaders(cfg: HTTPClientConfig): Record<string, string> {
  if (cfg.oauth2) throw new NotifyError('oauth2 in http_config is not supported by Lookout', false);
  return requestHeaders(cfg, (f) => readFileRaw(f).trim());
}

/** A received HTTP response. */
export interface HttpResult {
  status: number;
  body: string;
  /** The `Content-Type` header (`''` when absent). */
  contentType: string;
}

/**
 * POSTs (or PUTs) `body` to `url` with the `http_config`'s auth and headers; `opts.headers`
 * replace those (e.g. OpsGenie's `Authorization: GenieKey …`). With `method: 'GET'` no body
 * (and no `Content-Type`) is sent.
 * @param timeout ms for this request (0 = only `signal` limits it)
 * @throws {NotifyError} retryable for network errors (message `Post "<url>": …` / `Put …` / `Get …`, or with the URL
 *   redacted when `redact`), not retryable for configuration problems
 */
export async function post(
  cfg: HTTPClientConfig,
  url: string,
  body: string,
  signal: AbortSignal,
  opts: { timeout?: number; contentType?: string; redact?: boolean; method?: 'POST' | 'PUT' | 'GET'; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    'content-type': opts.contentType ?? 'application/json',
    ...authHeaders(cfg),
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    for (const h of Object.keys(headers)) if (h.toLowerCase() === k.toLowerCase()) delete headers[h];
    headers[k] = v;
  }
  const shown = opts.redact ? '<redacted>' : url;
  const method = opts.method ?? 'POST';
  try {
    return await httpPost(url, headers, body, { signal, timeout: opts.timeout, followRedirects: cfg.followRedirects, method });
  } catch (e) {
    const verb = method.charAt(0) + method.slice(1).toLowerCase();
    throw new NotifyError(`${verb} ${JSON.stringify(shown)}: ${e instanceof Error ? e.message : String(e)}`, true);
  }
}

/**
 * Upstream `Retrier.Check`: 2xx is success; otherwise an error `unexpected status code N[: details]`
 * that is retryable for 5xx and the extra `retryCodes`.
 * @throws {NotifyError}
 */
export function checkStatus(res: HttpResult, retryCodes: readonly number[] = [], details?: (r: HttpResult) => string): void {
  if (res.status >= 200 && res.status < 300) return;
  const retry = Math.floor(res.status / 100) === 5 || retryCodes.includes(res.status);
  const d = details ? details(res) : res.body;
  throw new NotifyError(`unexpected status code ${res.status}${d ? `: ${d}` : ''}`, retry);
}

/**
 * A template expander for config fields that stops at the first error (upstream `TmplText`):
 * later calls return `''` and {@link err} holds the first error.
 */
export class TextExpander {
  err: Error | null = null;

  constructor(
    private readonly templates: NotificationTemplates,
    private readonly data: TemplateData,
  ) {}

  /** Expands `text`; `''` after an error. */
  expand(text: string): string {
    return this.run(() => this.templates.execute(text, this.data));
  }

  /** Expands `text` as HTML (upstream `TmplHTML`: action output escaped); `''` after an error. */
  expandHTML(text: string): string {
    return this.run(() => this.templates.executeHTML(text, this.data));
  }

  private run(fn: () => string): string {
    if (this.err) return '';
    try {
      return fn();
    } catch (e) {
      this.err = e instanceof Error ? e : new Error(String(e));
      return '';
    }
  }

  /** Throws the first error as a non-retryable {@link NotifyError} prefixed by `what`. */
  check(what: string): void {
    if (this.err) throw new NotifyError(`${what}: ${this.err.message}`, false);
  }
}
