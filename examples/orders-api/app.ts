/**
 * The Orders API on fastify: the article's Flask app (Step 1) with its request middleware metrics,
 * order endpoints, `/metrics`, `/health`, the `/admin/*` fault switches, and the built-in traffic
 * generator.
 *
 * Middleware metrics follow the article exactly: `app_active_requests` goes up when a request
 * starts; when its response is sent, `app_request_duration_seconds` observes the elapsed seconds,
 * `app_requests_total{status}` counts it and `app_active_requests` goes down. `endpoint` is the
 * route's name (Flask's `request.endpoint`: the view function name) or `unknown` when no route
 * matched (404).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AccessLog } from './access-log.js';
import { DatabaseError, SimulatedDatabase } from './db.js';
import { DbPressure, checkErrorRate, checkLatency, type FaultSettings } from './faults.js';
import { createOrdersMetrics, type OrdersMetrics } from './metrics.js';
import { validateOrder } from './orders.js';
import { PaymentGateway, PaymentTimeoutError } from './payment.js';
import { ConnectionPool } from './pool.js';
import type { RandomSource } from './random.js';
import { OrderService } from './service.js';
import { TrafficControl } from './traffic.js';

/** Options of {@link startOrdersApi}. */
export interface OrdersApiOptions {
  /** TCP port; 0 picks a free one. Default 5000. */
  port?: number;
  /** Listen address. Default `127.0.0.1`. */
  host?: string;
  /** Requests per second the built-in traffic generator sends to this instance; 0 = off. Default 0. */
  trafficRps?: number;
  /** Share (0..1) of API requests that fail with 500. Default 0.01. */
  errorRate?: number;
  /** Connections in the simulated database pool. Default 10. */
  dbPoolSize?: number;
  /** How long a query waits for a pooled connection, milliseconds. Default 2000. */
  dbAcquireTimeoutMs?: number;
  /** Random source for latencies, failures and traffic. Default `Math.random`. */
  random?: RandomSource;
  /** File to append a JSON line per answered request to (see access-log.ts); none when unset. */
  logFile?: string;
}

/** A running Orders API. */
export interface OrdersApi {
  /** Base URL, e.g. `http://127.0.0.1:5000`. */
  url: string;
  /** Stops the traffic generator and the server, waiting for requests in flight. */
  close(): Promise<void>;
}

/** Route names, as Flask's endpoint names (view function names). */
const ENDPOINT = {
  createOrder: 'create_order',
  getOrder: 'get_order',
  health: 'health',
  metrics: 'metrics',
  errorRate: 'admin_error_rate',
  latency: 'admin_latency',
  dbPressure: 'admin_db_pressure',
  traffic: 'admin_traffic',
} as const;

interface RequestTiming {
  start: number;
  endpoint: string;
}

function endpointOf(req: FastifyRequest): string {
  const name = (req.routeOptions.config as { endpoint?: unknown }).endpoint;
  return typeof name === 'string' ? name : 'unknown';
}

/** Installs the article's `prometheus_middleware` as fastify hooks, and the request log when given. */
function instrument(app: FastifyInstance, m: OrdersMetrics, log?: AccessLog): void {
  const timings = new WeakMap<FastifyRequest, RequestTiming>();
  const errors = new WeakMap<FastifyRequest, string>();
  if (log) {
    // The error text of a 5xx answer, for the request log line.
    app.addHook('onSend', async (req, reply, payload) => {
      if (reply.statusCode >= 500 && typeof payload === 'string' && payload.startsWith('{')) {
        const error = (JSON.parse(payload) as { error?: unknown }).error;
        if (typeof error === 'string') errors.set(req, error);
      }
      return payload;
    });
  }
  app.addHook('onRequest', async (req) => {
    const endpoint = endpointOf(req);
    timings.set(req, { start: performance.now(), endpoint });
    m.activeRequests.inc({ method: req.method, endpoint });
  });
  const finish = (req: FastifyRequest, status: number | null): void => {
    const t = timings.get(req);
    if (t === undefined) return;
    timings.delete(req);
    const labels = { method: req.method, endpoint: t.endpoint };
    if (status !== null) {
      const seconds = (performance.now() - t.start) / 1000;
      m.requestDuration.observe(labels, seconds);
      m.requestsTotal.inc({ ...labels, status: String(status) });
      log?.write({ method: req.method, path: req.url, endpoint: t.endpoint, status, durationMs: seconds * 1000, error: errors.get(req) });
    }
    m.activeRequests.dec(labels);
  };
  app.addHook('onResponse', async (req, reply) => finish(req, reply.statusCode));
  app.addHook('onRequestAbort', async (req) => finish(req, null));
}

function badRequest(reply: FastifyReply, error: string): FastifyReply {
  return reply.code(400).send({ error });
}

function bodyField(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

interface Deps {
  metrics: OrdersMetrics;
  service: OrderService;
  faults: FaultSettings;
  pool: ConnectionPool;
  pressure: DbPressure;
  traffic: TrafficControl;
}

function routes(app: FastifyInstance, d: Deps): void {
  const { metrics, service, faults, pool, pressure, traffic } = d;

  app.post('/api/orders', { config: { endpoint: ENDPOINT.createOrder } }, async (req, reply) => {
    const end = metrics.orderProcessing.startTimer();
    try {
      const v = validateOrder(req.body);
      if (!v.ok) {
        metrics.ordersTotal.inc({ status: 'invalid' });
        return badRequest(reply, v.error);
      }
      const r = await service.create(v.order);
      return reply.code(r.status).send(r.body);
    } catch (e) {
      metrics.ordersTotal.inc({ status: 'error' });
      if (!(e instanceof DatabaseError || e instanceof PaymentTimeoutError)) throw e;
      return reply.code(500).send({ error: e.message });
    } finally {
      end();
    }
  });

  app.get<{ Params: { id: string } }>('/api/orders/:id', { config: { endpoint: ENDPOINT.getOrder } }, async (req, reply) => {
    try {
      const r = await service.get(req.params.id);
      return reply.code(r.status).send(r.body);
    } catch (e) {
      if (!(e instanceof DatabaseError)) throw e;
      return reply.code(500).send({ error: e.message });
    }
  });

  app.get('/health', { config: { endpoint: ENDPOINT.health } }, async () => ({
    status: 'healthy',
    db: { pool_size: pool.size, used: pool.used, available: pool.available },
  }));

  app.get('/metrics', { config: { endpoint: ENDPOINT.metrics } }, async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  const errorRateBody = () => ({ rate: faults.errorRate });
  app.get('/admin/error-rate', { config: { endpoint: ENDPOINT.errorRate } }, async () => errorRateBody());
  app.post('/admin/error-rate', { config: { endpoint: ENDPOINT.errorRate } }, async (req, reply) => {
    const rate = bodyField(req.body, 'rate');
    const bad = checkErrorRate(rate);
    if (bad !== null) return badRequest(reply, bad);
    faults.errorRate = rate as number;
    return errorRateBody();
  });

  const latencyBody = () => ({ seconds: faults.extraLatencySeconds });
  app.get('/admin/latency', { config: { endpoint: ENDPOINT.latency } }, async () => latencyBody());
  app.post('/admin/latency', { config: { endpoint: ENDPOINT.latency } }, async (req, reply) => {
    const seconds = bodyField(req.body, 'seconds');
    const bad = checkLatency(seconds);
    if (bad !== null) return badRequest(reply, bad);
    faults.extraLatencySeconds = seconds as number;
    return latencyBody();
  });

  const pressureBody = () => ({ held: pressure.held, pool_size: pool.size, used: pool.used, available: pool.available });
  app.get('/admin/db-pressure', { config: { endpoint: ENDPOINT.dbPressure } }, async () => pressureBody());
  app.post('/admin/db-pressure', { config: { endpoint: ENDPOINT.dbPressure } }, async (req, reply) => {
    const connections = bodyField(req.body, 'connections') ?? Math.ceil(pool.size * 0.9);
    const seconds = bodyField(req.body, 'seconds');
    if (typeof connections !== 'number' || !Number.isInteger(connections) || connections < 0 || connections > pool.size) {
      return badRequest(reply, `connections must be an integer from 0 to ${pool.size}`);
    }
    if (seconds !== undefined && (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0)) {
      return badRequest(reply, 'seconds must be a positive number');
    }
    pressure.set(connections, seconds as number | undefined);
    return pressureBody();
  });

  app.get('/admin/traffic', { config: { endpoint: ENDPOINT.traffic } }, async () => ({ rps: traffic.rate }));
  app.post('/admin/traffic', { config: { endpoint: ENDPOINT.traffic } }, async (req, reply) => {
    const rps = bodyField(req.body, 'rps');
    if (typeof rps !== 'number' || !Number.isFinite(rps) || rps < 0 || rps > 1000) {
      return badRequest(reply, 'rps must be a number from 0 to 1000');
    }
    await traffic.setRate(rps);
    return { rps: traffic.rate };
  });
}

/**
 * Builds the Orders API (not listening yet). Every instance has its own registry, pool and state.
 * @throws {RangeError} for an error rate outside [0, 1] or a pool size below 1
 */
export function buildOrdersApp(opts: OrdersApiOptions = {}): {
  app: FastifyInstance;
  pool: ConnectionPool;
  pressure: DbPressure;
  traffic: TrafficControl;
} {
  const errorRate = opts.errorRate ?? 0.01;
  if (checkErrorRate(errorRate) !== null) throw new RangeError(`error rate must be a number from 0 to 1, got ${errorRate}`);
  const poolSize = opts.dbPoolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`pool size must be a positive integer, got ${poolSize}`);
  const random = opts.random ?? Math.random;
  const metrics = createOrdersMetrics();
  const faults: FaultSettings = { errorRate, extraLatencySeconds: 0 };
  const pool = new ConnectionPool(poolSize, metrics.dbConnections);
  const db = new SimulatedDatabase({
    pool,
    queryDuration: metrics.dbQueryDuration,
    random,
    acquireTimeoutMs: opts.dbAcquireTimeoutMs ?? 2000,
  });
  const service = new OrderService(db, new PaymentGateway(metrics.paymentFailures, random), metrics, faults, random);
  const pressure = new DbPressure(pool);
  const rps = opts.trafficRps ?? 0;
  if (!Number.isFinite(rps) || rps < 0) throw new RangeError(`traffic rate must be a non-negative number, got ${rps}`);
  const traffic = new TrafficControl(rps, random);
  const app = Fastify({ logger: false });
  const log = opts.logFile ? new AccessLog(opts.logFile) : undefined;
  if (log) app.addHook('onClose', () => log.close());
  instrument(app, metrics, log);
  routes(app, { metrics, service, faults, pool, pressure, traffic });
  return { app, pool, pressure, traffic };
}

/**
 * Starts the Orders API and, when `trafficRps` > 0, its traffic generator aimed at itself.
 * @throws {RangeError} for invalid options; the listen error when the port is taken
 */
export async function startOrdersApi(opts: OrdersApiOptions = {}): Promise<OrdersApi> {
  const { app, pool, pressure, traffic } = buildOrdersApp(opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 5000 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? 5000);
  const selfHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${selfHost}:${port}`;
  traffic.attach(url);
  return {
    url,
    async close() {
      await traffic.stop();
      pressure.set(0);
      pool.rejectWaiters();
      await app.close();
    },
  };
}
