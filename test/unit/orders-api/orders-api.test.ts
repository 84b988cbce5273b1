import { afterEach, describe, expect, it } from 'vitest';
import { startOrdersApi, type OrdersApi, type OrdersApiOptions } from '../../../examples/orders-api/app.js';
import { seededRandom } from '../../../examples/orders-api/random.js';
import { valueOf } from './scrape.js';

const running: OrdersApi[] = [];

async function start(opts: OrdersApiOptions = {}): Promise<OrdersApi> {
  const api = await startOrdersApi({ port: 0, errorRate: 0, random: seededRandom(42), ...opts });
  running.push(api);
  return api;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.close()));
});

async function post(api: OrdersApi, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(api.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function get(api: OrdersApi, path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(api.url + path);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function metrics(api: OrdersApi): Promise<string> {
  const res = await fetch(api.url + '/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

const ORDER_A = {
  customer_id: 'cust-1',
  items: [
    { sku: 'BOOK-001', qty: 2, price: 12.99 },
    { sku: 'MUG-010', qty: 1, price: 8.99 },
  ],
  payment_method: 'credit_card',
  payment_token: 'tok_abcd1234',
};
const ORDER_B = { customer_id: 'cust-1', items: [{ sku: 'LAPTOP-14', qty: 1, price: 899 }], payment_method: 'paypal' };

describe('orders API: orders and middleware metrics', () => {
  it('answers valid orders with 201, bad ones with 400, and counts them exactly', async () => {
    const api = await start();
    const a = await post(api, '/api/orders', ORDER_A);
    expect(a).toEqual({ status: 201, json: { order_id: 1, status: 'paid', total: 34.97 } });
    const b = await post(api, '/api/orders', ORDER_B);
    expect(b).toEqual({ status: 201, json: { order_id: 2, status: 'paid', total: 899 } });
    const missing = await post(api, '/api/orders', { items: ORDER_B.items, payment_method: 'paypal' });
    expect(missing).toEqual({ status: 400, json: { error: 'Invalid input: customer_id is required' } });
    expect((await post(api, '/api/orders', { ...ORDER_B, items: [] })).status).toBe(400);
    expect((await post(api, '/api/orders', { ...ORDER_B, payment_method: 'bitcoin' })).status).toBe(400);
    expect((await post(api, '/api/orders', '{"customer_id": ')).status).toBe(400);

    const m = await metrics(api);
    const req = (status: string) => valueOf(m, 'app_requests_total', { method: 'POST', endpoint: 'create_order', status });
    expect(req('201')).toBe(2);
    expect(req('400')).toBe(4);
    expect(req('500')).toBeUndefined();
    expect(valueOf(m, 'app_orders_created_total', { payment_method: 'credit_card' })).toBe(1);
    expect(valueOf(m, 'app_orders_created_total', { payment_method: 'paypal' })).toBe(1);
    expect(valueOf(m, 'orders_total', { status: 'success' })).toBe(2);
    // The malformed JSON body is refused before the handler runs, so it is not an `invalid` order.
    expect(valueOf(m, 'orders_total', { status: 'invalid' })).toBe(3);
    expect(valueOf(m, 'order_processing_seconds_count')).toBe(5);
    expect(valueOf(m, 'app_order_value_count')).toBe(2);
    expect(valueOf(m, 'app_order_value_sum')).toBeCloseTo(933.97, 10);
    expect(valueOf(m, 'app_order_value_bucket', { le: '10' })).toBe(0);
    expect(valueOf(m, 'app_order_value_bucket', { le: '50' })).toBe(1);
    expect(valueOf(m, 'app_order_value_bucket', { le: '500' })).toBe(1);
    expect(valueOf(m, 'app_order_value_bucket', { le: '1000' })).toBe(2);
    expect(valueOf(m, 'app_order_value_bucket', { le: '+Inf' })).toBe(2);
    // Same customer twice: one miss then one hit; three distinct SKUs: three misses.
    expect(valueOf(m, 'app_cache_misses_total', { cache_name: 'customers' })).toBe(1);
    expect(valueOf(m, 'app_cache_hits_total', { cache_name: 'customers' })).toBe(1);
    expect(valueOf(m, 'app_cache_misses_total', { cache_name: 'products' })).toBe(3);
    expect(valueOf(m, 'app_db_query_duration_seconds_count', { query_type: 'select' })).toBe(4);
    expect(valueOf(m, 'app_db_query_duration_seconds_count', { query_type: 'insert' })).toBe(2);
    expect(valueOf(m, 'app_db_query_duration_seconds_count', { query_type: 'update' })).toBe(2);
    expect(valueOf(m, 'app_db_connections', { state: 'available' })).toBe(10);
    expect(valueOf(m, 'app_db_connections', { state: 'used' })).toBe(0);
    expect(valueOf(m, 'app_payment_failures_total', { reason: 'declined' })).toBe(0);
    expect(valueOf(m, 'app_request_duration_seconds_count', { method: 'POST', endpoint: 'create_order' })).toBe(6);
    expect(valueOf(m, 'app_active_requests', { method: 'POST', endpoint: 'create_order' })).toBe(0);
    // The scrape being answered is the one active request.
    expect(valueOf(m, 'app_active_requests', { method: 'GET', endpoint: 'metrics' })).toBe(1);
  });

  it('uses the article buckets and exposes prom-client default process metrics', async () => {
    const api = await start();
    await get(api, '/health');
    const m = await metrics(api);
    const les = (name: string, labels: Record<string, string>) =>
      m
        .split('\n')
        .filter((l) => l.startsWith(`${name}_bucket{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
        .map((l) => /le="([^"]+)"/.exec(l)![1]);
    expect(les('app_request_duration_seconds', { endpoint: 'health' })).toEqual(['0.01', '0.05', '0.1', '0.5', '1', '2.5', '5', '10', '+Inf']);
    expect(les('app_db_query_duration_seconds', { query_type: 'select' })).toEqual([]);
    expect(m).toContain('# TYPE app_db_query_duration_seconds histogram');
    expect(m).toContain('# TYPE app_order_value histogram');
    expect(m).toContain('# HELP app_requests_total Total HTTP requests');
    expect(m).toContain('# TYPE app_active_requests gauge');
    expect(valueOf(m, 'app_requests_total', { method: 'GET', endpoint: 'health', status: '200' })).toBe(1);
    expect(m).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(m).toMatch(/^process_resident_memory_bytes \d/m);
    expect(m).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('names unmatched routes `unknown` and serves orders by id', async () => {
    const api = await start();
    await post(api, '/api/orders', ORDER_A);
    const one = await get(api, '/api/orders/1');
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ order_id: 1, customer_id: 'cust-1', total: 34.97, status: 'paid', payment_method: 'credit_card' });
    expect((await get(api, '/api/orders/1')).status).toBe(200);
    expect(await get(api, '/api/orders/77')).toEqual({ status: 404, json: { error: 'Order not found' } });
    expect((await get(api, '/api/orders/abc')).status).toBe(400);
    expect((await get(api, '/no/such/path')).status).toBe(404);
    const m = await metrics(api);
    expect(valueOf(m, 'app_requests_total', { method: 'GET', endpoint: 'unknown', status: '404' })).toBe(1);
    expect(valueOf(m, 'app_requests_total', { method: 'GET', endpoint: 'get_order', status: '200' })).toBe(2);
    expect(valueOf(m, 'app_requests_total', { method: 'GET', endpoint: 'get_order', status: '404' })).toBe(1);
    expect(valueOf(m, 'app_requests_total', { method: 'GET', endpoint: 'get_order', status: '400' })).toBe(1);
    expect(valueOf(m, 'app_cache_misses_total', { cache_name: 'orders' })).toBe(2);
    expect(valueOf(m, 'app_cache_hits_total', { cache_name: 'orders' })).toBe(1);
    expect(valueOf(m, 'app_active_requests', { method: 'GET', endpoint: 'unknown' })).toBe(0);
  });

  it('fails payments with 402: declined over the credit limit, invalid_token for a bad token', async () => {
    const api = await start();
    const declined = await post(api, '/api/orders', { ...ORDER_B, items: [{ sku: 'TV', qty: 3, price: 3499.99 }] });
    expect(declined.status).toBe(402);
    expect(declined.json).toMatchObject({ reason: 'declined' });
    const badToken = await post(api, '/api/orders', { ...ORDER_A, payment_token: 'expired' });
    expect(badToken.status).toBe(402);
    expect(badToken.json).toMatchObject({ reason: 'invalid_token' });
    const m = await metrics(api);
    expect(valueOf(m, 'app_payment_failures_total', { reason: 'declined' })).toBe(1);
    expect(valueOf(m, 'app_payment_failures_total', { reason: 'invalid_token' })).toBe(1);
    expect(valueOf(m, 'app_payment_failures_total', { reason: 'timeout' })).toBe(0);
    expect(valueOf(m, 'orders_total', { status: 'payment_failed' })).toBe(2);
    expect(valueOf(m, 'app_orders_created_total', { payment_method: 'paypal' })).toBeUndefined();
    expect(valueOf(m, 'app_requests_total', { method: 'POST', endpoint: 'create_order', status: '402' })).toBe(2);
  });
});

describe('orders API: fault switches', () => {
  it('switches the error rate at runtime and the 500s show in app_requests_total', async () => {
    const api = await start();
    expect(await get(api, '/admin/error-rate')).toEqual({ status: 200, json: { rate: 0 } });
    expect(await post(api, '/admin/error-rate', { rate: 1 })).toEqual({ status: 200, json: { rate: 1 } });
    expect(await get(api, '/admin/error-rate')).toEqual({ status: 200, json: { rate: 1 } });
    for (let i = 0; i < 4; i++) expect((await post(api, '/api/orders', ORDER_A)).status).toBe(500);
    expect((await get(api, '/api/orders/1')).status).toBe(500);
    expect(await post(api, '/admin/error-rate', { rate: 0 })).toEqual({ status: 200, json: { rate: 0 } });
    expect((await post(api, '/api/orders', ORDER_A)).status).toBe(201);
    expect((await post(api, '/admin/error-rate', { rate: 1.5 })).status).toBe(400);
    expect((await post(api, '/admin/error-rate', { rate: '0.5' })).status).toBe(400);

    const m = await metrics(api);
    expect(valueOf(m, 'app_requests_total', { method: 'POST', endpoint: 'create_order', status: '500' })).toBe(4);
    expect(valueOf(m, 'app_requests_total', { method: 'GET', endpoint: 'get_order', status: '500' })).toBe(1);
    expect(valueOf(m, 'app_requests_total', { method: 'POST', endpoint: 'create_order', status: '201' })).toBe(1);
    expect(valueOf(m, 'app_requests_total', { method: 'POST', endpoint: 'admin_error_rate', status: '400' })).toBe(2);
    expect(valueOf(m, 'orders_total', { status: 'error' })).toBe(4);
    // Each failed order failed either in the database (insert) or at the payment provider (timeout).
    const timeouts = valueOf(m, 'app_payment_failures_total', { reason: 'timeout' })!;
    const inserts = valueOf(m, 'app_db_query_duration_seconds_count', { query_type: 'insert' })!;
    const updates = valueOf(m, 'app_db_query_duration_seconds_count', { query_type: 'update' })!;
    // All 5 orders reach the insert (a DB failure fails the insert itself); only the good one is
    // updated to `paid`, a timed-out payment leaves its order pending.
    expect(inserts).toBe(5);
    expect(updates).toBe(1);
    expect(timeouts).toBeGreaterThanOrEqual(0);
    expect(timeouts).toBeLessThanOrEqual(4);
    expect(valueOf(m, 'app_orders_created_total', { payment_method: 'credit_card' })).toBe(1);
  });

  it('fails about the configured share of orders at a partial error rate', async () => {
    const api = await start({ errorRate: 0.5, random: seededRandom(7) });
    let failed = 0;
    for (let i = 0; i < 20; i++) if ((await post(api, '/api/orders', { ...ORDER_B, customer_id: `c${i}` })).status === 500) failed++;
    // Seeded: the exact count is fixed; it must lie near half.
    expect(failed).toBeGreaterThanOrEqual(5);
    expect(failed).toBeLessThanOrEqual(15);
    const m = await metrics(api);
    expect(valueOf(m, 'app_requests_total', { method: 'POST', endpoint: 'create_order', status: '500' })).toBe(failed);
  });

  it('adds latency to API requests (SlowResponseTime)', async () => {
    const api = await start();
    expect(await post(api, '/admin/latency', { seconds: 0.06 })).toEqual({ status: 200, json: { seconds: 0.06 } });
    expect(await get(api, '/admin/latency')).toEqual({ status: 200, json: { seconds: 0.06 } });
    expect((await post(api, '/api/orders', ORDER_A)).status).toBe(201);
    expect((await post(api, '/admin/latency', { seconds: -1 })).status).toBe(400);
    expect((await post(api, '/admin/latency', { seconds: 0 })).status).toBe(200);
    const m = await metrics(api);
    const bucket = (le: string) => valueOf(m, 'app_request_duration_seconds_bucket', { method: 'POST', endpoint: 'create_order', le });
    expect(bucket('0.05')).toBe(0);
    expect(bucket('+Inf')).toBe(1);
    expect(valueOf(m, 'app_request_duration_seconds_sum', { method: 'POST', endpoint: 'create_order' })).toBeGreaterThanOrEqual(0.06);
  });

  it('holds DB connections (DatabaseConnectionPoolExhausted) and fails orders when none is left', async () => {
    const api = await start({ dbAcquireTimeoutMs: 30 });
    expect(await post(api, '/admin/db-pressure', {})).toEqual({ status: 200, json: { held: 9, pool_size: 10, used: 9, available: 1 } });
    let m = await metrics(api);
    const used = valueOf(m, 'app_db_connections', { state: 'used' })!;
    const available = valueOf(m, 'app_db_connections', { state: 'available' })!;
    expect([used, available]).toEqual([9, 1]);
    expect(used / (used + available)).toBeGreaterThan(0.8);
    expect((await post(api, '/api/orders', ORDER_A)).status).toBe(201);

    expect((await post(api, '/admin/db-pressure', { connections: 10 })).json).toMatchObject({ held: 10, available: 0 });
    const starved = await post(api, '/api/orders', ORDER_B);
    expect(starved.status).toBe(500);
    expect(String(starved.json.error)).toMatch(/pool exhausted/);
    expect((await post(api, '/admin/db-pressure', { connections: 11 })).status).toBe(400);
    expect(await post(api, '/admin/db-pressure', { connections: 0 })).toEqual({ status: 200, json: { held: 0, pool_size: 10, used: 0, available: 10 } });
    expect(await get(api, '/admin/db-pressure')).toEqual({ status: 200, json: { held: 0, pool_size: 10, used: 0, available: 10 } });
    m = await metrics(api);
    expect(valueOf(m, 'app_db_connections', { state: 'used' })).toBe(0);
    expect(valueOf(m, 'app_requests_total', { method: 'POST', endpoint: 'create_order', status: '500' })).toBe(1);
  });
});
