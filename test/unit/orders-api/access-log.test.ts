import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOrdersApi } from '../../../examples/orders-api/app.js';
import { seededRandom } from '../../../examples/orders-api/random.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('orders API request log', () => {
  it('appends one JSON line per answered request, errors with their text', async () => {
    dir = mkdtempSync(join(tmpdir(), 'orders-log-'));
    const logFile = join(dir, 'logs', 'orders-api.log');
    const api = await startOrdersApi({ port: 0, errorRate: 1, random: seededRandom(42), logFile });
    const order = { customer_id: 'c', items: [{ sku: 'A', qty: 1, price: 5 }], payment_method: 'paypal' };
    const res = await fetch(api.url + '/api/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
    const body = (await res.json()) as { error: string };
    expect(res.status).toBe(500);
    expect((await fetch(api.url + '/health')).status).toBe(200);
    expect((await fetch(api.url + '/nope')).status).toBe(404);
    await api.close();
    const lines = readFileSync(logFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map(({ ts, duration_ms, ...rest }) => (expect(typeof ts).toBe('string'), expect(typeof duration_ms).toBe('number'), rest))).toEqual([
      { level: 'error', msg: 'POST /api/orders 500', method: 'POST', path: '/api/orders', endpoint: 'create_order', status: 500, error: body.error },
      { level: 'info', msg: 'GET /health 200', method: 'GET', path: '/health', endpoint: 'health', status: 200 },
      { level: 'warn', msg: 'GET /nope 404', method: 'GET', path: '/nope', endpoint: 'unknown', status: 404 },
    ]);
  });
});
