/**
 * The Orders API's metrics, named, labelled and bucketed exactly as the article's "Step 1" lists them
 * (its `prometheus_client` definitions and its Flask Orders API example), registered on one prom-client
 * `Registry` together with prom-client's default process metrics.
 *
 * All durations are observed in **seconds**, as the article's `time.time()` differences.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metric objects of one Orders API instance. */
export interface OrdersMetrics {
  readonly registry: Registry;
  /** `app_requests_total{method,endpoint,status}`: every HTTP request answered. */
  readonly requestsTotal: Counter<'method' | 'endpoint' | 'status'>;
  /** `app_request_duration_seconds{method,endpoint}`: time from request start to response, seconds. */
  readonly requestDuration: Histogram<'method' | 'endpoint'>;
  /** `app_active_requests{method,endpoint}`: requests being handled now. */
  readonly activeRequests: Gauge<'method' | 'endpoint'>;
  /** `app_db_connections{state}`: connection pool, `state` is `available` or `used`. */
  readonly dbConnections: Gauge<'state'>;
  /** `app_db_query_duration_seconds{query_type}`: simulated query time (`select`, `insert`, `update`, `delete`). */
  readonly dbQueryDuration: Histogram<'query_type'>;
  /** `app_cache_hits_total{cache_name}`. */
  readonly cacheHits: Counter<'cache_name'>;
  /** `app_cache_misses_total{cache_name}`. */
  readonly cacheMisses: Counter<'cache_name'>;
  /** `app_orders_created_total{payment_method}`: orders saved and paid. */
  readonly ordersCreated: Counter<'payment_method'>;
  /** `app_order_value`: value of created orders in USD. */
  readonly orderValue: Histogram;
  /** `app_payment_failures_total{reason}`: `declined`, `timeout` or `invalid_token`. */
  readonly paymentFailures: Counter<'reason'>;
  /** `orders_total{status}` (the article's Flask example): `success`, `invalid`, `payment_failed`, `error`. */
  readonly ordersTotal: Counter<'status'>;
  /** `order_processing_seconds` (the article's Flask example): time spent in `create_order`, seconds. */
  readonly orderProcessing: Histogram;
}

/** The article's request-duration buckets, seconds. */
export const REQUEST_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0];
/** The article's database-query buckets, seconds. */
export const DB_QUERY_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];
/** The article's order-value buckets, USD. */
export const ORDER_VALUE_BUCKETS = [10, 50, 100, 500, 1000, 5000];
/** The article's Flask example's order-processing buckets, seconds. */
export const ORDER_PROCESSING_BUCKETS = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0];

/**
 * Creates a fresh registry holding every Orders API metric plus prom-client's default metrics
 * (`process_*`, `nodejs_*`), so several instances can live in one process (tests).
 */
export function createOrdersMetrics(): OrdersMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestsTotal: new Counter({
      name: 'app_requests_total',
      help: 'Total HTTP requests',
      labelNames: ['method', 'endpoint', 'status'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'app_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'endpoint'] as const,
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    }),
    activeRequests: new Gauge({
      name: 'app_active_requests',
      help: 'Active HTTP requests',
      labelNames: ['method', 'endpoint'] as const,
      registers,
    }),
    dbConnections: new Gauge({
      name: 'app_db_connections',
      help: 'Database connections',
      labelNames: ['state'] as const,
      registers,
    }),
    dbQueryDuration: new Histogram({
      name: 'app_db_query_duration_seconds',
      help: 'Database query duration',
      labelNames: ['query_type'] as const,
      buckets: DB_QUERY_BUCKETS,
      registers,
    }),
    cacheHits: new Counter({
      name: 'app_cache_hits_total',
      help: 'Cache hits',
      labelNames: ['cache_name'] as const,
      registers,
    }),
    cacheMisses: new Counter({
      name: 'app_cache_misses_total',
      help: 'Cache misses',
      labelNames: ['cache_name'] as const,
      registers,
    }),
    ordersCreated: new Counter({
      name: 'app_orders_created_total',
      help: 'Orders created',
      labelNames: ['payment_method'] as const,
      registers,
    }),
    orderValue: new Histogram({
      name: 'app_order_value',
      help: 'Order value in USD',
      buckets: ORDER_VALUE_BUCKETS,
      registers,
    }),
    paymentFailures: new Counter({
      name: 'app_payment_failures_total',
      help: 'Payment failures',
      labelNames: ['reason'] as const,
      registers,
    }),
    ordersTotal: new Counter({
      name: 'orders_total',
      help: 'Total orders processed',
      labelNames: ['status'] as const,
      registers,
    }),
    orderProcessing: new Histogram({
      name: 'order_processing_seconds',
      help: 'Order processing time',
      buckets: ORDER_PROCESSING_BUCKETS,
      registers,
    }),
  };
}
