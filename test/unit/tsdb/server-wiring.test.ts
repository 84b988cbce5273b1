/**
 * The built server's wiring of the TSDB features (needs `npm run build`): `--web.enable-admin-api`
 * (delete_series, snapshot through `lookout tsdb snapshot`), `--enable-feature=exemplar-storage`
 * with `storage.exemplars.max_exemplars` from prometheus.yml, and exemplars surviving a restart.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, getJson, LOOKOUT_BIN, QUIET_ALERTMANAGER_FLAG, startNode, stopAll, type Proc, waitFor } from '../../support/processes.js';

let dir: string;
let target: Server;
let instance: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-tsdb-wiring-'));
  target = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
    res.end('# TYPE job_runs counter\njob_runs_total{kind="a"} 1 # {trace_id="t-a"} 1 1700000000\njob_runs_total{kind="b"} 2\n# EOF\n');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const a = target.address();
  instance = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nstorage:\n  exemplars:\n    max_exemplars: 5\nscrape_configs:\n- job_name: w\n  static_configs:\n  - targets: ['${instance}']\n`,
  );
});

afterAll(async () => {
  await stopAll();
  target?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function start(port: number, extra: string[]): Proc {
  return startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--hostmetrics.enable=false',
    ...extra,
  ]);
}

const exemplarsQuery = (base: string): Promise<any> => getJson(`${base}/api/v1/query_exemplars?query=job_runs_total`);

it('wires the admin API, exemplar storage and lookout tsdb snapshot into the server', async () => {
  let port = await freePort();
  let base = `http://127.0.0.1:${port}`;
  let server = start(port, ['--web.enable-admin-api', '--enable-feature=exemplar-storage']);
  const count = async (): Promise<number> => {
    const r = await getJson(`${base}/api/v1/query?query=count(job_runs_total)`);
    return Number(r.data.result[0]?.value[1] ?? 0);
  };
  await waitFor('both series scraped', 60_000, async () => (await count()) === 2);
  const want = [
    {
      seriesLabels: { __name__: 'job_runs_total', instance, job: 'w', kind: 'a' },
      exemplars: [{ labels: { trace_id: 't-a' }, value: '1', timestamp: 1700000000 }],
    },
  ];
  expect((await exemplarsQuery(base)).data).toEqual(want);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  expect(metrics).toMatch(/^prometheus_tsdb_exemplar_max_exemplars 5$/m);

  const overHour = async (time: number): Promise<number> => {
    const q = encodeURIComponent('count_over_time(job_runs_total{kind="b"}[1h])');
    const res = await getJson(`${base}/api/v1/query?query=${q}&time=${time / 1000}`);
    return Number(res.data.result[0]?.value[1] ?? 0);
  };
  await waitFor('three scrapes', 60_000, async () => (await overHour(Date.now())) >= 3);
  const tDel = Date.now();
  const del = await fetch(`${base}/api/v1/admin/tsdb/delete_series?match[]=${encodeURIComponent('job_runs_total{kind="b"}')}`, { method: 'POST' });
  expect(del.status).toBe(204);
  // Every sample up to the deletion is gone (one scrape committed while the request ran may
  // escape it); later scrapes add samples again.
  expect(await overHour(tDel)).toBeLessThanOrEqual(1);

  const out = execFileSync(process.execPath, [LOOKOUT_BIN, 'tsdb', 'snapshot', `--url=${base}`], { encoding: 'utf8' });
  const name = /^Snapshot created: (snapshots\/\S+)$/m.exec(out)![1]!;
  expect(existsSync(join(dir, 'data', name))).toBe(true);
  expect(readdirSync(join(dir, 'data', name)).filter((n) => /^[0-9A-Z]{26}$/.test(n))).toHaveLength(1);
  await server.stop();

  // Restart without the admin API: exemplars come back from the WAL; admin endpoints are off.
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = start(port, ['--enable-feature=exemplar-storage']);
  await waitFor('the restarted server', 60_000, async () => (await fetch(`${base}/-/ready`)).ok);
  expect((await exemplarsQuery(base)).data).toEqual(want);
  const off = await fetch(`${base}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
  expect([off.status, await off.text()]).toEqual([500, '{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}']);
  await server.stop();
}, 180_000);
