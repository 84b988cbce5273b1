/**
 * The Prometheus HTTP API (`/api/v1/*`), with upstream JSON shapes, status codes and error texts:
 * `{"status":"success","data":…}` or `{"status":"error","errorType":"bad_data|execution|…","error":"…"}`
 * (400 for bad_data, 422 for execution errors, 503 for timeouts, 404 for unknown resources).
 * Parameters come from the query string or a form-encoded POST body, as upstream.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Labels } from '../model/labels.js';
import { compare, key } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { parseApiDuration, parseApiTime, TimeParseError } from '../model/time.js';
import { PromQLError, parseMetricSelector, type Engine } from '../promql/index.js';
import type { Storage } from '../tsdb/types.js';
import { labelsJson, queryResponseJson } from './encode.js';
import { params } from './params.js';

/** What the `/api/v1` routes read from; each optional part answers 404-free empty data when absent. */
export interface ApiV1Deps {
  storage: Storage;
  engine: Engine;
  /** `data` of /api/v1/status/tsdb. */
  tsdbStatus?: (limit: number) => unknown;
  scrape?: { targetsApi(state?: string): unknown; metadataApi(metric?: string, limit?: number): unknown };
  rules?: { rulesApi(filter?: { type?: 'alert' | 'record' }): unknown; alertsApi(): unknown };
  /** URLs alerts are posted to (`alerting.alertmanagers`), for /api/v1/alertmanagers. */
  alertmanagerURLs?: () => string[];
  /** Current prometheus.yml text, for /api/v1/status/config. */
  configText: () => string;
  /** Command-line flags with their values, for /api/v1/status/flags. */
  flags: Record<string, string>;
  /** Extra runtime facts for /api/v1/status/runtimeinfo. */
  runtimeInfo: () => Record<string, unknown>;
  buildInfo: Record<string, string>;
  /** ms clock (defaults to Date.now). */
  now?: () => number;
}

/** An API error with Prometheus's errorType. */
export class ApiError extends Error {
  constructor(
    readonly errorType: 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'not_found' | 'internal' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Record<ApiError['errorType'], number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 503,
  not_found: 404,
  internal: 500,
  unavailable: 503,
};

/** Sends `{"status":"error",…}` with the status code Prometheus uses for the error type. */
export function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  return reply
    .code(STATUS[err.errorType])
    .type('application/json')
    .send(JSON.stringify({ status: 'error', errorType: err.errorType, error: err.message }));
}

/** Sends `{"status":"success","data":…}` (data already JSON text when a string is passed). */
export function sendData(reply: FastifyReply, data: unknown): FastifyReply {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return reply.type('application/json').send(`{"status":"success","data":${text}}`);
}

const MAX_POINTS = 11_000;
/** Default start/end of metadata queries without a range: all time, as upstream's MinTime/MaxTime. */
const MIN_TIME = -9_223_372_036_854;
const MAX_TIME = 9_223_372_036_854;

/**
 * A time parameter in ms; `dflt` when absent (NaN default = required). Error texts as upstream,
 * including its extra "Invalid time value for 'time'" prefix on the instant query's `time`.
 */
function timeParam(p: URLSearchParams, name: string, dflt: number): number {
  const v = p.get(name);
  if ((v === null || v === '') && !Number.isNaN(dflt)) return dflt;
  try {
    return parseApiTime(v ?? '');
  } catch (e) {
    if (!(e instanceof TimeParseError)) throw e;
    const detail = name === 'time' ? `Invalid time value for 'time': ${e.message}` : e.message;
    throw new ApiError('bad_data', `invalid parameter "${name}": ${detail}`);
  }
}

function matchersParam(p: URLSearchParams, required: boolean): Matcher[][] {
  const all = p.getAll('match[]');
  if (all.length === 0 && required) throw new ApiError('bad_data', 'no match[] parameter provided');
  return all.map((m) => {
    try {
      return parseMetricSelector(m);
    } catch (e) {
      if (e instanceof PromQLError) throw new ApiError('bad_data', `invalid parameter "match[]": ${e.message}`);
      throw e;
    }
  });
}

function promqlError(e: unknown): never {
  if (e instanceof PromQLError) {
    const prefix = e.type === 'bad_data' ? 'invalid parameter "query": ' : '';
    throw new ApiError(e.type, prefix + e.message);
  }
  throw e;
}

/** Registers every `/api/v1` route on `app`. */
export function registerApiV1(app: FastifyInstance, deps: ApiV1Deps): void {
  const now = deps.now ?? Date.now;

  const route = (
    path: string,
    handler: (p: URLSearchParams, req: FastifyRequest, reply: FastifyReply) => unknown,
    methods: ('GET' | 'POST')[] = ['GET', 'POST'],
  ) => {
    app.route({
      method: methods,
      url: `/api/v1${path}`,
      handler: async (req, reply) => {
        try {
          const out = await handler(params(req), req, reply);
          if (!reply.sent) return sendData(reply, out);
          return reply;
        } catch (e) {
          if (e instanceof ApiError) return sendError(reply, e);
          throw e;
        }
      },
    });
  };

  route('/query', (p, _req, reply) => {
    const query = p.get('query') ?? '';
    const t = timeParam(p, 'time', now());
    let res;
    try {
      res = deps.engine.instantQuery(deps.storage, query, t);
    } catch (e) {
      promqlError(e);
    }
    return reply.type('application/json').send(queryResponseJson(res));
  });

  route('/query_range', (p, _req, reply) => {
    const query = p.get('query') ?? '';
    const start = timeParam(p, 'start', NaN);
    const end = timeParam(p, 'end', NaN);
    if (end < start) throw new ApiError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
    let step: number;
    try {
      step = parseApiDuration(p.get('step') ?? '');
    } catch (e) {
      if (e instanceof TimeParseError) throw new ApiError('bad_data', `invalid parameter "step": ${e.message}`);
      throw e;
    }
    if (step <= 0) {
      throw new ApiError(
        'bad_data',
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    }
    if ((end - start) / step > MAX_POINTS) {
      throw new ApiError(
        'bad_data',
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      );
    }
    let res;
    try {
      res = deps.engine.rangeQuery(deps.storage, query, start, end, step);
    } catch (e) {
      promqlError(e);
    }
    return reply.type('application/json').send(queryResponseJson(res));
  });

  route('/query_exemplars', () => []);

  route('/series', (p) => {
    const sets = matchersParam(p, true);
    const start = timeParam(p, 'start', MIN_TIME);
    const end = timeParam(p, 'end', MAX_TIME);
    const q = deps.storage.querier(start, end);
    const seen = new Map<string, Labels>();
    for (const ms of sets) for (const ls of q.series(ms, start, end)) seen.set(key(ls), ls);
    const all = [...seen.values()].sort(compare);
    const limit = Number(p.get('limit') ?? 0);
    const out = limit > 0 ? all.slice(0, limit) : all;
    return `[${out.map(labelsJson).join(',')}]`;
  });

  route('/labels', (p) => {
    const sets = matchersParam(p, false);
    const start = timeParam(p, 'start', MIN_TIME);
    const end = timeParam(p, 'end', MAX_TIME);
    const q = deps.storage.querier(start, end);
    const names = new Set<string>();
    for (const ms of sets.length ? sets : [[]]) for (const n of q.labelNames(ms)) names.add(n);
    return limitList([...names].sort(), p);
  });

  route(
    '/label/:name/values',
    (p, req) => {
      const name = (req.params as { name: string }).name;
      const sets = matchersParam(p, false);
      const start = timeParam(p, 'start', MIN_TIME);
      const end = timeParam(p, 'end', MAX_TIME);
      const q = deps.storage.querier(start, end);
      const values = new Set<string>();
      for (const ms of sets.length ? sets : [[]]) for (const v of q.labelValues(name, ms)) values.add(v);
      return limitList([...values].sort(), p);
    },
    ['GET'],
  );

  route(
    '/metadata',
    (p) => {
      const limit = p.get('limit');
      return deps.scrape?.metadataApi(p.get('metric') ?? undefined, limit === null ? undefined : Number(limit)) ?? {};
    },
    ['GET'],
  );

  route('/targets', (p) => deps.scrape?.targetsApi(p.get('state') ?? undefined) ?? { activeTargets: [], droppedTargets: [] }, ['GET']);

  route(
    '/rules',
    (p) => {
      const type = p.get('type');
      if (type !== null && type !== '' && type !== 'alert' && type !== 'record') {
        throw new ApiError('bad_data', `invalid parameter "type": not supported value "${type}"`);
      }
      return deps.rules?.rulesApi(type ? { type } : undefined) ?? { groups: [] };
    },
    ['GET'],
  );

  route('/alerts', () => deps.rules?.alertsApi() ?? { alerts: [] }, ['GET']);
  route(
    '/alertmanagers',
    () => ({ activeAlertmanagers: (deps.alertmanagerURLs?.() ?? []).map((url) => ({ url })), droppedAlertmanagers: [] }),
    ['GET'],
  );

  route('/status/buildinfo', () => deps.buildInfo, ['GET']);
  route('/status/config', () => ({ yaml: deps.configText() }), ['GET']);
  route('/status/flags', () => deps.flags, ['GET']);
  route('/status/runtimeinfo', () => deps.runtimeInfo(), ['GET']);
  route(
    '/status/tsdb',
    (p) => {
      if (!deps.tsdbStatus) throw new ApiError('unavailable', 'TSDB not ready');
      const limit = Number(p.get('limit') ?? 10);
      if (!Number.isInteger(limit) || limit <= 0) throw new ApiError('bad_data', 'limit must be a positive number');
      return deps.tsdbStatus(limit);
    },
    ['GET'],
  );

  app.all('/api/v1/*', (_req, reply) => reply.code(404).type('text/plain').send('404 page not found\n'));
}

function limitList(list: string[], p: URLSearchParams): string[] {
  const limit = Number(p.get('limit') ?? 0);
  return limit > 0 ? list.slice(0, limit) : list;
}
