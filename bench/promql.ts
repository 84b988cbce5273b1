/**
 * PromQL engine benchmark: loads ~1,000 series × 1 day at 15 s (the series shape of
 * `shared/bench/gen-openmetrics.mjs` for one instance: counters, gauges, classic histograms) into
 * a `Head`, then times the four queries of `shared/bench/query-bench.sh` (range queries over the
 * last hour at 15 s steps, the instant query 60 s before the end): first call, then the median of
 * REPS (default 7) calls. Run: `npx tsx bench/promql.ts` (env HOURS, REPS).
 */
import { fromObject } from '../src/model/labels.js';
import { Engine } from '../src/promql/index.js';
import type { QueryResult } from '../src/promql/value.js';
import { Head } from '../src/tsdb/head.js';

const HOURS = Number(process.env.HOURS ?? 24);
const REPS = Number(process.env.REPS ?? 7);
const STEP_S = 15;
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
  return gens;
}

function load(): Head {
  const head = new Head();
  const gens = generators();
  const app0 = head.appender();
  const refs = gens.map((g) => app0.seriesRef(fromObject(g.labels)));
  app0.commit();
  const t0 = performance.now();
  for (let k = 0; k < steps; k++) {
    const app = head.appender();
    const t = (START_S + k * STEP_S) * 1000;
    for (let i = 0; i < gens.length; i++) app.append(refs[i]!, t, gens[i]!.next());
    app.commit();
  }
  const ms = performance.now() - t0;
  console.log(`loaded ${gens.length} series × ${steps} samples (${((gens.length * steps) / 1e6).toFixed(2)} M) in ${ms.toFixed(0)} ms`);
  return head;
}

function describe(r: QueryResult): string {
  const v = r.value;
  if (v.type === 'matrix') return `series=${v.series.length} points=${v.series.reduce((n, s) => n + s.ts.length, 0)}`;
  if (v.type === 'vector') return `series=${v.samples.length}${v.samples.length === 1 ? ` value=${v.samples[0]!.v}` : ''}`;
  return v.type;
}

function time(label: string, run: () => QueryResult): void {
  const f0 = performance.now();
  const first = run();
  const firstMs = performance.now() - f0;
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `${label}\tmedian_ms=${median.toFixed(1)}\tmin_ms=${times[0]!.toFixed(1)}\tmax_ms=${times[times.length - 1]!.toFixed(1)}\tfirst_call_ms=${firstMs.toFixed(1)}\t${describe(first)}`,
  );
}

const head = load();
const engine = new Engine();
const end = END_S * 1000;
const start = end - 3600_000;
for (const q of [
  'rate(bench_requests_0_total[5m])',
  'sum by (code) (rate(bench_requests_0_total[5m]))',
  'histogram_quantile(0.95, sum by (le) (rate(bench_latency_2_seconds_bucket[5m])))',
]) {
  time(`range\t${q}`, () => engine.rangeQuery(head, q, start, end, 15_000));
}
time('instant\tcount({__name__=~".+"})', () => engine.instantQuery(head, 'count({__name__=~".+"})', end - 60_000));
