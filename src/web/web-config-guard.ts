/**
 * Serving with a web configuration file (see `web-config.ts`), as exporter-toolkit does around a
 * Go `http.Handler`: the guard creates the listener's Node server (plain HTTP, or HTTPS when
 * `tls_server_config` is set at startup) and runs before every request of every route, so the API,
 * UI, `/metrics` and push endpoints are all covered alike.
 *
 * Per request: the config file is re-read when it changed on disk (checked with one `stat`;
 * upstream re-reads it on every request — same effect), the rate limit applies (429), configured
 * headers are set, and, when `basic_auth_users` is not empty, the `Authorization: Basic`
 * credentials are checked against the bcrypt hash (401 `Unauthorized` with `WWW-Authenticate:
 * Basic` otherwise, nothing else in the body). bcrypt results are cached per
 * (user, hash, password) — 100 entries, random eviction, keyed by a SHA-256 digest — so a valid
 * login is hashed once; an unknown user is checked against a fixed hash so timing does not reveal
 * which users exist. Per connection: certificate, key and CA files are re-read when they (or the
 * config) changed, so rotated certificates apply to new connections.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import bcrypt from 'bcryptjs';
import { Counter, type Registry } from 'prom-client';
import { logger, type Logger } from '../log.js';
import { readWebConfig, tlsContextOptions, type TlsServerConfig, type WebConfig } from './web-config.js';

/** bcrypt hash of a password no one knows, checked for unknown users (constant-ish timing). */
const DECOY_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const CACHE_SIZE = 100;

export interface WebConfigGuardOptions {
  /** Path of the web configuration file. */
  file: string;
  /** Registers `lookout_web_auth_failures_total` and `lookout_web_rate_limited_total` here. */
  registry?: Registry;
  log?: Logger;
}

/** A file's identity and modification stamp; changes when it is rewritten or replaced. */
function stamp(file: string): string {
  if (file === '') return '';
  try {
    const s = statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

/** The user and password of an `Authorization: Basic` header, as Go's `Request.BasicAuth`. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (!header || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return null;
  const b64 = header.slice(6);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return null;
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

/**
 * The web-config guard of one listener. Create it with {@link WebConfigGuard.open} (validates the
 * file as upstream does at startup), then let it build the server ({@link createServer}).
 */
export class WebConfigGuard {
  private config: WebConfig;
  private configStamp: string;
  private readonly authCache = new Map<string, boolean>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private tokens = 0;
  private lastRefill = 0;
  private readonly log: Logger;
  private readonly authFailures?: Counter;
  private readonly rateLimited?: Counter;
  /** Whether the listener serves HTTPS (fixed at startup, as upstream). */
  readonly tlsEnabled: boolean;

  private constructor(
    private readonly file: string,
    opts: WebConfigGuardOptions,
  ) {
    this.log = opts.log ?? logger('web');
    this.configStamp = stamp(file);
    this.config = readWebConfig(file);
    this.tlsEnabled = this.config.tls !== null;
    if (this.config.tls) tlsContextOptions(this.config.tls);
    if (opts.registry) {
      this.authFailures = new Counter({
        name: 'lookout_web_auth_failures_total',
        help: 'Requests refused with 401 because basic-auth credentials were missing or wrong.',
        registers: [opts.registry],
      });
      this.rateLimited = new Counter({
        name: 'lookout_web_rate_limited_total',
        help: 'Requests refused with 429 by the web config rate_limit.',
        registers: [opts.registry],
      });
    }
    this.tokens = this.config.rateLimit?.burst ?? 0;
    this.lastRefill = Date.now();
  }

  /**
   * Reads and validates the web configuration file (YAML, bcrypt hashes, and — when TLS is on —
   * that the certificate and key can be read).
   * @throws {ConfigError|WebConfigTlsError} upstream's startup refusal.
   */
  static open(opts: WebConfigGuardOptions): WebConfigGuard {
    return new WebConfigGuard(opts.file, opts);
  }

  /**
   * The configuration in force now, re-read when the file changed on disk.
   * @throws {ConfigError} while the file is invalid (requests then get 500, as upstream).
   */
  private current(): WebConfig {
    const s = stamp(this.file);
    if (s !== this.configStamp) {
      this.config = readWebConfig(this.file);
      this.configStamp = s;
    }
    return this.config;
  }

  /**
   * The Node server for the listener: HTTPS with the configured TLS when TLS is on, else HTTP;
   * every request passes the guard before `handler`.
   */
  createServer(handler: (req: IncomingMessage, res: ServerResponse) => void, maxHeaderSize: number): HttpServer | HttpsServer {
    const onRequest = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res, handler);
    if (!this.config.tls) return createHttpServer({ maxHeaderSize }, onRequest);
    const server = createHttpsServer({ ...tlsContextOptions(this.config.tls), maxHeaderSize }, onRequest);
    // Per server (one guard may serve several listeners): the files its TLS context was made from.
    const loaded = { stamp: this.tlsFilesStamp(this.config.tls) };
    // Before Node wraps the socket in TLS: pick up changed config or certificate files.
    server.prependListener('connection', (socket: Socket) => this.refreshTls(server, socket, loaded));
    server.on('secureConnection', (socket: TLSSocket) => this.checkClientCert(socket));
    return server;
  }

  private tlsFilesStamp(tls: TlsServerConfig): string {
    return `${this.configStamp}|${stamp(tls.certFile)}|${stamp(tls.keyFile)}|${stamp(tls.clientCaFile)}`;
  }

  private refreshTls(server: HttpsServer, socket: Socket, loaded: { stamp: string }): void {
    try {
      const tls = this.current().tls;
      if (!tls) throw new Error('TLS config is not present');
      const s = this.tlsFilesStamp(tls);
      if (s === loaded.stamp) return;
      const o = tlsContextOptions(tls);
      server.setSecureContext(o);
      // setSecureContext only replaces the context; the client-certificate request is per server.
      Object.assign(server as unknown as { requestCert: boolean; rejectUnauthorized: boolean }, {
        requestCert: o.requestCert,
        rejectUnauthorized: o.rejectUnauthorized,
      });
      loaded.stamp = s;
    } catch (e) {
      this.log.error('Unable to load TLS configuration, refusing connection', { err: (e as Error).message });
      socket.destroy();
    }
  }

  /** Client-certificate policies Node does not enforce itself (see `tlsContextOptions`). */
  private checkClientCert(socket: TLSSocket): void {
    const tls = this.config.tls;
    if (!tls) return;
    const cert = socket.getPeerCertificate();
    const given = cert !== null && Object.keys(cert).length > 0;
    let reason = '';
    if (tls.clientAuthType === 'RequireAnyClientCert' && !given) reason = 'client didn\'t provide a certificate';
    else if (tls.clientAuthType === 'VerifyClientCertIfGiven' && given && !socket.authorized) reason = `client certificate rejected: ${String(socket.authorizationError)}`;
    else if (tls.clientAllowedSans !== null && given) {
      const sans = (cert.subjectaltname ?? '').split(', ').map((s) => s.replace(/^(DNS|IP Address|email|URI):/, ''));
      if (!sans.some((s) => tls.clientAllowedSans!.includes(s))) reason = `could not find allowed SANs in client cert, found: [${tls.clientAllowedSans.join(' ')}]`;
    }
    if (reason) {
      this.log.warn('TLS handshake refused', { reason });
      socket.destroy();
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => void): void {
    let cfg: WebConfig;
    try {
      cfg = this.current();
    } catch (e) {
      this.log.error('Unable to parse configuration', { err: (e as Error).message });
      return plainError(res, 500, 'Internal Server Error');
    }
    if (cfg.rateLimit && !this.takeToken(cfg.rateLimit)) {
      this.rateLimited?.inc();
      return plainError(res, 429, 'Too Many Requests');
    }
    for (const [k, v] of Object.entries(cfg.headers)) res.setHeader(k, v);
    if (cfg.users.size === 0) return next(req, res);
    const creds = parseBasicAuth(req.headers.authorization);
    if (!creds) return this.refuse(req, res);
    const hash = cfg.users.get(creds.user);
    const key = createHash('sha256').update(`${creds.user}\0${hash ?? DECOY_HASH}\0${creds.password}`).digest('base64');
    const cached = this.authCache.get(key);
    if (cached !== undefined) return cached && hash !== undefined ? next(req, res) : this.refuse(req, res);
    let check = this.inFlight.get(key);
    if (!check) {
      check = bcrypt
        .compare(creds.password, hash ?? DECOY_HASH)
        .catch(() => false)
        .then((ok) => {
          const valid = ok && hash !== undefined;
          this.remember(key, valid);
          this.inFlight.delete(key);
          return valid;
        });
      this.inFlight.set(key, check);
    }
    check
      .then((ok) => (ok ? next(req, res) : this.refuse(req, res)))
      .catch((e: Error) => {
        this.log.error('request failed', { url: req.url, err: e.stack ?? String(e) });
        if (!res.headersSent) plainError(res, 500, 'Internal Server Error');
      });
  }

  private remember(key: string, ok: boolean): void {
    if (this.authCache.size >= CACHE_SIZE) {
      const keys = [...this.authCache.keys()];
      this.authCache.delete(keys[Math.floor(Math.random() * keys.length)]!);
    }
    this.authCache.set(key, ok);
  }

  private refuse(req: IncomingMessage, res: ServerResponse): void {
    this.authFailures?.inc();
    res.setHeader('WWW-Authenticate', 'Basic');
    // A refused client's body is not read: close the connection rather than drain it.
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) res.setHeader('Connection', 'close');
    plainError(res, 401, 'Unauthorized');
  }

  private takeToken(limit: { intervalMs: number; burst: number }): boolean {
    const now = Date.now();
    this.tokens = Math.min(limit.burst, this.tokens + (now - this.lastRefill) / limit.intervalMs);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Go's `http.Error`: plain text, `nosniff`, the message and a newline. */
function plainError(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(`${text}\n`);
}

/**
 * The guard for a `--web.config.file` flag value: undefined when the flag is empty (plain HTTP, no
 * authentication, as upstream).
 * @throws {Error} `Unable to validate web configuration file: <reason>` (upstream's startup
 *   refusal) for an unreadable or invalid file.
 */
export function webConfigFromFlag(file: string, registry?: Registry): WebConfigGuard | undefined {
  if (file === '') return undefined;
  try {
    return WebConfigGuard.open({ file, registry });
  } catch (e) {
    throw new Error(`Unable to validate web configuration file: ${(e as Error).message}`);
  }
}
