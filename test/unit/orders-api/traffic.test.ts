import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startOrdersApi, type OrdersApi } from '../../../examples/orders-api/app.js';
import { parseMainFlags } from '../../../examples/orders-api/flags.js';
import { seededRandom } from '../../../examples/orders-api/random.js';
import { TRAFFIC_MIX, TrafficGenerator, type TrafficKind } from '../../../examples/orders-api/traffic.js';
import { samples } from './scrape.js';

const running: OrdersApi[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.close()));
});

describe('traffic generator', () => {
  it('draws the documented mix', () => {
    const gen = new TrafficGenerator({ url: 'http://127.0.0.1:1', rps: 1, random: seededRandom(1) });
    const counts = new Map<TrafficKind, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const p = gen.plan();
      counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
    }
    expect(TRAFFIC_MIX.reduce((s, [, w]) => s + w, 0)).toBeCloseTo(1, 12);
    for (const [kind, share] of TRAFFIC_MIX) {
      const got = (counts.get(kind) ?? 0) / n;
      expect(Math.abs(got - share)).toBeLessThan(0.01);
    }
  });

  it('sends requests whose answers match their kind, and they are counted', async () => {
    const api = await startOrdersApi({ port: 0, errorRate: 0, random: seededRandom(3) });
    running.push(api);
    const gen = new TrafficGenerator({ url: api.url, rps: 1, random: seededRandom(5) });
    const expected: Record<TrafficKind, number[]> = {
      valid_order: [201],
      declined_order: [402],
      invalid_token_order: [402],
      invalid_order: [400],
      get_order: [200, 404],
      get_missing_order: [404],
      health: [200],
    };
    const seen = new Set<TrafficKind>();
    const n = 60;
    for (let i = 0; i < n; i++) {
      const { kind, status } = await gen.sendOne();
      seen.add(kind);
      expect(expected[kind]).toContain(status);
    }
    expect(seen.has('valid_order')).toBe(true);
    expect(seen.has('invalid_order')).toBe(true);
    const body = await (await fetch(api.url + '/metrics')).text();
    const total = samples(body)
      .filter((s) => s.name === 'app_requests_total')
      .reduce((sum, s) => sum + s.value, 0);
    expect(total).toBe(n);
  });

  it('runs at its rate when started and stops cleanly', async () => {
    const api = await startOrdersApi({ port: 0, errorRate: 0, trafficRps: 200, random: seededRandom(9) });
    const created = async () => {
      const body = await (await fetch(api.url + '/metrics')).text();
      return samples(body)
        .filter((s) => s.name === 'app_requests_total' && s.labels.endpoint !== 'metrics')
        .reduce((sum, s) => sum + s.value, 0);
    };
    // Wait (bounded by the test timeout) until the generator has sent a few dozen requests.
    while ((await created()) < 30) await new Promise((r) => setTimeout(r, 50));
    await api.close();
    // Closed: nothing listens any more.
    await expect(fetch(api.url + '/health')).rejects.toThrow();
  });
});

describe('orders-api entry point', () => {
  it('parses flags with defaults, both flag forms, and rejects bad values', () => {
    expect(parseMainFlags([])).toEqual({ help: false, port: 5000, host: '127.0.0.1', trafficRps: 5, errorRate: 0.01, logFile: '' });
    expect(parseMainFlags(['--port', '0', '--traffic-rps=0', '--error-rate', '0.5', '--host=0.0.0.0', '--log-file=data/x.log'])).toEqual({
      help: false,
      port: 0,
      host: '0.0.0.0',
      trafficRps: 0,
      errorRate: 0.5,
      logFile: 'data/x.log',
    });
    expect(() => parseMainFlags(['--error-rate', '1.5'])).toThrow(/--error-rate: a number from 0 to 1/);
    expect(() => parseMainFlags(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseMainFlags(['--traffic-rps', 'fast'])).toThrow(/--traffic-rps/);
    expect(() => parseMainFlags(['--bogus'])).toThrow();
  });

  it('starts from the command line and prints where it listens', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/orders-api/main.ts', '--port', '0', '--traffic-rps', '0'], {
      cwd: new URL('../../../', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      while (!out.includes('\n')) {
        const [chunk] = (await once(child.stdout, 'data')) as [string];
        out += chunk;
      }
      const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+))\n$/.exec(out);
      expect(m).not.toBeNull();
      const res = await fetch(m![1] + '/health');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'healthy' });
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

describe('POST /admin/traffic', () => {
  it('switches the built-in traffic on and off at runtime', async () => {
    const api = await startOrdersApi({ port: 0, trafficRps: 0, errorRate: 0 });
    try {
      const set = async (rps: unknown) => {
        const res = await fetch(`${api.url}/admin/traffic`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ rps }),
        });
        return { status: res.status, body: (await res.json()) as { rps?: number; error?: string } };
      };
      expect(await set(-1)).toEqual({ status: 400, body: { error: 'rps must be a number from 0 to 1000' } });
      expect(await set(50)).toEqual({ status: 200, body: { rps: 50 } });
      const created = async () => {
        const text = await (await fetch(`${api.url}/metrics`)).text();
        const m = /^app_requests_total\{method="POST",endpoint="create_order",status="201"\} (\d+)/m.exec(text);
        return m ? Number(m[1]) : 0;
      };
      const deadline = Date.now() + 10_000;
      while ((await created()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await created()).toBeGreaterThan(0);
      expect(await set(0)).toEqual({ status: 200, body: { rps: 0 } });
      const after = await created();
      await new Promise((r) => setTimeout(r, 300));
      expect(await created()).toBe(after);
      expect((await (await fetch(`${api.url}/admin/traffic`)).json()) as unknown).toEqual({ rps: 0 });
    } finally {
      await api.close();
    }
  });
});
