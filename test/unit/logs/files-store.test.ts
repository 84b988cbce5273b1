import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPromtailConfigFile } from '../../../src/logs/files/config.js';
import { FileTargetManager } from '../../../src/logs/files/manager.js';
import { evaluateInstant } from '../../../src/logs/logql/index.js';
import { LogStore } from '../../../src/logs/store/store.js';
import { fromObject, toObject } from '../../../src/model/labels.js';
import { Matcher } from '../../../src/model/matcher.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('file tailing into the log store with the embedded demo config', () => {
  it('stores the demo request log under job, instance, level and filename, with the logged times', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-files-store-'));
    dirs.push(dir);
    // The embedded config names data/logs/orders-api.log relative to the working directory.
    const cfgText = readFileSync('config/promtail.yml', 'utf8').replace('__path__: data/logs/orders-api.log', `__path__: ${join(dir, 'data/logs/orders-api.log')}`);
    writeFileSync(join(dir, 'promtail.yml'), cfgText);
    const config = loadPromtailConfigFile(join(dir, 'promtail.yml'));
    const store = LogStore.open({ dir: join(dir, 'logs'), background: false });
    const t0 = Date.now() - 60_000;
    const line = (ms: number, level: string, status: number) =>
      JSON.stringify({ ts: new Date(ms).toISOString(), level, msg: `POST /api/orders ${status}`, status }) + '\n';
    mkdirSync(join(dir, 'data/logs'), { recursive: true });
    writeFileSync(join(dir, 'data/logs/orders-api.log'), line(t0, 'info', 201) + line(t0 + 1000, 'error', 500));
    const m = new FileTargetManager({ config, writer: store, defaultPositionsFile: join(dir, 'positions.yaml'), pollIntervalMs: 3_600_000 });
    await m.flush();
    appendFileSync(join(dir, 'data/logs/orders-api.log'), line(t0 + 2000, 'error', 500));
    await m.stop();

    const file = join(dir, 'data/logs/orders-api.log');
    const streams = store.select([new Matcher('=', 'job', 'application')], { ms: t0 - 1, nanos: 0 }, { ms: t0 + 60_000, nanos: 0 }, 'forward');
    const got = streams
      .map((s) => {
        const entries: [number, number][] = [];
        while (s.entries.next()) entries.push([s.entries.ms, (JSON.parse(s.entries.line) as { status: number }).status]);
        return { labels: toObject(s.labels), entries };
      })
      .sort((a, b) => (a.labels.level! < b.labels.level! ? -1 : 1));
    expect(got).toEqual([
      { labels: { filename: file, instance: '127.0.0.1:5000', job: 'application', level: 'error' }, entries: [[t0 + 1000, 500], [t0 + 2000, 500]] },
      { labels: { filename: file, instance: '127.0.0.1:5000', job: 'application', level: 'info' }, entries: [[t0, 201]] },
    ]);
    expect(evaluateInstant(store, 'sum by (job) (count_over_time({job="application"} | json | status >= 500 [5m]))', t0 + 30_000)).toEqual([
      { labels: fromObject({ job: 'application' }), value: 2 },
    ]);
    store.close();
  });
});
