/**
 * The HTTP server (fastify): the only module that knows HTTP. It mounts, on one listen address,
 * whichever of these the process runs: the Prometheus API (`/api/v1`), the Alertmanager API
 * (`/api/v2`), lifecycle endpoints (`/-/healthy`, `/-/ready`, `/-/reload`), self-metrics
 * (`/metrics`), the host collector (`/node/metrics`) and the web UI.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { logger } from '../log.js';
import { registerApiV1, type ApiV1Deps } from './api-v1.js';
import { registerDashboards, type DashboardStore } from './dashboards.js';
import { registerLoki, type LokiDeps } from './loki.js';
import { decodeFirstJSON } from './gojson.js';
import { acceptFormBodies, params } from './params.js';
import { renderRunbooks } from './runbooks.js';
import type { RemoteHTTPResponse } from '../remote/write-handler.js';
import { countLimitRefusal } from './limits.js';
import type { WebConfigGuard } from './web-config-guard.js';

const log = logger('web');

/** The UI's page paths, each served the single-page app so links can be shared. */
export const UI_PAGES = ['/query', '/graph', '/targets', '/service-discovery', '/alerts', '/alertmanager', '/rules', '/slos', '/backtest', '/dashboards', '/tsdb-status', '/config', '/flags', '/runtime', '/logs'];

export interface WebServerOptions {
  /** `host:port` (`:9090` = all interfaces, as upstream `--web.listen-address`). Port 0 picks a free port. */
  listenAddress: string;
  /** Name in `/-/healthy` and `/-/ready` texts, e.g. `Lookout Server`. */
  name: string;
  /** Prometheus API dependencies; omitted for the standalone Alertmanager. */
  apiV1?: ApiV1Deps;
  /** Alertmanager API v2 (`path` is the part after `/api/v2`). */
  alertmanager?: {
    /**
     * `body` is the decoded JSON body (undefined when empty), `contentType` the media type of a
     * non-empty body (`application/octet-stream` when unnamed), `bodyError` Go's JSON syntax error.
     */
    handleApiV2(req: {
      method: string;
      path: string;
      query: URLSearchParams;
      body: unknown;
      contentType?: string;
      bodyError?: string;
    }): Promise<{
      status: number;
      body: unknown;
      headers?: Record<string, string>;
    }>;
  };
  /** Host collector served at `/node/metrics`. */
  hostCollector?: { collect(): Promise<string> };
  /**
   * `/federate` (GET or POST): the answer for the request's `match[]` values — a text-format body
   * with status 200, or an error message (400 for a bad selector).
   */
  federate?: (match: string[]) => { status: number; body: string };
  /** Self-metrics served at `/metrics`. */
  registry?: Registry;
  /** Whether `/-/reload` and `/-/quit` are enabled (`--web.enable-lifecycle`). */
  enableLifecycle: boolean;
  /** Reloads configuration; rejects with the reason (the old config stays). */
  reload?: () => Promise<void>;
  /** Asked to shut down via `/-/quit`. */
  quit?: () => void;
  isReady: () => boolean;
  /** Directory of the built UI (index.html + assets); the UI is not served when absent. */
  uiDir?: string;
  /** Markdown file served as HTML at `/runbooks` (see runbooks.ts); not served when absent. */
  runbooksFile?: string;
  /**
   * `--web.config.file` in force (TLS, basic auth, headers, rate limit): it creates the listener's
   * server and runs before every route (see web-config-guard.ts). Not applied to `app.inject`.
   */
  webConfig?: WebConfigGuard;
  /** Grafana-JSON dashboards served and saved at `/api/search` and `/api/dashboards/*` (see dashboards.ts). */
  dashboards?: DashboardStore;
  /**
   * Remote write receiver (`POST /api/v1/write`, see remote/write-handler.ts) and remote read
   * server (`POST /api/v1/read`, remote/read-handler.ts): each gets the raw request body. Without
   * `write`, `/api/v1/write` answers 404 as Prometheus without `--web.enable-remote-write-receiver`.
   */
  remote?: { write?: (body: Buffer) => RemoteHTTPResponse; read?: (body: Buffer) => RemoteHTTPResponse };
  /** Loki's API (`/loki/api/v1/*`, `/ready`) over the log store (see loki.ts). */
  loki?: LokiDeps;
}

/** A started server: its bound address and a way to stop it. */
export interface WebServer {
  app: FastifyInstance;
  /** `http://host:port` actually bound. */
  url: string;
  close(): Promise<void>;
}

/** Parses `host:port` as upstream flags do (`:9090` → all interfaces). */
export function parseListenAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  if (i < 0) throw new Error(`invalid listen address "${addr}": missing port`);
  const host = addr.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid listen address "${addr}": bad port`);
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/**
 * Longest request line plus headers accepted, bytes: Go's `http.DefaultMaxHeaderBytes` (1 MiB),
 * which Prometheus keeps, so PromQL of several hundred KB fits in a GET query string. Also the
 * bound on a path parameter (a label name in `/api/v1/label/<name>/values`).
 */
export const MAX_HEADER_BYTES = 1 << 20;
/** Largest request body read, bytes (url-encoded forms stop at 10 MiB, see `params.ts`). */
export const BODY_LIMIT = 32 << 20;

/**
 * Answers requests Node's HTTP parser rejects as Go's server does: `431 Request Header Fields
 * Too Large` past {@link MAX_HEADER_BYTES}, else `400 Bad Request`, in plain text.
 */
function clientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  if (socket.writable) socket.write(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${status}`);
  socket.destroy(err);
}

/**
 * The API error text for a body fastify could not read before a handler ran (too large,
 * unreadable), worded as Go's form parsing: `http: POST too large` for an oversized form.
 */
function apiV1FrameworkError(err: Error & { code?: string }): string {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'error parsing form values: http: POST too large';
  return `error parsing form values: ${err.message}`;
}

/**
 * Fastify's `schemaController` option for apps whose routes declare no JSON schemas (none of
 * Lookout's do): without it fastify loads and sets up ajv and fast-json-stringify at startup,
 * about 100 ms of the server's time to ready. A route given a schema fails to register with
 * the error thrown here.
 */
export const NO_SCHEMA_COMPILERS = {
  compilersFactory: {
    buildValidator: (): never => {
      throw new Error('route schemas are not supported (no validator compiler loaded)');
    },
    buildSerializer: (): never => {
      throw new Error('route schemas are not supported (no serializer compiler loaded)');
    },
  },
};

/** Builds the fastify app with every route for the given options (not yet listening). */
export async function buildApp(opts: WebServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    schemaController: NO_SCHEMA_COMPILERS,
    bodyLimit: BODY_LIMIT,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    clientErrorHandler: clientError,
    ...(opts.webConfig ? { serverFactory: (handler: Parameters<WebConfigGuard['createServer']>[0]) => opts.webConfig!.createServer(handler, MAX_HEADER_BYTES) as Server } : {}),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_HEADER_BYTES },
  });
  acceptFormBodies(app);
  // Before any route: each route keeps the error handler in force when it is added.
  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') countLimitRefusal(opts.registry, 'body_size');
    if (status >= 500) log.error('request failed', { url: req.url, err: err.stack ?? String(err) });
    if (req.url.startsWith('/api/v1/')) {
      // Prometheus's shape: a request it cannot read is bad_data (400), anything else internal.
      const bad = status < 500;
      const body = JSON.stringify({
        status: 'error',
        errorType: bad ? 'bad_data' : 'internal',
        error: bad && err.code?.startsWith('FST_ERR_CTP') ? apiV1FrameworkError(err) : err.message,
      });
      return reply.code(bad ? 400 : 500).type('application/json').send(body);
    }
    return reply.code(status).type('application/json').send(JSON.stringify({ code: status, message: err.message }));
  });

  app.get('/-/healthy', (_req, reply) => reply.type('text/plain').send(`${opts.name} is Healthy.\n`));
  app.get('/-/ready', (_req, reply) =>
    opts.isReady()
      ? reply.type('text/plain').send(`${opts.name} is Ready.\n`)
      : reply.code(503).type('text/plain').send('Service Unavailable'),
  );
  app.route({
    method: ['POST', 'PUT'],
    url: '/-/reload',
    handler: async (_req, reply) => {
      if (!opts.enableLifecycle || !opts.reload) return reply.code(403).type('text/plain').send('Lifecycle API is not enabled.');
      try {
        await opts.reload();
        return reply.type('text/plain').send('');
      } catch (e) {
        return reply.code(500).type('text/plain').send(`failed to reload config: ${(e as Error).message}\n`);
      }
    },
  });
  app.route({
    method: ['POST', 'PUT'],
    url: '/-/quit',
    handler: (_req, reply) => {
      if (!opts.enableLifecycle || !opts.quit) return reply.code(403).type('text/plain').send('Lifecycle API is not enabled.');
      setImmediate(opts.quit);
      return reply.type('text/plain').send('Requesting termination... Goodbye!');
    },
  });

  if (opts.registry) {
    const registry = opts.registry;
    app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  }
  if (opts.hostCollector) {
    const hc = opts.hostCollector;
    app.get('/node/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await hc.collect()));
  }
  if (opts.federate) {
    const federate = opts.federate;
    app.route({
      method: ['GET', 'POST'],
      url: '/federate',
      exposeHeadRoute: false,
      handler: (req, reply) => {
        const { status, body } = federate(params(req).getAll('match[]'));
        if (status !== 200) return reply.code(status).type('text/plain; charset=utf-8').send(`${body}\n`);
        return reply.type('text/plain; version=0.0.4; charset=utf-8').send(body);
      },
    });
  }
  if (opts.remote) {
    const remote = opts.remote;
    // Protobuf + snappy bodies, read raw whatever their content type.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      const send = (reply: FastifyReply, res: RemoteHTTPResponse) => reply.code(res.status).headers(res.headers).send(res.body);
      const raw = (b: unknown) => (Buffer.isBuffer(b) ? b : Buffer.alloc(0));
      scope.post('/api/v1/write', (req, reply) =>
        remote.write
          ? send(reply, remote.write(raw(req.body)))
          : reply.code(404).type('text/plain; charset=utf-8').send('remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n'),
      );
      if (remote.read) scope.post('/api/v1/read', (req, reply) => send(reply, remote.read!(raw(req.body))));
    });
  }
  if (opts.apiV1) registerApiV1(app, opts.apiV1);
  if (opts.dashboards) await registerDashboards(app, opts.dashboards);
  if (opts.loki) registerLoki(app, opts.loki);
  if (opts.alertmanager) {
    const am = opts.alertmanager;
    // Alertmanager reads bodies itself (go-swagger): any content type as text, checked and
    // decoded here as Go's JSON decoder would, judged by the API once it knows the endpoint.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      scope.all('/api/v2/*', async (req, reply) => {
        const path = req.url.slice('/api/v2'.length).split('?')[0]!;
        const text = typeof req.body === 'string' ? req.body : '';
        let body: unknown;
        let contentType: string | undefined;
        let bodyError: string | undefined;
        if (text !== '') {
          contentType = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
          const decoded = decodeFirstJSON(text);
          if (decoded.ok === true) body = decoded.value;
          else if (decoded.ok === false) bodyError = decoded.error;
        }
        const res = await am.handleApiV2({ method: req.method, path, query: params(req), body, contentType, bodyError });
        if (res.headers) reply.headers(res.headers);
        reply.code(res.status);
        return res.body === undefined ? reply.send() : reply.type('application/json').send(JSON.stringify(res.body));
      });
    });
  }

  if (opts.uiDir && existsSync(join(opts.uiDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: opts.uiDir, prefix: '/ui/', wildcard: true, index: false });
    const page = (_req: unknown, reply: { sendFile(f: string, root: string): unknown }) => reply.sendFile('index.html', opts.uiDir!);
    for (const p of UI_PAGES) {
      app.get(p, page as never);
      app.get(`${p}/*`, page as never);
    }
    app.get('/', (_req, reply) => reply.redirect('/query'));
  } else {
    const what = opts.apiV1 ? 'UI not built (run npm run build)' : 'API at /api/v2 (no web UI)';
    app.get('/', (_req, reply) => reply.type('text/plain').send(`${opts.name}: ${what}\n`));
  }
  const runbooks = opts.runbooksFile;
  if (runbooks && existsSync(runbooks)) {
    app.get('/runbooks', (_req, reply) => reply.type('text/html; charset=utf-8').send(renderRunbooks(readFileSync(runbooks, 'utf8'))));
  }
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('404 page not found\n'));

  return app;
}

/** Builds and starts the server. Rejects when the address cannot be bound. */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const app = await buildApp(opts);
  const { host, port } = parseListenAddress(opts.listenAddress);
  await app.listen({ host, port });
  const addr = app.server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `${opts.webConfig?.tlsEnabled ? 'https' : 'http'}://${shownHost}:${bound}`;
  log.info('listening', { address: url });
  return { app, url, close: () => app.close() };
}
