/**
 * Side by side with the real Prometheus (Debian 2.42): both scrape the same target, which serves
 * constant values, and must answer the same API requests with the same JSON — results, label and
 * series endpoints, and the errors for bad requests. This is how Grafana-compatibility is checked
 * here (Grafana itself is not packaged for this machine). Lookout follows Prometheus 3.x where
 * 3.x changed answers; the requests here avoid those edges (e.g. an empty query, whose error
 * position 3.x reports as "unknown position", or `avg` of values whose sum is inexact, which 3.x
 * computes with a compensated sum and 2.42 with an incremental mean).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, haveProgram, LOOKOUT_BIN, startNode, startProgram, stopAll, waitFor, QUIET_ALERTMANAGER_FLAG } from '../support/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';
const hasPrometheus = haveProgram(PROMETHEUS);
let dir: string;
let target: Server;
let prom: string;
let lookout: string;
/** An evaluation time (s) at which both servers hold samples within the lookback window. */
let evalTime: number;

const BODY = `# HELP compat_gauge A gauge with fixed values.
# TYPE compat_gauge gauge
compat_gauge{path="/api",code="200"} 12.5
compat_gauge{path="/api",code="500"} 0.25
compat_gauge{path="/web",code="200"} 3e-7
compat_gauge{path="/esc",code="200",name="a\\\\b \\"q\\" line1\\nline2"} 7
# HELP compat_requests_total Requests.
# TYPE compat_requests_total counter
compat_requests_total{method="GET"} 100
compat_requests_total{method="POST"} 40
# TYPE compat_latency_seconds histogram
compat_latency_seconds_bucket{le="0.1"} 10
compat_latency_seconds_bucket{le="0.5"} 30
compat_latency_seconds_bucket{le="1"} 38
compat_latency_seconds_bucket{le="+Inf"} 40
compat_latency_seconds_sum 12
compat_latency_seconds_count 40
`;

async function get(base: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(base + path);
  return { status: res.status, body: await res.json() };
}

/** Sorts result arrays so order differences in equal sets don't matter. */
function normalise(body: any): any {
  if (body?.data?.result && Array.isArray(body.data.result) && body.data.resultType !== 'scalar' && body.data.resultType !== 'string') {
    body.data.result.sort((a: any, b: any) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));
  }
  if (Array.isArray(body?.data) && typeof body.data[0] === 'object') {
    body.data.sort((a: any, b: any) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return body;
}

beforeAll(async () => {
  if (!hasPrometheus) return;
  dir = mkdtempSync(join(tmpdir(), 'lookout-compat-'));
  target = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(BODY));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const addr = target.address();
  const targetAddr = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: compat\n    static_configs: [ { targets: ['${targetAddr}'] } ]\n`,
  );
  const [pp, lp] = await Promise.all([freePort(), freePort()]);
  prom = `http://127.0.0.1:${pp}`;
  lookout = `http://127.0.0.1:${lp}`;
  startProgram(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${pp}`]);
  startNode(LOOKOUT_BIN, [
    'server',
    QUIET_ALERTMANAGER_FLAG,
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'lookout')}`,
    `--web.listen-address=127.0.0.1:${lp}`,
    '--hostmetrics.enable=false',
  ]);
  for (const base of [prom, lookout]) {
    await waitFor(`${base} has scraped twice`, 30_000, async () => {
      const r: any = (await get(base, `/api/v1/query?query=count_over_time(up[1m])`)).body;
      return Number(r?.data?.result?.[0]?.value?.[1] ?? 0) >= 2;
    });
  }
  // both have scraped at least twice; 3 s more puts [evalTime - 2.5 s, evalTime] inside both servers' data
  await new Promise((r) => setTimeout(r, 3000));
  evalTime = Math.round(Date.now() - 500) / 1000;
}, 60_000);

afterAll(async () => {
  await stopAll();
  target?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasPrometheus)('same answers as Prometheus 2.42', () => {
  const instant = [
    'compat_gauge',
    'compat_gauge{path=~"/a.*"}',
    'compat_gauge{name="a\\\\b \\"q\\" line1\\nline2"}',
    'sum by (code) (compat_gauge)',
    'sum without (path) (compat_gauge)',
    'avg(compat_requests_total)',
    'max by (path) (compat_gauge) * 2',
    'topk(2, compat_gauge)',
    'count(compat_gauge) by (code)',
    'compat_gauge > 1',
    'compat_gauge > bool 1',
    'compat_requests_total / ignoring(method) group_left sum(compat_requests_total)',
    'histogram_quantile(0.9, compat_latency_seconds_bucket)',
    'histogram_quantile(0.5, sum by (le) (compat_latency_seconds_bucket))',
    'label_replace(compat_gauge, "p", "$1", "path", "/(.*)")',
    'absent(nonexistent{job="x"})',
    'vector(1) + 2',
    'scalar(sum(compat_requests_total))',
    '0x10 + 0755',
    'clamp(compat_gauge, 1, 10)',
    'abs(-compat_gauge)',
    'compat_gauge offset 1s unless compat_gauge{code="500"}',
    'compat_gauge unless on(code) compat_gauge{code="500"}',
    'up{job="compat"} == 1',
  ];
  for (const q of instant) {
    it(`query ${q}`, async () => {
      const path = `/api/v1/query?query=${encodeURIComponent(q)}&time=${evalTime}`;
      const [a, b] = await Promise.all([get(prom, path), get(lookout, path)]);
      expect(normalise(b)).toEqual(normalise(a));
    });
  }

  it('range query over constant series', async () => {
    const path = `/api/v1/query_range?query=${encodeURIComponent('sum by (code) (compat_gauge)')}&start=${evalTime - 2}&end=${evalTime}&step=0.5`;
    const [a, b] = await Promise.all([get(prom, path), get(lookout, path)]);
    expect(normalise(b)).toEqual(normalise(a));
  });

  const metadata = [
    '/api/v1/series?match[]=compat_gauge',
    '/api/v1/series?match[]=compat_gauge{code="500"}&match[]=compat_requests_total',
    '/api/v1/labels',
    '/api/v1/labels?match[]=compat_requests_total',
    '/api/v1/label/__name__/values',
    '/api/v1/label/path/values',
    '/api/v1/label/code/values?match[]=compat_gauge{path="/api"}',
  ];
  for (const path of metadata) {
    it(`GET ${path}`, async () => {
      const [a, b] = await Promise.all([get(prom, path), get(lookout, path)]);
      expect(normalise(b)).toEqual(normalise(a));
    });
  }

  const errors = [
    '/api/v1/query?query=sum(rate(x[5m])',
    '/api/v1/query?query=foo{',
    '/api/v1/query?query=up%20%2B',
    '/api/v1/query?query=rate(up)',
    '/api/v1/query?query=up&time=abc',
    '/api/v1/query_range?query=up&start=10&end=5&step=1',
    '/api/v1/query_range?query=up&start=1&end=5&step=0',
    '/api/v1/query_range?query=up&start=1&end=50000&step=1',
    '/api/v1/query_range?query=up&end=5&step=1',
    '/api/v1/query_range?query=up&start=1&end=5&step=abc',
    '/api/v1/series',
  ];
  for (const path of errors) {
    it(`error for ${path}`, async () => {
      const [a, b] = await Promise.all([get(prom, path), get(lookout, path)]);
      expect(b).toEqual(a);
    });
  }

  it('metadata from HELP and TYPE lines', async () => {
    const path = '/api/v1/metadata?metric=compat_gauge';
    const [a, b] = await Promise.all([get(prom, path), get(lookout, path)]);
    expect(b).toEqual(a);
  });
});
