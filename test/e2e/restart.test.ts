/**
 * Durability: `kill -9` the server while it ingests, restart it on the same storage, and check
 * that every sample a query could see before the kill (so was committed, hence acknowledged) is
 * still there with the same value, and that ingestion resumes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, getJson, LOOKOUT_BIN, startNode, stopAll, waitFor, type Proc, QUIET_ALERTMANAGER_FLAG } from '../support/processes.js';

let dir: string;
let target: Server;
let scrapes = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-restart-'));
  target = createServer((_req, res) => {
    scrapes++;
    const lines = ['# TYPE restart_counter_total counter', `restart_counter_total ${scrapes}`, '# TYPE restart_gauge gauge'];
    for (let i = 0; i < 50; i++) lines.push(`restart_gauge{shard="${i}"} ${scrapes * 1000 + i}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(lines.join('\n') + '\n');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await stopAll();
  target?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startServer(port: number): Proc {
  return startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--hostmetrics.enable=false',
  ]);
}

type Samples = Map<string, Map<number, string>>;

/** Every stored sample of the test's series in the last 10 minutes, by series then timestamp. */
async function allSamples(base: string): Promise<Samples> {
  const p = new URLSearchParams({ query: '{__name__=~"restart_.*"}[10m]' });
  const r = await getJson(`${base}/api/v1/query?${p}`);
  if (r.status !== 'success') throw new Error(JSON.stringify(r));
  const out: Samples = new Map();
  for (const s of r.data.result as { metric: Record<string, string>; values: [number, string][] }[]) {
    out.set(JSON.stringify(s.metric), new Map(s.values.map(([t, v]) => [t, v])));
  }
  return out;
}

it('keeps every acknowledged sample across kill -9', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const addr = target.address();
  const targetPort = typeof addr === 'object' && addr ? addr.port : 0;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 200ms, scrape_timeout: 150ms }\nscrape_configs:\n  - job_name: restart\n    static_configs: [ { targets: ['127.0.0.1:${targetPort}'] } ]\n`,
  );
  const first = startServer(port);
  await waitFor('first server ingesting', 20_000, async () => {
    const s = await allSamples(base);
    return (s.get(JSON.stringify({ __name__: 'restart_counter_total', instance: `127.0.0.1:${targetPort}`, job: 'restart' }))?.size ?? 0) >= 10;
  });
  const before = await allSamples(base);
  first.child.kill('SIGKILL');
  await first.stop();
  const seenBefore = [...before.values()].reduce((n, m) => n + m.size, 0);
  expect(seenBefore).toBeGreaterThanOrEqual(51 * 10);

  startServer(port);
  await waitFor('restarted server ready', 20_000, async () => (await fetch(`${base}/-/ready`)).ok);
  const after = await allSamples(base);
  const lost: string[] = [];
  for (const [series, samples] of before) {
    for (const [t, v] of samples) {
      const got = after.get(series)?.get(t);
      if (got !== v) lost.push(`${series}@${t}: had ${v}, now ${got ?? 'missing'}`);
    }
  }
  expect(lost.slice(0, 10)).toEqual([]);

  const counter = JSON.stringify({ __name__: 'restart_counter_total', instance: `127.0.0.1:${targetPort}`, job: 'restart' });
  const resumedFrom = after.get(counter)!.size;
  await waitFor('ingestion resumed', 10_000, async () => ((await allSamples(base)).get(counter)?.size ?? 0) > resumedFrom + 3);
}, 90_000);
