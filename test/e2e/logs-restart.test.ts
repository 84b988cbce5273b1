/**
 * Log durability end to end: push entries over HTTP to `lookout server`, `kill -9` it right after
 * the last 204, restart it on the same storage, and find every acknowledged entry exactly once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, getJson, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, startNode, stopAll, waitFor, type Proc } from '../support/processes.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-logs-restart-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
});

afterAll(async () => {
  await stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(port: number): Promise<Proc> {
  const p = startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--hostmetrics.enable=false',
  ]);
  await waitFor('server ready', 60_000, async () => (await fetch(`http://127.0.0.1:${port}/ready`)).ok);
  return p;
}

it('keeps every acknowledged log entry across kill -9', { timeout: 180_000 }, async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const first = await start(port);
  const t0 = Date.now() - 60_000;
  const acked: string[] = [];
  for (let i = 0; i < 40; i++) {
    const values = [0, 1, 2, 3, 4].map((k) => [`${t0 + i * 5 + k}000000`, `entry ${i * 5 + k}`]);
    const res = await fetch(`${base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { job: 'restart', shard: String(i % 2) }, values }] }),
    });
    expect(res.status).toBe(204);
    acked.push(...values.map((v) => v[1]!));
  }
  await first.stop('SIGKILL');
  await start(port);
  const p = new URLSearchParams({ query: '{job="restart"}', start: `${t0 - 1000}000000`, end: `${Date.now()}000000`, limit: '1000', direction: 'forward' });
  const r = await getJson(`${base}/loki/api/v1/query_range?${p}`);
  expect(r.status).toBe('success');
  const lines = (r.data.result as { values: [string, string][] }[]).flatMap((s) => s.values.map((v) => v[1]));
  expect(lines.sort()).toEqual([...acked].sort());
});
