/**
 * Loki's query HTTP API: `GET|POST /loki/api/v1/query`, `/loki/api/v1/query_range` (JSON as
 * Loki: `{"status":"success","data":{"resultType":…,"result":[…],"stats":{…}}}`) and the
 * WebSocket `/loki/api/v1/tail`. Errors are Loki's: status 400 with the message as plain text
 * for bad parameters, parse errors and pipeline errors, 504 past the query timeout, 500 otherwise.
 * Queries run on the event loop; the timeout is checked every 4096 lines read. The log store's routes
 * (push, labels, series) are in `loki.ts`, which calls {@link registerLokiQueryRoutes}.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { matchesAll } from '../model/matcher.js';
import type { Labels } from '../model/labels.js';
import { LokiParamError, nsString, parseLokiTime, queryInstant, queryRange, streamsJson } from '../logs/logql/api.js';
import { LogQLExecError, LogQLParseError, LogQLTimeoutError } from '../logs/logql/errors.js';
import { evaluateLogQuery } from '../logs/logql/log-query.js';
import { parseLogQL } from '../logs/logql/parser.js';
import { compilePipeline, EntryState } from '../logs/logql/pipeline.js';
import { QueryStats } from '../logs/logql/stats.js';
import type { LogReader, LogTailSource } from '../logs/types.js';
import { acceptFormBodies, params } from './params.js';

/** What the query routes read: the store and its live feed. */
export interface LokiQueryDeps {
  readonly reader: LogReader;
  readonly tail: LogTailSource;
  /** Current time in integer ms (tests pin it); default `Date.now`. */
  readonly now?: () => number;
  /** Longest evaluation of one query, ms (Loki's `query_timeout`, default 1 min). */
  readonly queryTimeoutMs?: number;
}

/** Most entries a tail frame or the tail's initial query returns (Loki's `max_entries_limit_per_query` default). */
const TAIL_MAX_LIMIT = 5000;

function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof LogQLTimeoutError) return reply.code(504).type('text/plain; charset=utf-8').send(`${e.message}\n`);
  const user = e instanceof LogQLParseError || e instanceof LogQLExecError || e instanceof LokiParamError;
  const message = e instanceof Error ? e.message : String(e);
  return reply.code(user ? 400 : 500).type('text/plain; charset=utf-8').send(`${message}\n`);
}

/**
 * Registers the query routes (in an encapsulated scope with url-encoded/multipart form parsing
 * for POST, as Loki reads `r.Form`) and the tail WebSocket, registering `@fastify/websocket` in
 * that scope unless `app` already has it.
 */
export function registerLokiQueryRoutes(app: FastifyInstance, deps: LokiQueryDeps): void {
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.queryTimeoutMs ?? 60_000;
  void app.register(async (scope) => {
    acceptFormBodies(scope);
    if (!scope.hasPlugin('@fastify/websocket')) await scope.register(websocket);
    for (const [path, run] of [
      ['/loki/api/v1/query', queryInstant],
      ['/loki/api/v1/query_range', queryRange],
    ] as const) {
      const handler = async (req: FastifyRequest, reply: FastifyReply) => {
        try {
          return reply.type('application/json; charset=utf-8').send(JSON.stringify(run(deps.reader, params(req), now(), timeoutMs)));
        } catch (e) {
          return sendError(reply, e);
        }
      };
      scope.get(path, handler);
      scope.post(path, handler);
    }
    scope.get('/loki/api/v1/tail', { websocket: true }, (socket, req) => serveTail(socket, req, deps, now()));
  });
}

/**
 * One tail session, as Loki's: the last `limit` entries since `start` (default one hour ago)
 * first, then every new entry matching the query, as frames
 * `{"streams":[{"stream":{…},"values":[["<ns>","line"]]}],"dropped_entries":null}`. A bad query
 * closes the socket with code 1011 and the error text, the way Loki ends a failed tail.
 */
function serveTail(socket: WebSocket, req: FastifyRequest, deps: LokiQueryDeps, nowMs: number): void {
  const p = params(req);
  let unsubscribe: (() => void) | null = null;
  try {
    const expr = parseLogQL(p.get('query') ?? '');
    if (expr.kind !== 'log') throw new LokiParamError('only log queries can be tailed');
    const limitText = p.get('limit');
    const limit = Math.min(limitText ? Number(limitText) : 100, TAIL_MAX_LIMIT);
    if (!Number.isInteger(limit) || limit <= 0) throw new LokiParamError('limit must be a positive value');
    const start = parseLokiTime(p.get('start'), { ms: nowMs - 3600_000, nanos: 0 });
    const history = evaluateLogQuery(deps.reader, expr, { start, end: { ms: nowMs + 1, nanos: 0 }, limit, direction: 'backward' }, new QueryStats());
    for (const s of history) {
      s.ms.reverse();
      s.nanos.reverse();
      s.lines.reverse();
    }
    if (history.length > 0) socket.send(JSON.stringify({ streams: streamsJson(history), dropped_entries: null }));
    const pipeline = compilePipeline(expr.stages);
    const state = new EntryState();
    let pending: Map<string, { labels: Labels; values: [string, string][] }> | null = null;
    const flush = () => {
      if (!pending) return;
      const streams = [...pending.values()].map((s) => ({ stream: Object.fromEntries(pairs(s.labels)), values: s.values }));
      pending = null;
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ streams, dropped_entries: null }));
    };
    unsubscribe = deps.tail.subscribe((labels, entry) => {
      if (!matchesAll(expr.matchers, labels)) return;
      state.reset(labels, entry.metadata, entry.line, entry.ms, entry.nanos);
      if (!pipeline.process(state)) return;
      const out = state.labels();
      const key = out.join('\xff');
      if (!pending) {
        pending = new Map();
        setImmediate(flush);
      }
      let s = pending.get(key);
      if (!s) pending.set(key, (s = { labels: out, values: [] }));
      s.values.push([nsString(entry.ms, entry.nanos), state.line]);
    });
  } catch (e) {
    socket.close(1011, (e instanceof Error ? e.message : String(e)).slice(0, 120));
    return;
  }
  socket.on('close', () => unsubscribe?.());
}

function pairs(ls: Labels): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < ls.length; i += 2) out.push([ls[i]!, ls[i + 1]!]);
  return out;
}
