/**
 * Exemplars kept where OpenMetrics carries them: the scrape appender hands each line's exemplar to
 * the storage, and /api/v1/query_exemplars answers as Prometheus 2.42 does for the same target
 * (side by side with the real binary, `--enable-feature=exemplar-storage`).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpositionFormat } from '../../../src/exposition/index.js';
import { fromObject } from '../../../src/model/labels.js';
import { Matcher } from '../../../src/model/matcher.js';
import { Engine } from '../../../src/promql/index.js';
import { createScrapeMetrics } from '../../../src/scrape/metrics.js';
import { appendScrape, ScrapeCache, type AppendOptions, type AppendStats } from '../../../src/scrape/index.js';
import { ExemplarStorage } from '../../../src/tsdb/exemplars.js';
import { Head } from '../../../src/tsdb/head.js';
import { buildApp } from '../../../src/web/server.js';
import { freePort, haveProgram, type Proc, startProgram, waitFor } from '../../support/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';
const T0 = 1_700_000_100_000;

const BODY = `# TYPE req counter
req_total{path="/a"} 5 # {trace_id="abc"} 1.5 1700000000.123
req_total{path="/b"} 7 # {trace_id="def",span_id=""} 2 1700000001
# TYPE lat histogram
lat_bucket{le="0.1"} 1 # {trace_id="x1",span_id="s1"} 0.05 1700000002.5
lat_bucket{le="+Inf"} 2
lat_count 2
lat_sum 0.3
# EOF
`;

function options(instance: string): AppendOptions {
  return {
    honorLabels: false,
    honorTimestamps: true,
    trackTimestampsStaleness: false,
    sampleLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
    validationScheme: 'utf8',
    targetLabels: fromObject({ instance, job: 't' }),
    metricRelabelConfigs: [],
  };
}

function scrape(head: Head, cache: ScrapeCache, body: string, t: number, format: ExpositionFormat = 'openmetrics', instance = 'h:1') {
  const stats: AppendStats = { total: 0, added: 0, seriesAdded: 0 };
  const reg = new Registry();
  const metrics = createScrapeMetrics(reg);
  const app = head.appender();
  appendScrape(app, cache, Buffer.from(body), format, t, options(instance), metrics, stats);
  app.commit();
  return reg;
}

const all = [[new Matcher('=~', '__name__', '.+')]];

describe('exemplars in scrapes', () => {
  it('stores the exemplar of each OpenMetrics line with the series labels; none from the text format', () => {
    const head = new Head({ exemplars: new ExemplarStorage(100) });
    const cache = new ScrapeCache();
    scrape(head, cache, 'a_total 1 # {trace_id="t1"} 9\nb 2 # {trace_id="t2"} 3 1700000000.5\n# EOF\n', T0);
    expect(head.exemplars!.select(-Infinity, Infinity, all)).toEqual([
      { seriesLabels: ['__name__', 'a_total', 'instance', 'h:1', 'job', 't'], exemplars: [{ labels: ['trace_id', 't1'], value: 9, ts: T0 }] },
      { seriesLabels: ['__name__', 'b', 'instance', 'h:1', 'job', 't'], exemplars: [{ labels: ['trace_id', 't2'], value: 3, ts: 1_700_000_000_500 }] },
    ]);
    // The same exemplar without a timestamp in the next scrape is a duplicate: nothing added.
    scrape(head, cache, 'a_total 2 # {trace_id="t1"} 9\n# EOF\n', T0 + 15_000);
    expect(head.exemplars!.size).toBe(2);
    const text = new Head({ exemplars: new ExemplarStorage(100) });
    scrape(text, new ScrapeCache(), 'a_total 1\n', T0, 'text');
    expect(text.exemplars!.size).toBe(0);
  });

  it('counts out-of-order exemplars in prometheus_target_scrapes_exemplar_out_of_order_total, never failing the scrape', async () => {
    const head = new Head({ exemplars: new ExemplarStorage(100) });
    const cache = new ScrapeCache();
    scrape(head, cache, 'a_total 1 # {trace_id="t1"} 9 1700000000\n# EOF\n', T0);
    const reg = scrape(head, cache, 'a_total 2 # {trace_id="t0"} 8 1699999999\n# EOF\n', T0 + 15_000);
    expect(await reg.metrics()).toMatch(/^prometheus_target_scrapes_exemplar_out_of_order_total 1$/m);
    expect(head.querier(0, Infinity).select(all[0]!, 0, Infinity)[0]!.count).toBe(2);
    expect(head.exemplars!.size).toBe(1);
  });

  describe.runIf(haveProgram(PROMETHEUS))('side by side with Prometheus 2.42', () => {
    let target: Server;
    let prom: Proc;
    let base = '';
    let instance = '';
    let app: FastifyInstance;
    const dir = mkdtempSync(join(tmpdir(), 'lookout-exemplar-side-'));
    beforeAll(async () => {
      target = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
        res.end(BODY);
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      const addr = target.address();
      instance = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      const cfg = join(dir, 'prometheus.yml');
      writeFileSync(cfg, `global:\n  scrape_interval: 1s\nscrape_configs:\n- job_name: t\n  static_configs:\n  - targets: ['${instance}']\n`);
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      prom = startProgram(PROMETHEUS, [`--config.file=${cfg}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--enable-feature=exemplar-storage']);
      const head = new Head({ exemplars: new ExemplarStorage(100) });
      scrape(head, new ScrapeCache(), BODY, T0, 'openmetrics', instance);
      app = await buildApp({
        listenAddress: '127.0.0.1:0',
        name: 'Test',
        enableLifecycle: false,
        isReady: () => true,
        apiV1: {
          storage: head,
          engine: new Engine(),
          configText: () => '',
          flags: {},
          runtimeInfo: () => ({}),
          buildInfo: {},
          exemplars: (mint, maxt, sets) => head.exemplars!.select(mint, maxt, sets),
        },
      });
      await waitFor('Prometheus to store the exemplars', 60_000, async () => {
        const r = (await (await fetch(`${base}/api/v1/query_exemplars?query=${encodeURIComponent('{job="t"}')}`)).json()) as { data: unknown[] };
        return r.data.length === 3;
      });
    }, 90_000);
    afterAll(async () => {
      await prom?.stop();
      await app?.close();
      await new Promise<void>((resolve) => target.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    });

    // An empty query is left out: Lookout's parser words that error as Prometheus 3.x does
    // ("unknown position: …"), 2.42 says "1:1: …".
    it('answers query_exemplars with the same status and body', async () => {
      const queries = [
        'query=req_total',
        'query=lat_bucket%2Breq_total&start=1700000000.5&end=1700000001.5',
        'query=rate(req_total[5m])&start=1700000001',
        'query=1',
        'query=req_total&start=10&end=5',
        'query=req_total{',
        'query=nothing_here',
      ];
      for (const q of queries) {
        const r = await fetch(`${base}/api/v1/query_exemplars?${q}`);
        const upstream = { q, status: r.status, body: await r.text() };
        const ours = await app.inject({ method: 'GET', url: `/api/v1/query_exemplars?${q}` });
        expect({ q, status: ours.statusCode, body: ours.body }).toEqual(upstream);
      }
    });
  });
});
