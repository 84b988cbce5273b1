/**
 * PromQL query benchmark, side by side with Prometheus on the same data. Generates ~2,000
 * series (the series shape of `shared/bench/gen-openmetrics.mjs` for one instance: counters,
 * gauges, classic histograms; plus one counter family of 1,000 series, `bench_wide_total`) ×
 * HOURS (default 2) at 15 s, loads them into a Lookout `Head` and, when `/usr/bin/prometheus` and
 * `promtool` are installed, into Prometheus through `promtool tsdb create-blocks-from openmetrics`.
 * Times the queries of `shared/bench/query-bench.sh` plus a rate over the 1,000
 * `bench_wide_total` series (range queries over the last hour at 15 s steps, the instant query
 * 60 s before the end): first call, then the median of REPS (default 7) calls, for Lookout's
 * engine called directly, Lookout's `/api/v1` (served over the `Head` with the query worker pool,
 * as `lookout server`) and Prometheus's `/api/v1`, both over HTTP on 127.0.0.1. The ratio is
 * Lookout HTTP ms / Prometheus ms (below 1: Lookout is faster).
 *
 * Each answer's series, points and sum of values are printed for both, to show they agree. The
 * steps fall on sample timestamps, so the rate sums differ slightly: Lookout follows Prometheus
 * 3.x, whose range windows exclude a sample at their left edge, while 2.42 includes it (with
 * steps off the sample grid both give the same sums).
 * Run: `npm run bench:promql` (env HOURS, REPS; under a minute).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromObject } from '../src/model/labels.js';
import { Engine } from '../src/promql/index.js';
import type { QueryResult } from '../src/promql/value.js';
import { Head } from '../src/tsdb/head.js';
import { QueryPool } from '../src/web/query-pool.js';
import { buildApp } from '../src/web/server.js';

const HOURS = Number(process.env.HOURS ?? 2);
const REPS = Number(process.env.REPS ?? 7);
const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const STEP_S = 15;
/** Series of the `bench_wide_total` counter family. */
const RATE_SERIES = 1000;
const END_S = 1_700_006_400;
const START_S = END_S - HOURS * 3600;
const steps = Math.floor((HOURS * 3600) / STEP_S);

let seed = 42;
/** Deterministic PRNG (mulberry32, as the shared generator). */
function rnd(): number {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function gauss(): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** A series: labels and a function giving its next value. */
interface Gen {
  labels: Record<string, string>;
  next: () => number;
}

function generators(): Gen[] {
  const gens: Gen[] = [];
  const base = { job: 'bench', instance: '127.0.0.1:19100' };
  const les = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity];
  for (let m = 0; m < 10; m++) {
    const kind = m % 3;
    if (kind === 0) {
      for (let s = 0; s < 100; s++) {
        let v = Math.floor(rnd() * 1e6);
        gens.push({
          labels: { __name__: `bench_requests_${m}_total`, ...base, path: `/api/v${s % 10}/item`, method: ['GET', 'POST', 'PUT', 'DELETE'][s % 4]!, code: s % 7 === 0 ? '500' : '200', shard: String(s) },
          next: () => (v += Math.floor((s % 10 + 1) * STEP_S * (0.5 + rnd()))),
        });
      }
    } else if (kind === 1) {
      for (let s = 0; s < 100; s++) {
        let v = rnd() * 100;
        gens.push({
          labels: { __name__: `bench_gauge_${m}`, ...base, pool: `p${s}`, state: s % 2 ? 'used' : 'idle' },
          next: () => (v = s % 3 === 0 ? Math.max(0, Math.round(v + gauss() * 2)) : Math.min(100, Math.max(0, v + gauss()))),
        });
      }
    } else {
      for (let s = 0; s < 7; s++) {
        const cum = new Array<number>(les.length).fill(0);
        let sum = 0;
        let cnt = 0;
        let observedStep = -1;
        let step = 0;
        const observe = () => {
          if (observedStep === step) return;
          observedStep = step;
          const n = Math.floor((s + 1) * 5 * (0.5 + rnd()));
          for (let r = 0; r < n; r++) {
            const lat = Math.exp(Math.log(0.05 * (1 + s / 3)) + gauss());
            sum += lat;
            cnt++;
            for (let j = 0; j < les.length; j++) if (lat <= les[j]!) cum[j]!++;
          }
        };
        const fam = `bench_latency_${m}_seconds`;
        les.forEach((le, j) => {
          gens.push({
            labels: { __name__: `${fam}_bucket`, ...base, handler: `h${s}`, le: le === Infinity ? '+Inf' : String(le) },
            next: () => (j === 0 ? (step++, observe()) : observe(), cum[j]!),
          });
        });
        gens.push({ labels: { __name__: `${fam}_sum`, ...base, handler: `h${s}` }, next: () => (observe(), sum) });
        gens.push({ labels: { __name__: `${fam}_count`, ...base, handler: `h${s}` }, next: () => (observe(), cnt) });
      }
    }
  }
  // One counter family of 1,000 series for the rate over many series.
  for (let s = 0; s < RATE_SERIES; s++) {
    let v = Math.floor(rnd() * 1e6);
    gens.push({ labels: { __name__: 'bench_wide_total', ...base, series: String(s) }, next: () => (v += Math.floor((s % 10 + 1) * STEP_S * (0.5 + rnd()))) });
  }
  return gens;
}

/** OpenMetrics text of a label set (values escaped as the exposition format). */
function seriesText(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.entries(rest).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `${name}{${pairs.join(',')}}`;
}

/**
 * Generates the data into a `Head` and, when `omFile` is given, the same samples as an
 * OpenMetrics file (timestamps in seconds) for `promtool`.
 */
async function load(omFile: string | null): Promise<Head> {
  const head = new Head();
  const gens = generators();
  const app0 = head.appender();
  const refs = gens.map((g) => app0.seriesRef(fromObject(g.labels)));
  app0.commit();
  const names = gens.map((g) => seriesText(g.labels));
  const out = omFile ? createWriteStream(omFile) : null;
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) {
    const app = head.appender();
    const tS = START_S + k * STEP_S;
    let text = '';
    for (let i = 0; i < gens.length; i++) {
      const v = gens[i]!.next();
      app.append(refs[i]!, tS * 1000, v);
      if (out) text += `${names[i]} ${v} ${tS}\n`;
    }
    app.commit();
    if (out && !out.write(text)) await once(out, 'drain');
  }
  if (out) {
    out.end('# EOF\n');
    await once(out, 'finish');
  }
  const ms = performance.now() - t0;
  console.log(`generated ${gens.length} series × ${steps} samples (${((gens.length * steps) / 1e6).toFixed(2)} M) in ${ms.toFixed(0)} ms`);
  return head;
}

/** One query of the set: range (last hour, 15 s steps) or instant (60 s before the end). */
interface BenchQuery {
  kind: 'range' | 'instant';
  expr: string;
}

const QUERIES: BenchQuery[] = [
  { kind: 'range', expr: 'rate(bench_wide_total[5m])' },
  { kind: 'range', expr: 'rate(bench_requests_0_total[5m])' },
  { kind: 'range', expr: 'sum by (code) (rate(bench_requests_0_total[5m]))' },
  { kind: 'range', expr: 'histogram_quantile(0.95, sum by (le) (rate(bench_latency_2_seconds_bucket[5m])))' },
  { kind: 'instant', expr: 'count({__name__=~".+"})' },
];

const END_MS = END_S * 1000;
const RANGE_START_MS = END_MS - 3600_000;

/** Timing of one query: first call and the median of REPS calls, ms, and what it returned. */
interface Timing {
  first: number;
  median: number;
  shape: string;
}

async function timeIt(run: () => Promise<string> | string): Promise<Timing> {
  const f0 = performance.now();
  const shape = await run();
  const first = performance.now() - f0;
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { first, median: times[Math.floor(times.length / 2)]!, shape };
}

function engineShape(r: QueryResult): string {
  const v = r.value;
  if (v.type === 'matrix') return `series=${v.series.length} points=${v.series.reduce((n, s) => n + s.ts.length, 0)}`;
  if (v.type === 'vector') return `series=${v.samples.length}${v.samples.length === 1 ? ` value=${v.samples[0]!.v}` : ''}`;
  return v.type;
}

/** Runs `q` against a Prometheus-compatible `/api/v1` and describes the answer like {@link engineShape}. */
async function httpQuery(base: string, q: BenchQuery): Promise<string> {
  const p = new URLSearchParams({ query: q.expr });
  if (q.kind === 'range') {
    p.set('start', String(RANGE_START_MS / 1000));
    p.set('end', String(END_S));
    p.set('step', String(STEP_S));
  } else p.set('time', String(END_S - 60));
  const res = await fetch(`${base}/api/v1/${q.kind === 'range' ? 'query_range' : 'query'}?${p}`);
  const j = (await res.json()) as { status: string; error?: string; data?: { result: { value?: [number, string]; values?: [number, string][] }[] } };
  if (j.status !== 'success') return `error: ${j.error}`;
  const r = j.data!.result;
  if (q.kind === 'range') {
    let points = 0;
    let sum = 0;
    for (const s of r) {
      for (const [, v] of s.values ?? []) {
        points++;
        sum += Number(v);
      }
    }
    return `series=${r.length} points=${points} sum=${sum.toPrecision(10)}`;
  }
  return `series=${r.length}${r.length === 1 ? ` value=${r[0]!.value![1]}` : ''}`;
}

async function timeHttp(base: string): Promise<Timing[]> {
  const out: Timing[] = [];
  for (const q of QUERIES) out.push(await timeIt(() => httpQuery(base, q)));
  return out;
}

/** Lookout's `/api/v1` over `head` with the query worker pool, as `lookout server` serves it. */
async function lookoutHttp(head: Head): Promise<Timing[]> {
  const pool = new QueryPool({ storage: head, engine: {} });
  const app = await buildApp({
    listenAddress: '127.0.0.1:0',
    name: 'bench',
    enableLifecycle: false,
    isReady: () => true,
    apiV1: { storage: head, engine: new Engine(), configText: () => '', flags: {}, runtimeInfo: () => ({}), buildInfo: {}, queryRunner: pool },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  try {
    return await timeHttp(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`);
  } finally {
    await app.close();
    await pool.close();
  }
}

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const addr = s.address();
  s.close();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

/** Backfills `omFile` into a Prometheus TSDB, serves it with the real Prometheus and times the queries. */
async function prometheusHttp(dir: string, omFile: string): Promise<Timing[] | string> {
  const data = join(dir, 'prometheus-data');
  const t0 = performance.now();
  const backfill = spawnSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', omFile, data], { encoding: 'utf8' });
  if (backfill.status !== 0) return `promtool failed: ${backfill.stderr || backfill.stdout}`;
  console.log(`promtool backfill: ${(performance.now() - t0).toFixed(0)} ms`);
  writeFileSync(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\n');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = once(child, 'exit');
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) return `prometheus exited: ${log.slice(-500)}`;
      if (Date.now() > deadline) return `prometheus not ready after 60 s: ${log.slice(-500)}`;
      const ok = await fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return await timeHttp(base);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  }
}

const side = existsSync(PROMETHEUS) && existsSync(PROMTOOL);
const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-promql-'));
try {
  const omFile = side ? join(dir, 'data.om.txt') : null;
  const head = await load(omFile);
  const engine = new Engine();
  const direct: Timing[] = [];
  for (const q of QUERIES) {
    direct.push(
      await timeIt(() =>
        engineShape(
          q.kind === 'range'
            ? engine.rangeQuery(head, q.expr, RANGE_START_MS, END_MS, STEP_S * 1000)
            : engine.instantQuery(head, q.expr, END_MS - 60_000),
        ),
      ),
    );
  }
  const http = await lookoutHttp(head);
  const prom = side ? await prometheusHttp(dir, omFile!) : 'not installed';
  if (typeof prom === 'string') console.log(`Prometheus: ${prom}`);
  console.log(`median of ${REPS} calls (first call in parentheses), ms; ratio = Lookout HTTP / Prometheus`);
  console.log(['query', 'lookout_engine_ms', 'lookout_http_ms', 'prometheus_ms', 'ratio', 'lookout_result', 'prometheus_result'].join('\t'));
  const fmt = (t: Timing) => `${t.median.toFixed(1)} (${t.first.toFixed(1)})`;
  QUERIES.forEach((q, i) => {
    const p = typeof prom === 'string' ? null : prom[i]!;
    console.log(
      [
        `${q.kind} ${q.expr}`,
        fmt(direct[i]!),
        fmt(http[i]!),
        p ? fmt(p) : '-',
        p ? (http[i]!.median / p.median).toFixed(2) : '-',
        http[i]!.shape,
        p ? p.shape : '-',
      ].join('\t'),
    );
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
