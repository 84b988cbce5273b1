/**
 * Loki's HTTP API for the log store: `POST /loki/api/v1/push`, `GET|POST /loki/api/v1/labels`,
 * `/loki/api/v1/label/:name/values`, `/loki/api/v1/series`, `/loki/api/v1/index/stats` and
 * `GET /ready` here, plus the query routes of loki-query.ts, with Loki's status codes and JSON shapes so
 * shippers (promtail, pino-loki, winston-loki, Alloy) and Grafana's Loki data source work
 * unchanged. Errors are plain text, as Loki's `http.Error`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { toObject } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { decodePush, MAX_DECOMPRESSED_BYTES, PushDecodeError } from '../logs/push/decode.js';
import type { LogStore } from '../logs/store/store.js';
import { countLimitRefusal } from './limits.js';
import { lokiBounds, LokiParamError, parseStreamSelector } from './loki-params.js';
import { registerLokiQueryRoutes } from './loki-query.js';
import { params } from './params.js';

/** Largest compressed push body read, bytes (Loki's `max_recv_msg_size`, 100 MiB). */
export const PUSH_BODY_LIMIT = MAX_DECOMPRESSED_BYTES;
/** Default of `--logs.max-streams-per-push`: most streams in one push request. */
export const DEFAULT_MAX_STREAMS_PER_PUSH = 10_000;
/** Default range of the label, series and index-stats APIs when `start` is absent, ms (Loki: 6 h). */
export const METADATA_DEFAULT_SINCE_MS = 6 * 3600_000;

/** What the Loki routes serve from. */
export interface LokiDeps {
  store: LogStore;
  /** Whether `/ready` answers 200 (default: always). */
  isReady?: () => boolean;
  /** Largest push body read, bytes (default {@link PUSH_BODY_LIMIT}). */
  maxPushBytes?: number;
  /**
   * Most streams in one push request (default {@link DEFAULT_MAX_STREAMS_PER_PUSH}; 0 = no
   * limit): a request with more is refused whole with 400 `received a push request with too many
   * streams (actual: N, limit: M) (limit set by --logs.max-streams-per-push)`.
   */
  maxStreamsPerPush?: number;
  /**
   * Counts push refusals in `lookout_http_limit_refusals_total{limit}`: `body_size` (413),
   * `decompressed_size` (body decoding past 100 MiB), `loki_push_streams`.
   */
  registry?: Registry;
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).type('text/plain; charset=utf-8').send(`${message}\n`);
}

function json(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Runs a handler, answering {@link LokiParamError} with 400. */
function guarded(fn: (q: URLSearchParams, reply: FastifyReply, name?: string) => FastifyReply) {
  return (req: { url: string; params: unknown; body?: unknown }, reply: FastifyReply) => {
    try {
      return fn(params(req as never), reply, (req.params as { name?: string } | undefined)?.name);
    } catch (e) {
      if (e instanceof LokiParamError) return badRequest(reply, e.message);
      throw e;
    }
  };
}

/** Union of streams over several selectors (`match[]`); none = every stream. */
function selectorsOf(values: string[]): Matcher[][] {
  return values.length === 0 ? [[]] : values.map(parseStreamSelector);
}

/**
 * Registers the push, label, series, index-stats and readiness routes on `app`, and LogQL's
 * query, query_range and tail routes (loki-query.ts) over the same store. The push route lives
 * in its own scope reading raw bodies (JSON, gzip, snappy protobuf) up to {@link PUSH_BODY_LIMIT}, and
 * refuses requests of more than `maxStreamsPerPush` streams before storing any.
 */
export function registerLoki(app: FastifyInstance, deps: LokiDeps): void {
  const store = deps.store;
  registerLokiQueryRoutes(app, { reader: store, tail: store });
  const limit = deps.maxPushBytes ?? PUSH_BODY_LIMIT;
  const maxStreams = deps.maxStreamsPerPush ?? DEFAULT_MAX_STREAMS_PER_PUSH;
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        countLimitRefusal(deps.registry, 'body_size');
        return reply.code(413).type('text/plain; charset=utf-8').send(`request body too large: limit is ${limit} bytes\n`);
      }
      return reply.code(err.statusCode ?? 500).type('text/plain; charset=utf-8').send(`${err.message}\n`);
    });
    scope.post('/loki/api/v1/push', { bodyLimit: limit }, async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let decoded;
      try {
        decoded = decodePush(body, req.headers['content-type'], req.headers['content-encoding'] as string | undefined);
      } catch (e) {
        if (e instanceof PushDecodeError && e.tooLarge) countLimitRefusal(deps.registry, 'decompressed_size');
        if (e instanceof PushDecodeError) return badRequest(reply, e.message);
        throw e;
      }
      const streams = decoded.streams.length + decoded.rejected.length;
      if (maxStreams > 0 && streams > maxStreams) {
        countLimitRefusal(deps.registry, 'loki_push_streams');
        return badRequest(reply, `received a push request with too many streams (actual: ${streams}, limit: ${maxStreams}) (limit set by --logs.max-streams-per-push)`);
      }
      const errors: string[] = [];
      for (const r of decoded.rejected) {
        store.discard(r.reason, r.entries, r.bytes);
        errors.push(r.message);
      }
      const result = await store.push(decoded.streams);
      errors.push(...result.errors);
      if (errors.length > 0) return badRequest(reply, errors.join('\n'));
      return reply.code(204).send();
    });
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/loki/api/v1/labels',
    handler: guarded((q, reply) => {
      const { start, end } = lokiBounds(q, METADATA_DEFAULT_SINCE_MS, Date.now());
      const query = q.get('query');
      if (query) {
        const names = new Set<string>();
        for (const ls of store.series(parseStreamSelector(query), start, end)) for (let i = 0; i < ls.length; i += 2) names.add(ls[i]!);
        return json(reply, { status: 'success', data: [...names].sort() });
      }
      return json(reply, { status: 'success', data: store.labelNames(start, end) });
    }),
  });
  app.route({
    method: ['GET', 'POST'],
    url: '/loki/api/v1/label/:name/values',
    handler: guarded((q, reply, name) => {
      const { start, end } = lokiBounds(q, METADATA_DEFAULT_SINCE_MS, Date.now());
      const query = q.get('query');
      return json(reply, { status: 'success', data: store.labelValues(name ?? '', start, end, query ? parseStreamSelector(query) : undefined) });
    }),
  });
  app.route({
    method: ['GET', 'POST'],
    url: '/loki/api/v1/series',
    handler: guarded((q, reply) => {
      const { start, end } = lokiBounds(q, METADATA_DEFAULT_SINCE_MS, Date.now());
      const seen = new Set<string>();
      const data: Record<string, string>[] = [];
      for (const matchers of selectorsOf(q.getAll('match[]').concat(q.getAll('match')))) {
        for (const ls of store.series(matchers, start, end)) {
          const k = JSON.stringify(ls);
          if (seen.has(k)) continue;
          seen.add(k);
          data.push(toObject(ls));
        }
      }
      return json(reply, { status: 'success', data });
    }),
  });
  app.route({
    method: ['GET', 'POST'],
    url: '/loki/api/v1/index/stats',
    handler: guarded((q, reply) => {
      const { start, end } = lokiBounds(q, METADATA_DEFAULT_SINCE_MS, Date.now());
      const query = q.get('query');
      if (!query) throw new LokiParamError('query parameter is required');
      const s = store.stats(parseStreamSelector(query), start, end);
      return json(reply, { streams: s.streams, chunks: s.chunks, entries: s.entries, bytes: s.bytes });
    }),
  });
  app.get('/ready', (_req, reply) =>
    deps.isReady === undefined || deps.isReady()
      ? reply.type('text/plain; charset=utf-8').send('ready\n')
      : reply.code(503).type('text/plain; charset=utf-8').send('Ingester not ready\n'),
  );
}
