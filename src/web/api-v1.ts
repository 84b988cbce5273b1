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
import { TimeParseError } from '../model/time.js';
import { PromQLError, parseExpr, parseMetricSelector, walk, type Engine } from '../promql/index.js';
import { formatFloat } from '../model/value.js';
import type { SeriesExemplars } from '../tsdb/exemplars.js';
import { BacktestInputError } from '../rules/backtest/request.js';
import type { Storage } from '../tsdb/types.js';
import { labelsJson, secondsText } from './encode.js';
import { MAX_TIME, MIN_TIME, params, parseAtoi, parseDurationNs, parseLimit, parseTime } from './params.js';
import { clock, executeQuery, type QueryRequest } from './query-exec.js';

/** What the `/api/v1` routes read from; each optional part answers 404-free empty data when absent. */
export interface ApiV1Deps {
  storage: Storage;
  engine: Engine;
  /** `data` of /api/v1/status/tsdb. */
  tsdbStatus?: (limit: number) => unknown;
  scrape?: { targetsApi(state?: string): unknown; metadataApi(metric?: string, limit?: number, limitPerMetric?: number): unknown };
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
  /**
   * Runs `/query` and `/query_range` evaluations off the event loop (a `QueryPool`); without it
   * they run in-process on `engine`, blocking the event loop while they last.
   */
  queryRunner?: { run(req: QueryRequest): Promise<string> };
  /** ms clock for the default `time` of instant queries (defaults to Date.now). */
  now?: () => number;
  /**
   * Lookout's `POST /api/v1/backtest` (params `rules`, `from`, `to`; see `rules/backtest/request.ts`);
   * throws `BacktestInputError` for bad input. Absent: the endpoint answers `unavailable`.
   */
  backtest?: (p: URLSearchParams) => unknown;
  /**
   * The TSDB admin endpoints (`--web.enable-admin-api`); absent, they answer as upstream does with
   * the admin API off (HTTP 500, errorType `unavailable`, "admin APIs disabled").
   */
  admin?: TSDBAdmin;
  /**
   * Exemplars in [mint, maxt] (ms) of the series matching any matcher set, for
   * /api/v1/query_exemplars (see `TSDB.selectExemplars`); absent: `[]`.
   */
  exemplars?: (mint: number, maxt: number, matcherSets: Matcher[][]) => SeriesExemplars[];
}

/**
 * `data` of /api/v1/query_exemplars as upstream writes it (JSON text):
 * `[{"seriesLabels":{…},"exemplars":[{"labels":{…},"value":"1.5","timestamp":1700000000.123}]}]`.
 */
export function exemplarsJson(list: readonly SeriesExemplars[]): string {
  const parts = list.map((s) => {
    const ex = s.exemplars.map((e) => `{"labels":${labelsJson(e.labels)},"value":"${formatFloat(e.value)}","timestamp":${secondsText(e.ts)}}`);
    return `{"seriesLabels":${labelsJson(s.seriesLabels)},"exemplars":[${ex.join(',')}]}`;
  });
  return `[${parts.join(',')}]`;
}

/** What `/api/v1/admin/tsdb/*` call (see `TSDB.delete`, `cleanTombstones`, `snapshotInDataDir`). */
export interface TSDBAdmin {
  /** Deletes [mint, maxt] (ms, inclusive) of the series matching any matcher set. */
  deleteSeries(matcherSets: Matcher[][], mint: number, maxt: number): Promise<void>;
  /** Rewrites blocks with tombstones. */
  cleanTombstones(): Promise<void>;
  /** Writes a snapshot under `<data dir>/snapshots/`; resolves to its name. */
  snapshot(skipHead: boolean): Promise<string>;
}

/** Go `strconv.ParseBool`'s accepted spellings. */
const GO_BOOLS: Record<string, boolean> = { '1': true, t: true, T: true, TRUE: true, true: true, True: true, '0': false, f: false, F: false, FALSE: false, false: false, False: false };

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

/**
 * Sends `{"status":"success","data":…}` (data already JSON text when a string is passed), with
 * `warnings` when there are any.
 */
export function sendData(reply: FastifyReply, data: unknown, warnings: string[] = []): FastifyReply {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const w = warnings.length > 0 ? `,"warnings":${JSON.stringify(warnings)}` : '';
  return reply.type('application/json').send(`{"status":"success","data":${text}${w}}`);
}

/** What a route handler returns: the `data`, with warnings (or nothing once it replied itself). */
class WithWarnings {
  constructor(
    readonly data: unknown,
    readonly warnings: string[],
  ) {}
}

/** Upstream's warning when `limit` cut a list. */
const TRUNCATED = 'results truncated due to limit';
const MAX_POINTS = 11_000;
/** Methods a route can be asked with; those a route does not take get 405 as upstream's router. */
const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] as const;

/**
 * A time parameter in ms. With a default (`dflt` not NaN) it may be absent and its errors carry
 * upstream `parseTimeParam`'s "Invalid time value for '<name>'" (as 2.42 writes it; 3.x writes
 * "invalid"); without, it is required, as `query_range`'s `start`/`end`.
 */
function timeParam(p: URLSearchParams, name: string, dflt: number): number {
  const v = p.get(name);
  if ((v === null || v === '') && !Number.isNaN(dflt)) return dflt;
  try {
    return parseTime(v ?? '');
  } catch (e) {
    if (!(e instanceof TimeParseError)) throw e;
    const detail = Number.isNaN(dflt) ? e.message : `Invalid time value for '${name}': ${e.message}`;
    throw new ApiError('bad_data', `invalid parameter "${name}": ${detail}`);
  }
}

/** A duration parameter in ns (see `parseDurationNs`); errors as `invalid parameter "<name>": …`. */
function durationParam(p: URLSearchParams, name: string): number {
  try {
    return parseDurationNs(p.get(name) ?? '');
  } catch (e) {
    if (e instanceof TimeParseError) throw new ApiError('bad_data', `invalid parameter "${name}": ${e.message}`);
    throw e;
  }
}

/** The `stats` parameter of queries, as upstream: empty = none, `all` = with per-step counts, anything else = totals. */
function statsParam(p: URLSearchParams): QueryRequest['stats'] {
  const v = p.get('stats') ?? '';
  return v === '' ? undefined : v === 'all' ? 'all' : 'summary';
}

/** The `limit` parameter of queries and label/series lists (0 = none). */
function limitParam(p: URLSearchParams): number {
  try {
    return parseLimit(p.get('limit'));
  } catch (e) {
    throw new ApiError('bad_data', `invalid parameter "limit": ${(e as Error).message}`);
  }
}

/**
 * The deadline (ms, `Date.now()` clock) set by the `timeout` parameter, counted from `arrival`;
 * `Infinity` without one.
 */
function deadlineParam(p: URLSearchParams, arrival: number): number {
  if (!p.get('timeout')) return Infinity;
  return arrival + durationParam(p, 'timeout') / 1e6;
}

/** `lookback_delta` (ms; 0 = the engine's), with upstream's error text. */
function lookbackParam(p: URLSearchParams): number {
  const v = p.get('lookback_delta');
  if (!v) return 0;
  try {
    return Math.trunc(parseDurationNs(v) / 1e6);
  } catch (e) {
    if (e instanceof TimeParseError) throw new ApiError('bad_data', `error parsing lookback delta duration: ${e.message}`);
    throw e;
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

/** The first `limit` entries (all when 0), with upstream's warning when some were cut. */
function limitList(list: string[], limit: number): WithWarnings {
  if (limit > 0 && list.length > limit) return new WithWarnings(list.slice(0, limit), [TRUNCATED]);
  return new WithWarnings(list, []);
}

/**
 * Registers every `/api/v1` route on `app`. Each answers its methods (GET, and POST where
 * upstream takes it), `OPTIONS` with 204, and any other method with 405 as upstream's router.
 */
export function registerApiV1(app: FastifyInstance, deps: ApiV1Deps): void {
  const now = deps.now ?? Date.now;

  const route = (
    path: string,
    handler: (p: URLSearchParams, req: FastifyRequest, reply: FastifyReply) => unknown,
    methods: ('GET' | 'POST' | 'PUT')[] = ['GET', 'POST'],
  ) => {
    const url = `/api/v1${path}`;
    app.route({
      method: methods,
      url,
      exposeHeadRoute: false,
      handler: async (req, reply) => {
        try {
          const out = await handler(params(req), req, reply);
          if (reply.sent) return reply;
          return out instanceof WithWarnings ? sendData(reply, out.data, out.warnings) : sendData(reply, out);
        } catch (e) {
          if (e instanceof ApiError) return sendError(reply, e);
          throw e;
        }
      },
    });
    const allow = [...methods, 'OPTIONS'].sort().join(', ');
    app.route({
      method: ALL_METHODS.filter((m) => !(methods as string[]).includes(m)),
      url,
      exposeHeadRoute: false,
      handler: (_req, reply) => reply.code(405).header('allow', allow).type('text/plain; charset=utf-8').send('Method Not Allowed\n'),
    });
    app.options(url, (_req, reply) => reply.code(204).send());
  };

  const runQuery = async (req: QueryRequest): Promise<string> => {
    try {
      if (deps.queryRunner) return await deps.queryRunner.run(req);
      return executeQuery(deps.engine, deps.storage, req);
    } catch (e) {
      promqlError(e);
    }
  };

  route('/query', async (p, _req, reply) => {
    const arrivedAt = clock();
    const arrival = Date.now();
    const limit = limitParam(p);
    const t = timeParam(p, 'time', now());
    const deadline = deadlineParam(p, arrival);
    const lookbackDeltaMs = lookbackParam(p);
    const query = p.get('query') ?? '';
    const stats = statsParam(p);
    const json = await runQuery({ kind: 'instant', query, start: t, end: t, step: 0, deadline, lookbackDeltaMs, limit, stats, arrivedAt });
    return reply.type('application/json').send(json);
  });

  route('/query_range', async (p, _req, reply) => {
    const arrivedAt = clock();
    const arrival = Date.now();
    const limit = limitParam(p);
    const start = timeParam(p, 'start', NaN);
    const end = timeParam(p, 'end', NaN);
    if (end < start) throw new ApiError('bad_data', 'invalid parameter "end": end timestamp must not be before start time');
    const stepNs = durationParam(p, 'step');
    if (stepNs <= 0) {
      throw new ApiError(
        'bad_data',
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    }
    // Upstream divides nanosecond durations: steps below 1 ms count here too.
    if (Math.trunc(((end - start) * 1e6) / stepNs) > MAX_POINTS) {
      throw new ApiError(
        'bad_data',
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      );
    }
    const deadline = deadlineParam(p, arrival);
    const lookbackDeltaMs = lookbackParam(p);
    // The engine works in whole milliseconds: a sub-millisecond step becomes 0, which it refuses
    // after parsing, as upstream's engine.
    const step = Math.trunc(stepNs / 1e6);
    const query = p.get('query') ?? '';
    const stats = statsParam(p);
    const json = await runQuery({ kind: 'range', query, start, end, step, deadline, lookbackDeltaMs, limit, stats, arrivedAt });
    return reply.type('application/json').send(json);
  });

  route('/query_exemplars', (p, _req, reply) => {
    const start = timeParam(p, 'start', MIN_TIME);
    const end = timeParam(p, 'end', MAX_TIME);
    if (end < start) throw new ApiError('bad_data', 'end timestamp must not be before start timestamp');
    let expr;
    try {
      expr = parseExpr(p.get('query') ?? '');
    } catch (e) {
      if (e instanceof PromQLError) throw new ApiError('bad_data', e.message);
      throw e;
    }
    const selectors: Matcher[][] = [];
    walk(expr, (node) => {
      if (node.type === 'VectorSelector') selectors.push(node.matchers);
    });
    // As upstream: no selector in the query → 204 without a body.
    if (selectors.length === 0) return reply.code(204).send();
    return exemplarsJson(deps.exemplars?.(start, end, selectors) ?? []);
  });

  route('/series', (p) => {
    if (p.getAll('match[]').length === 0) throw new ApiError('bad_data', 'no match[] parameter provided');
    const limit = limitParam(p);
    const start = timeParam(p, 'start', MIN_TIME);
    const end = timeParam(p, 'end', MAX_TIME);
    const sets = matchersParam(p, true);
    const q = deps.storage.querier(start, end);
    const seen = new Map<string, Labels>();
    for (const ms of sets) for (const ls of q.series(ms, start, end)) seen.set(key(ls), ls);
    const all = [...seen.values()].sort(compare);
    const out = limit > 0 ? all.slice(0, limit) : all;
    return `[${out.map(labelsJson).join(',')}]`;
  });

  route('/labels', (p) => {
    const limit = limitParam(p);
    const start = timeParam(p, 'start', MIN_TIME);
    const end = timeParam(p, 'end', MAX_TIME);
    const sets = matchersParam(p, false);
    const q = deps.storage.querier(start, end);
    const names = new Set<string>();
    for (const ms of sets.length ? sets : [[]]) for (const n of q.labelNames(ms)) names.add(n);
    return limitList([...names].sort(), limit);
  });

  route(
    '/label/:name/values',
    (p, req) => {
      const name = (req.params as { name: string }).name;
      const limit = limitParam(p);
      const start = timeParam(p, 'start', MIN_TIME);
      const end = timeParam(p, 'end', MAX_TIME);
      const sets = matchersParam(p, false);
      const q = deps.storage.querier(start, end);
      const values = new Set<string>();
      for (const ms of sets.length ? sets : [[]]) for (const v of q.labelValues(name, ms)) values.add(v);
      return limitList([...values].sort(), limit);
    },
    ['GET'],
  );

  route(
    '/metadata',
    (p) => {
      const number = (name: string): number | undefined => {
        const v = p.get(name);
        if (!v) return undefined;
        try {
          const n = parseAtoi(v);
          return n < 0 ? undefined : n;
        } catch {
          throw new ApiError('bad_data', `${name} must be a number`);
        }
      };
      const limit = number('limit');
      const limitPerMetric = number('limit_per_metric');
      return deps.scrape?.metadataApi(p.get('metric') ?? undefined, limit, limitPerMetric) ?? {};
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

  route(
    '/backtest',
    (p) => {
      if (!deps.backtest) throw new ApiError('unavailable', 'backtests are not available');
      try {
        return deps.backtest(p);
      } catch (e) {
        if (e instanceof BacktestInputError) throw new ApiError('bad_data', e.message);
        throw e;
      }
    },
    ['POST'],
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

  // Admin endpoints, as upstream's (POST and PUT). Disabled, upstream answers 500 "unavailable".
  const admin = (path: string, handler: (p: URLSearchParams, a: TSDBAdmin, reply: FastifyReply) => Promise<unknown>): void =>
    route(
      `/admin/tsdb/${path}`,
      async (p, _req, reply) => {
        if (!deps.admin) {
          return reply.code(500).type('application/json').send(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'admin APIs disabled' }));
        }
        return handler(p, deps.admin, reply);
      },
      ['POST', 'PUT'],
    );
  admin('delete_series', async (p, a, reply) => {
    const sets = matchersParam(p, true);
    const start = timeParam(p, 'start', MIN_TIME);
    const end = timeParam(p, 'end', MAX_TIME);
    try {
      await a.deleteSeries(sets, start, end);
    } catch (e) {
      throw new ApiError('internal', (e as Error).message);
    }
    return reply.code(204).send();
  });
  admin('clean_tombstones', async (_p, a, reply) => {
    try {
      await a.cleanTombstones();
    } catch (e) {
      throw new ApiError('internal', (e as Error).message);
    }
    return reply.code(204).send();
  });
  admin('snapshot', async (p, a) => {
    const raw = p.get('skip_head') ?? '';
    const skipHead = raw === '' ? false : GO_BOOLS[raw];
    if (skipHead === undefined) {
      throw new ApiError('bad_data', `invalid parameter "skip_head": unable to parse boolean: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
    }
    try {
      return { name: await a.snapshot(skipHead) };
    } catch (e) {
      throw new ApiError('internal', `create snapshot: ${(e as Error).message}`);
    }
  });

  app.all('/api/v1/*', (req, reply) =>
    req.method === 'OPTIONS' ? reply.code(204).send() : reply.code(404).type('text/plain; charset=utf-8').send('404 page not found\n'),
  );
}
