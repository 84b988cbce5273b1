/**
 * WAL replay of 1M series (run: `npx tsx bench/tsdb-replay.ts [SERIES] [SAMPLES_PER_SERIES]`,
 * ~1–2 min; defaults 1,000,000 × 3). Writes that many series through a TSDB (so the WAL holds
 * series records and samples records in Prometheus's format), closes it, then:
 *
 *  - Lookout: opens the directory in a fresh Node process and prints the replay time (`TSDB.open`,
 *    which replays the WAL) and the process's peak RSS;
 *  - Prometheus 2.42 (when /usr/bin/prometheus is installed): starts it on a copy of the same
 *    directory — it replays Lookout's WAL — and prints the time from spawn to `/-/ready` answering
 *    200, its WAL-replay duration from its log, and its peak RSS (VmHWM) once ready. Both figures
 *    come from the same run on the same machine.
 *
 * Prints figures only; asserts no timing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../src/log.js';
import { Matcher } from '../src/model/matcher.js';
import { TSDB } from '../src/tsdb/db.js';

const PROMETHEUS = '/usr/bin/prometheus';

class QuietLogger extends Logger {
  override info(): void {}
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/**
 * Child mode: open `dir`, print `{ seconds, series, samples, maxRssBytes }` as JSON (`samples`: of
 * the series of one metric name, 1/100 of them, as a check that the samples came back).
 */
function child(dir: string): void {
  const start = performance.now();
  const db = TSDB.open({ dir, log: new QuietLogger() });
  const seconds = (performance.now() - start) / 1000;
  const series = db.head.numSeries();
  let samples = 0;
  const q = db.querier(-Infinity, Infinity);
  for (const s of q.select([new Matcher('=', '__name__', 'bench_metric_7')], -Infinity, Infinity)) samples += s.count;
  db.close();
  // maxRSS is in KiB.
  console.log(JSON.stringify({ seconds, series, samples, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

/** Seconds of a Go duration such as `22.48s`, `1m2.5s` or `950.2ms`; NaN for other forms. */
function goSeconds(d: string): number {
  const m = /^(?:(\d+)m)?(?:([\d.]+)(s|ms))?$/.exec(d);
  if (m === null || d === '') return NaN;
  const sec = m[2] === undefined ? 0 : Number(m[2]) / (m[3] === 'ms' ? 1000 : 1);
  return Number(m[1] ?? 0) * 60 + sec;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Starts Prometheus on `dataDir`; resolves to seconds until ready, its replay log line's duration and VmHWM. */
async function prometheus(dataDir: string, cfgDir: string): Promise<{ ready: number; replay: string; hwm: number }> {
  const cfg = join(cfgDir, 'prometheus.yml');
  writeFileSync(cfg, 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  const start = performance.now();
  const p = spawn(PROMETHEUS, [`--config.file=${cfg}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  p.stdout.on('data', (d: Buffer) => (log += d.toString()));
  p.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  try {
    for (;;) {
      if (p.exitCode !== null) throw new Error(`prometheus exited: ${log.slice(-2000)}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).status === 200) break;
      } catch {
        // Not listening yet.
      }
      if (performance.now() - start > 300_000) throw new Error('prometheus not ready after 5 min');
      await new Promise((r) => setTimeout(r, 20));
    }
    const ready = (performance.now() - start) / 1000;
    const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
    const replay = /msg="WAL replay completed".*?total_replay_duration=(\S+)/.exec(log)?.[1] ?? '?';
    return { ready, replay, hwm };
  } finally {
    p.kill('SIGKILL');
    await exited;
  }
}

async function main(): Promise<void> {
  const series = Number(process.argv[2] ?? 1_000_000);
  const perSeries = Number(process.argv[3] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-replay-'));
  try {
    const data = join(dir, 'data');
    const t0 = Date.now() - 10 * 60_000;
    let start = performance.now();
    const db = TSDB.open({ dir: data, log: new QuietLogger() });
    const BATCH = 10_000;
    for (let k = 0; k < perSeries; k++) {
      for (let from = 0; from < series; from += BATCH) {
        const app = db.appender();
        for (let i = from; i < Math.min(series, from + BATCH); i++) {
          const ref = app.seriesRef(['__name__', `bench_metric_${i % 100}`, 'id', String(i), 'instance', `host-${i % 1000}:9100`, 'job', 'node']);
          app.append(ref, t0 + k * 15_000, i + k);
        }
        app.commit();
      }
    }
    db.close();
    const writeSeconds = (performance.now() - start) / 1000;
    const du = spawnSync('du', ['-sb', join(data, 'wal')], { encoding: 'utf8' }).stdout.split('\t')[0];
    console.log(`wrote ${fmt(series)} series × ${perSeries} samples through the WAL in ${writeSeconds.toFixed(1)} s (WAL ${mib(Number(du))})`);

    // Prometheus gets its copy first (the Lookout process below must not change the WAL it reads).
    const promData = join(dir, 'prom-data');
    cpSync(data, promData, { recursive: true, filter: (src) => !src.endsWith('/lock') });

    start = performance.now();
    const out = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', data], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (out.status !== 0) throw new Error(`replay child failed: ${out.stderr}`);
    const r = JSON.parse(out.stdout.trim().split('\n').pop()!) as { seconds: number; series: number; samples: number; maxRssBytes: number };
    const total = (performance.now() - start) / 1000;
    const want = Math.ceil((series - 7) / 100) * perSeries;
    if (r.series !== series || r.samples !== want) throw new Error(`replayed ${r.series} series / ${r.samples} samples of bench_metric_7, want ${series} / ${want}`);
    console.log(
      `Lookout WAL replay (${fmt(series)} series, ${fmt(series * perSeries)} samples): ${r.seconds.toFixed(2)} s in TSDB.open, ${total.toFixed(2)} s for the whole process (Node start, open, one query); peak RSS ${mib(r.maxRssBytes)}`,
    );
    try {
      const p = await prometheus(promData, dir);
      console.log(`Prometheus 2.42 on the same WAL: ready after ${p.ready.toFixed(2)} s (its log: total_replay_duration=${p.replay}); peak RSS ${mib(p.hwm)}`);
      const replay = goSeconds(p.replay);
      const replayRatio = Number.isNaN(replay) ? '' : `replay ${(r.seconds / replay).toFixed(2)} (TSDB.open vs its logged replay), `;
      console.log(
        `ratio Lookout/Prometheus: ${replayRatio}start to answering ${(total / p.ready).toFixed(2)} (whole Lookout process vs spawn-to-ready), peak RSS ${(r.maxRssBytes / p.hwm).toFixed(2)}`,
      );
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') console.log(`Prometheus: ${PROMETHEUS} not installed (apt-get install prometheus) — no side-by-side figure`);
      else throw e;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') child(process.argv[3]!);
else await main();
