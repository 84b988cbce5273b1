/**
 * How long API queries block the event loop: serves `/api/v1` over a `Head` of 200 series × 20,000
 * samples (15 s apart, ~3.5 days) on 127.0.0.1, runs heavy queries one at a time, and meanwhile
 * probes `/-/healthy` every 20 ms. Prints each query's status and duration and the longest
 * `/-/healthy` answer, first with queries evaluated in-process, then in the query pool's worker
 * threads. Run: `npm run bench:query` (about a minute).
 */
import type { FastifyInstance } from 'fastify';
import { fromObject } from '../src/model/labels.js';
import { Engine } from '../src/promql/index.js';
import { Head } from '../src/tsdb/head.js';
import { QueryPool } from '../src/web/query-pool.js';
import { buildApp } from '../src/web/server.js';

const SERIES = 200;
const POINTS = 20_000;
const STEP_MS = 15_000;

const head = new Head();
let app = head.appender();
const refs = Array.from({ length: SERIES }, (_, s) => app.seriesRef(fromObject({ __name__: 'm', s: String(s) })));
for (let i = 0; i < POINTS; i++) {
  for (let s = 0; s < SERIES; s++) app.append(refs[s]!, i * STEP_MS, i + s * 0.5);
  if (i % 200 === 199) {
    app.commit();
    app = head.appender();
  }
}
app.commit();

const end = ((POINTS - 1) * STEP_MS) / 1000;
const enc = encodeURIComponent;
const QUERIES = [
  ['median over 1 d windows, 6 h of steps', `/api/v1/query_range?query=${enc('quantile_over_time(0.5, m[1d])')}&start=${end - 21_600}&end=${end}&step=600`],
  ['sum of every sample (4 M decoded)', `/api/v1/query_range?query=${enc('sum(m)')}&start=0&end=${end}&step=60`],
  ['the median again with timeout=1s', `/api/v1/query_range?query=${enc('quantile_over_time(0.5, m[1d])')}&start=${end - 86_400}&end=${end}&step=600&timeout=1s`],
];

async function measure(label: string, fastify: FastifyInstance): Promise<void> {
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const addr = fastify.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  await fetch(`${base}/api/v1/query?query=1`);
  for (const [what, path] of QUERIES) {
    let done = false;
    let worst = 0;
    const t0 = performance.now();
    const answer = fetch(base + path).then(async (r) => {
      await r.text();
      done = true;
      return r.status;
    });
    while (!done) {
      const p0 = performance.now();
      await fetch(`${base}/-/healthy`);
      worst = Math.max(worst, performance.now() - p0);
      await new Promise((r) => setTimeout(r, 20));
    }
    const status = await answer;
    const ms = (performance.now() - t0).toFixed(0);
    console.log(`${label.padEnd(10)} ${what.padEnd(40)} HTTP ${status} in ${ms.padStart(6)} ms; longest /-/healthy ${worst.toFixed(0).padStart(6)} ms`);
  }
  await fastify.close();
}

const deps = { storage: head, engine: new Engine(), configText: () => '', flags: {}, runtimeInfo: () => ({}), buildInfo: {} };
const opts = { listenAddress: '127.0.0.1:0', name: 'bench', enableLifecycle: false, isReady: () => true };
await measure('in-process', await buildApp({ ...opts, apiV1: deps }));
const pool = new QueryPool({ storage: head, engine: {} });
await measure('workers', await buildApp({ ...opts, apiV1: { ...deps, queryRunner: pool } }));
await pool.close();
