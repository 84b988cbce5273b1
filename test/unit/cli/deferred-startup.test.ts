/**
 * What `lookout server` loads after ready or on first use (src/cli/server.ts) still works: the host
 * collector answers `/node/metrics` on its first request, and promtail file tailing, started just
 * after ready, ships a line appended to a tailed file into the log store. Real process on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = resolve(import.meta.dirname, '../../../src/cli/main.ts');
let dir: string;
let child: ChildProcess;
let base: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => done(port));
    });
  });
}

/** Polls `check` every 100 ms until it returns true (generous: the machine may be loaded). */
async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not answering yet.
    }
    if (Date.now() > end) throw new Error('timed out');
    await sleep(100);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-cli-deferred-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  writeFileSync(join(dir, 'alertmanager.yml'), "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
  writeFileSync(join(dir, 'app.log'), '');
  writeFileSync(
    join(dir, 'promtail.yml'),
    `scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: [localhost]\n        labels:\n          job: deferred-app\n          __path__: ${join(dir, 'app.log')}\n`,
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      MAIN,
      'server',
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--alertmanager.config.file=${join(dir, 'alertmanager.yml')}`,
      `--logs.config.file=${join(dir, 'promtail.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  await until(async () => (await fetch(`${base}/-/ready`)).status === 200);
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('lookout server: work deferred past ready', () => {
  it('serves host metrics on the first /node/metrics request', async () => {
    const res = await fetch(`${base}/node/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^node_load1 /m);
    expect(text).toMatch(/^process_start_time_seconds /m);
  });

  it('tails the promtail config files into the log store', async () => {
    let body = '';
    await until(async () => {
      appendFileSync(join(dir, 'app.log'), 'deferred tailing works\n');
      const q = new URLSearchParams({ query: '{job="deferred-app"}', limit: '1' });
      body = await (await fetch(`${base}/loki/api/v1/query_range?${q}`)).text();
      return body.includes('deferred tailing works');
    });
    expect(body).toContain('"job":"deferred-app"');
  }, 90_000);
});
