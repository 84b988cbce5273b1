/**
 * Real log shippers from npm deliver to a `lookout server`: pino-loki (JSON) on the main listen
 * address, winston-loki (snappy protobuf, and JSON) on the Loki-only `--logs.listen-address`.
 * What they sent is read back through Loki's series, labels, label-values, index-stats and
 * query_range APIs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { pinoLoki } from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, getJson, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, startNode, stopAll, waitFor } from '../support/processes.js';

let dir: string;
let main: string;
let loki: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-logs-shippers-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
  const [p1, p2] = [await freePort(), await freePort()];
  main = `http://127.0.0.1:${p1}`;
  loki = `http://127.0.0.1:${p2}`;
  startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${p1}`,
    `--logs.listen-address=127.0.0.1:${p2}`,
    '--hostmetrics.enable=false',
  ]);
  await waitFor('server ready', 60_000, async () => (await fetch(`${loki}/ready`)).ok);
});

afterAll(async () => {
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Streams (label objects) matching `selector`, via `/loki/api/v1/series` on `base`. */
async function series(base: string, selector: string): Promise<Record<string, string>[]> {
  const r = await getJson(`${base}/loki/api/v1/series?${new URLSearchParams({ 'match[]': selector })}`);
  expect(r.status).toBe('success');
  return (r.data as Record<string, string>[]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('log shippers deliver to Lookout', () => {
  it('pino-loki (JSON push) on the main listen address', async () => {
    const stream = pinoLoki({ host: main, labels: { job: 'pino-test' }, batching: false, silenceErrors: false });
    const log = pino({ level: 'info' }, stream);
    log.info({ user: 'u1' }, 'hello from pino');
    log.error('pino failure');
    const got = await waitFor('pino streams', 30_000, async () => {
      const s = await series(main, '{job="pino-test"}');
      return s.length === 2 ? s : undefined;
    });
    expect(got).toEqual([
      // pino-loki adds the host name of the process as a label.
      { hostname: hostname(), job: 'pino-test', level: 'error' },
      { hostname: hostname(), job: 'pino-test', level: 'info' },
    ]);
    const labels = await getJson(`${main}/loki/api/v1/labels`);
    expect(labels.data).toEqual(expect.arrayContaining(['hostname', 'job', 'level']));
    const values = await getJson(`${main}/loki/api/v1/label/level/values?${new URLSearchParams({ query: '{job="pino-test"}' })}`);
    expect(values).toEqual({ status: 'success', data: ['error', 'info'] });
    const stats = await getJson(`${main}/loki/api/v1/index/stats?${new URLSearchParams({ query: '{job="pino-test"}' })}`);
    expect(stats.streams).toBe(2);
    expect(stats.entries).toBe(2);
    const q = await getJson(`${main}/loki/api/v1/query_range?${new URLSearchParams({ query: '{job="pino-test"} |= "hello"', limit: '10' })}`);
    expect(q.status).toBe('success');
    expect(q.data.resultType).toBe('streams');
    expect(q.data.result.length).toBe(1);
    expect(q.data.result[0].stream).toEqual({ hostname: hostname(), job: 'pino-test', level: 'info' });
    expect(q.data.result[0].values.length).toBe(1);
    expect(JSON.parse(q.data.result[0].values[0][1])).toMatchObject({ msg: 'hello from pino', user: 'u1' });
  });

  it('winston-loki (snappy protobuf, then JSON) on the Loki listen address', async () => {
    const proto = new LokiTransport({ host: loki, labels: { job: 'winston-test', format: 'proto' }, json: false, batching: false, onConnectionError: (e) => console.error(e) });
    const json = new LokiTransport({ host: loki, labels: { job: 'winston-test', format: 'json' }, json: true, batching: false, onConnectionError: (e) => console.error(e) });
    const log = winston.createLogger({ transports: [proto, json] });
    log.info('hello from winston');
    log.warn('careful', { labels: { component: 'billing' } });
    const got = await waitFor('winston streams', 30_000, async () => {
      const s = await series(loki, '{job="winston-test"}');
      return s.length === 4 ? s : undefined;
    });
    expect(got).toEqual([
      { component: 'billing', format: 'json', job: 'winston-test', level: 'warn' },
      { component: 'billing', format: 'proto', job: 'winston-test', level: 'warn' },
      { format: 'json', job: 'winston-test', level: 'info' },
      { format: 'proto', job: 'winston-test', level: 'info' },
    ]);
    const stats = await getJson(`${loki}/loki/api/v1/index/stats?${new URLSearchParams({ query: '{job="winston-test"}' })}`);
    expect(stats).toEqual({ streams: 4, chunks: 4, entries: 4, bytes: stats.bytes });
    expect(stats.bytes).toBeGreaterThan(0);
    await proto.close?.();
    await json.close?.();
    log.close();
  });

  it('counts what it received in Loki-named self-metrics', async () => {
    const text = await (await fetch(`${main}/metrics`)).text();
    expect(text).toMatch(/^loki_distributor_lines_received_total\{tenant="fake"\} ([4-9]|\d\d+)$/m);
    expect(text).toMatch(/^loki_ingester_memory_streams\{tenant="fake"\} [1-9]\d*$/m);
  });
});
