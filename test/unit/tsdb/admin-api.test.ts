/**
 * `/api/v1/admin/tsdb/*` over a real TSDB through fastify's inject, and the same requests answered
 * by the real Prometheus 2.42 (admin API on and off) compared status by status, body by body.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFlags } from '../../../src/cli/flags.js';
import { TSDB_SNAPSHOT_FLAGS, tsdbSnapshot } from '../../../src/cli/tsdb-snapshot.js';
import { Logger } from '../../../src/log.js';
import { Engine } from '../../../src/promql/index.js';
import { TSDB } from '../../../src/tsdb/db.js';
import type { ApiV1Deps } from '../../../src/web/api-v1.js';
import { buildApp } from '../../../src/web/server.js';
import { freePort, haveProgram, type Proc, startProgram, waitFor } from '../../support/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';

class QuietLogger extends Logger {
  override info(): void {}
  override warn(): void {}
  override error(): void {}
}

/** Requests whose answers must be the same as upstream's: [method, path?query]. */
const CASES: [string, string][] = [
  ['POST', '/api/v1/admin/tsdb/delete_series'],
  ['PUT', '/api/v1/admin/tsdb/delete_series?match[]=up&start=abc'],
  ['POST', '/api/v1/admin/tsdb/delete_series?match[]=up{'],
  ['POST', '/api/v1/admin/tsdb/delete_series?match[]=up&start=1&end=0'],
  ['POST', '/api/v1/admin/tsdb/delete_series?match[]=nothing_here'],
  ['POST', '/api/v1/admin/tsdb/clean_tombstones'],
  ['POST', '/api/v1/admin/tsdb/snapshot?skip_head=xx'],
  ['GET', '/api/v1/admin/tsdb/snapshot'],
];

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-admin-api-'));
  dirs.push(d);
  return d;
}

async function app(admin: boolean, dir: string): Promise<{ app: FastifyInstance; db: TSDB }> {
  const db = TSDB.open({ dir, log: new QuietLogger() });
  const a = db.appender();
  const now = Date.now();
  for (const job of ['a', 'b']) a.append(a.seriesRef(['__name__', 'up', 'job', job]), now - 1000, 1);
  a.commit();
  const apiV1: ApiV1Deps = {
    storage: db,
    engine: new Engine(),
    configText: () => '',
    flags: {},
    runtimeInfo: () => ({}),
    buildInfo: {},
    admin: admin
      ? { deleteSeries: (s, mint, maxt) => db.delete(s, mint, maxt), cleanTombstones: () => db.cleanTombstones(), snapshot: (skip) => db.snapshotInDataDir(skip) }
      : undefined,
  };
  const server = await buildApp({ listenAddress: '127.0.0.1:0', name: 'Test', enableLifecycle: false, isReady: () => true, apiV1 });
  return { app: server, db };
}

interface Answer {
  status: number;
  body: string;
  allow?: string;
}

async function inject(a: FastifyInstance, method: string, url: string): Promise<Answer> {
  const r = await a.inject({ method: method as 'GET', url });
  return { status: r.statusCode, body: r.body, allow: r.headers.allow as string | undefined };
}

describe('admin API', () => {
  const opened: { app: FastifyInstance; db: TSDB }[] = [];
  afterAll(async () => {
    for (const o of opened) {
      await o.app.close();
      o.db.close();
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('answers 500 "admin APIs disabled" when off, as Prometheus 2.42', async () => {
    const o = await app(false, tmp());
    opened.push(o);
    const disabled = { status: 500, body: '{"status":"error","errorType":"unavailable","error":"admin APIs disabled"}', allow: undefined };
    expect(await inject(o.app, 'POST', '/api/v1/admin/tsdb/delete_series?match[]=up')).toEqual(disabled);
    expect(await inject(o.app, 'PUT', '/api/v1/admin/tsdb/snapshot')).toEqual(disabled);
    expect(await inject(o.app, 'POST', '/api/v1/admin/tsdb/clean_tombstones')).toEqual(disabled);
    expect(await inject(o.app, 'GET', '/api/v1/admin/tsdb/delete_series')).toEqual({ status: 405, body: 'Method Not Allowed\n', allow: 'OPTIONS, POST, PUT' });
  });

  it('deletes series, cleans tombstones and writes snapshots when on', async () => {
    const dir = tmp();
    const o = await app(true, dir);
    opened.push(o);
    const count = async (): Promise<string> => JSON.parse((await inject(o.app, 'GET', '/api/v1/query?query=count(up)')).body).data.result[0]?.value[1];
    expect(await count()).toBe('2');
    expect(await inject(o.app, 'POST', '/api/v1/admin/tsdb/delete_series?match[]=up{job="a"}')).toEqual({ status: 204, body: '', allow: undefined });
    expect(await count()).toBe('1');
    expect((await inject(o.app, 'PUT', '/api/v1/admin/tsdb/clean_tombstones')).status).toBe(204);
    const snap = await inject(o.app, 'POST', '/api/v1/admin/tsdb/snapshot');
    expect(snap.status).toBe(200);
    const name = JSON.parse(snap.body).data.name as string;
    expect(snap.body).toBe(`{"status":"success","data":{"name":"${name}"}}`);
    expect(name).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    expect(existsSync(join(dir, 'snapshots', name))).toBe(true);
    expect(await inject(o.app, 'POST', '/api/v1/admin/tsdb/snapshot?skip_head=xx')).toEqual({
      status: 400,
      body: '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"skip_head\\": unable to parse boolean: strconv.ParseBool: parsing \\"xx\\": invalid syntax"}',
      allow: undefined,
    });
  });

  it('lookout tsdb snapshot asks a running server for a snapshot and prints where it went', async () => {
    for (const on of [true, false]) {
      const dir = tmp();
      const o = await app(on, dir);
      opened.push(o);
      const url = await o.app.listen({ host: '127.0.0.1', port: 0 });
      const out: string[] = [];
      const err: string[] = [];
      const code = await tsdbSnapshot(parseFlags([`--url=${url}/`, '--skip-head'], TSDB_SNAPSHOT_FLAGS), (l) => out.push(l), (l) => err.push(l));
      if (on) {
        expect(code).toBe(0);
        expect(out).toHaveLength(1);
        const name = out[0]!.replace('Snapshot created: ', '');
        expect(name).toMatch(/^snapshots\/\d{8}T\d{6}Z-[0-9a-f]{16}$/);
        expect(existsSync(join(dir, name))).toBe(true);
      } else {
        expect([code, out, err]).toEqual([1, [], ['snapshot failed: HTTP 500: admin APIs disabled']]);
      }
    }
  });

  describe.runIf(haveProgram(PROMETHEUS))('side by side with Prometheus 2.42', () => {
    const procs: Proc[] = [];
    const bases: Record<'on' | 'off', string> = { on: '', off: '' };
    beforeAll(async () => {
      for (const mode of ['on', 'off'] as const) {
        const dir = tmp();
        const cfg = join(dir, 'prometheus.yml');
        writeFileSync(cfg, 'global:\n  scrape_interval: 1h\n');
        const port = await freePort();
        const args = [`--config.file=${cfg}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`];
        if (mode === 'on') args.push('--web.enable-admin-api');
        procs.push(startProgram(PROMETHEUS, args));
        bases[mode] = `http://127.0.0.1:${port}`;
        await waitFor(`prometheus (${mode})`, 30_000, async () => (await fetch(`${bases[mode]}/-/ready`)).ok);
      }
    }, 60_000);
    afterAll(async () => {
      for (const p of procs) await p.stop();
    });

    it('gives the same status codes and bodies for the same requests', async () => {
      for (const mode of ['on', 'off'] as const) {
        const o = await app(mode === 'on', tmp());
        opened.push(o);
        for (const [method, url] of CASES) {
          const r = await fetch(bases[mode] + url, { method });
          const upstream: Answer = { status: r.status, body: await r.text(), allow: r.headers.get('allow') ?? undefined };
          expect({ mode, method, url, ...(await inject(o.app, method, url)) }).toEqual({ mode, method, url, ...upstream });
        }
      }
    });
  });
});
