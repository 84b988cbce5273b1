/**
 * The scrape manager against real HTTP targets on 127.0.0.1: scrape results, target health and
 * errors (cases 06–09), HTTP behaviour (headers, gzip, limits, timeouts, auth), config
 * reconciliation, file_sd, the targets and metadata API data.
 */
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { Logger } from '../../../src/log.js';
import { ScrapeManager } from '../../../src/scrape/index.js';
import type { TargetsJSON } from '../../../src/scrape/api.js';
import { RecordingStorage } from './fake-storage.js';
import { body, serve, waitFor, type TestTarget } from './serve.js';

/** A logger that writes nothing (error paths are exercised on purpose). */
class QuietLogger extends Logger {
  override with(): Logger {
    return this;
  }
  override warn(): void {}
  override error(): void {}
}
const quiet = new QuietLogger();

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function target(handler: Parameters<typeof serve>[0]): Promise<TestTarget> {
  const t = await serve(handler);
  cleanups.push(() => t.close());
  return t;
}

function manager(storage = new RecordingStorage(), registry?: Registry): { m: ScrapeManager; storage: RecordingStorage } {
  const m = new ScrapeManager({ storage, log: quiet, registry, hostname: 'test-host' });
  cleanups.push(() => m.stop());
  return { m, storage };
}

function config(yaml: string, file = '/tmp/lookout-test/prometheus.yml') {
  return parsePrometheusConfig(file, yaml);
}

function job(name: string, targets: string[], extra = '', interval = '200ms'): string {
  return `  - job_name: ${name}\n    scrape_interval: ${interval}\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n${extra}`;
}

function targets(m: ScrapeManager, state?: string): TargetsJSON {
  return m.targetsApi(state) as TargetsJSON;
}

function health(m: ScrapeManager, instance: string) {
  return targets(m).activeTargets.find((t) => t.labels.instance === instance);
}

describe('scraping', () => {
  it('case 06: stores decoded label values, up=1 and the report series; shows the target up', async () => {
    const t = await target(
      body('# TYPE metric_foo_bar gauge\nmetric_foo_bar{name="\\"bar\\""} 1\nmetric_foo_bar{name="a\\\\b"} 2\nmetric_foo_bar{name="line1\\nline2"} 3\n'),
    );
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('app', [t.address])}`));
    await waitFor(() => storage.of('up').length > 0, 5000, 'first scrape');
    expect(storage.of('metric_foo_bar').map((s) => [s.labels, s.v])).toEqual([
      [{ __name__: 'metric_foo_bar', instance: t.address, job: 'app', name: '"bar"' }, 1],
      [{ __name__: 'metric_foo_bar', instance: t.address, job: 'app', name: 'a\\b' }, 2],
      [{ __name__: 'metric_foo_bar', instance: t.address, job: 'app', name: 'line1\nline2' }, 3],
    ]);
    const up = storage.of('up')[0]!;
    expect([up.labels, up.v]).toEqual([{ __name__: 'up', instance: t.address, job: 'app' }, 1]);
    const first = storage.samples.filter((s) => s.t === up.t);
    expect(first.map((s) => [s.name, s.name === 'scrape_duration_seconds' ? 'd' : s.v])).toEqual([
      ['metric_foo_bar', 1],
      ['metric_foo_bar', 2],
      ['metric_foo_bar', 3],
      ['up', 1],
      ['scrape_duration_seconds', 'd'],
      ['scrape_samples_scraped', 3],
      ['scrape_samples_post_metric_relabeling', 3],
      ['scrape_series_added', 3],
    ]);
    expect(storage.commits).toBeGreaterThanOrEqual(1);
    const at = health(m, t.address)!;
    expect(at).toMatchObject({
      scrapePool: 'app',
      scrapeUrl: `http://${t.address}/metrics`,
      globalUrl: `http://${t.address}/metrics`,
      lastError: '',
      health: 'up',
      scrapeInterval: '200ms',
      scrapeTimeout: '200ms',
      labels: { instance: t.address, job: 'app' },
    });
    expect(at.discoveredLabels).toMatchObject({ __address__: t.address, __metrics_path__: '/metrics', __scheme__: 'http', job: 'app' });
    expect(Date.parse(at.lastScrape)).toBeGreaterThan(0);
    expect(typeof at.lastScrapeDuration).toBe('number');
  });

  it('sends the Accept, Accept-Encoding, timeout and auth headers; inflates gzip', async () => {
    const t = await target((req, res) => {
      const gz = (req.headers['accept-encoding'] ?? '').includes('gzip');
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', ...(gz ? { 'content-encoding': 'gzip' } : {}) });
      res.end(gz ? gzipSync('zipped 7\n') : 'plain 7\n');
    });
    const { m, storage } = manager();
    m.applyConfig(
      config(`scrape_configs:\n${job('app', [t.address], "    scrape_timeout: 150ms\n    basic_auth: {username: u, password: p}\n    params: {x: ['1']}\n")}`),
    );
    await waitFor(() => storage.of('zipped').length > 0, 5000, 'gzip scrape');
    const req = t.requests[0]!;
    expect(req.url).toBe('/metrics?x=1');
    expect(req.headers.accept).toBe(
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
    expect(req.headers['accept-encoding']).toBe('gzip');
    expect(req.headers['x-prometheus-scrape-timeout-seconds']).toBe('0.15');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(req.headers['user-agent']).toBe('Lookout');
    expect(storage.of('zipped')[0]!.v).toBe(7);
  });

  it('extra_scrape_metrics adds scrape_timeout_seconds, scrape_sample_limit and scrape_body_size_bytes', async () => {
    const t = await target(body('x 1\n'));
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('extra', [t.address], '    extra_scrape_metrics: true\n    sample_limit: 50\n    scrape_timeout: 150ms\n')}`));
    await waitFor(() => storage.of('scrape_body_size_bytes').length > 0, 5000, 'scrape');
    expect([storage.of('scrape_timeout_seconds')[0]!.v, storage.of('scrape_sample_limit')[0]!.v, storage.of('scrape_body_size_bytes')[0]!.v]).toEqual([
      0.15, 50, 4,
    ]);
  });

  it('case 07: a hex sample value marks the target down, writes up=0 and stores nothing', async () => {
    const t = await target(body('testmetric 0x1p0\n'));
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('hex', [t.address])}`));
    await waitFor(() => storage.of('up').length > 0, 5000, 'first scrape');
    expect(storage.of('up')[0]!.v).toBe(0);
    expect(storage.of('testmetric')).toEqual([]);
    const at = health(m, t.address)!;
    expect(at.health).toBe('down');
    expect(at.lastError).not.toBe('');
  });

  it('case 08: an OpenMetrics body without # EOF fails, with # EOF it is stored', async () => {
    const om = 'application/openmetrics-text; version=1.0.0';
    const t = await target(body('# TYPE om_gauge gauge\nom_gauge 1\n', om));
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('om', [t.address])}`));
    await waitFor(() => storage.of('up').length > 0, 5000, 'first scrape');
    expect(storage.of('up')[0]!.v).toBe(0);
    expect(health(m, t.address)!.lastError).toContain('EOF');
    expect(storage.of('om_gauge')).toEqual([]);
    t.handler = body('# TYPE om_gauge gauge\nom_gauge 1\n# EOF\n', om);
    await waitFor(() => storage.of('om_gauge').length > 0, 5000, 'scrape with EOF');
    expect(storage.of('om_gauge')[0]!.v).toBe(1);
    await waitFor(() => health(m, t.address)!.health === 'up', 5000, 'target up');
  });

  it('case 09 B: a constant relabel rule labels every target and its series', async () => {
    const t = await target(body('x 1\n'));
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('env', [t.address], '    relabel_configs:\n      - {target_label: env, replacement: prod}\n')}`));
    await waitFor(() => storage.of('x').length > 0, 5000, 'scrape');
    expect(health(m, t.address)!.labels).toEqual({ env: 'prod', instance: t.address, job: 'env' });
    expect(storage.of('x')[0]!.labels).toEqual({ __name__: 'x', env: 'prod', instance: t.address, job: 'env' });
    expect(storage.of('up')[0]!.labels.env).toBe('prod');
  });

  it('reports HTTP errors, timeouts, body size limit and missing Content-Type as upstream', async () => {
    const err500 = await target((_q, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    const slow = await target((_q, res) => {
      setTimeout(() => {
        if (!res.destroyed) body('late 1\n')(_q, res);
      }, 2000);
    });
    const big = await target(body(`big ${'1'.repeat(2000)}\n`));
    const noType = await target((_q, res) => {
      res.writeHead(200);
      res.end('notype 1\n');
    });
    const { m } = manager();
    m.applyConfig(
      config(
        `scrape_configs:\n${job('e500', [err500.address])}${job('slow', [slow.address], '    scrape_timeout: 100ms\n')}${job('big', [big.address], '    body_size_limit: 1KB\n')}${job('notype', [noType.address])}`,
      ),
    );
    const errorOf = (a: string) => health(m, a)?.lastError ?? '';
    await waitFor(() => [err500, slow, big, noType].every((t) => errorOf(t.address) !== ''), 5000, 'all targets failing');
    expect(errorOf(err500.address)).toBe('server returned HTTP status 500 Internal Server Error');
    expect(errorOf(slow.address)).toBe(`Get "http://${slow.address}/metrics": context deadline exceeded`);
    expect(errorOf(big.address)).toBe('body size limit exceeded');
    expect(errorOf(noType.address)).toBe('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
    m.applyConfig(config(`scrape_configs:\n${job('notype', [noType.address], '    fallback_scrape_protocol: PrometheusText0.0.4\n')}`));
    await waitFor(() => health(m, noType.address)?.health === 'up', 5000, 'fallback protocol');
  });

  it('stores each scrape exactly while the body size changes from scrape to scrape (reused body buffer)', async () => {
    // Lines per scrape: a smaller body into the last one's buffer, growing past it, shrinking
    // below a quarter of it (the buffer is dropped), a body over the size limit, growing again,
    // then smaller again; gzip on every other scrape.
    const lines = [400, 300, 5000, 2, 60_000, 60, 5000, 4000];
    const served: number[] = [];
    const t = await target((req, res) => {
      const k = served.length;
      const n = lines[Math.min(k, lines.length - 1)]!;
      served.push(n);
      const text = Array.from({ length: n }, (_, i) => `m_${i % 7}{i="${i}"} ${k * 100_000 + i}\n`).join('');
      const gz = k % 2 === 1 && (req.headers['accept-encoding'] ?? '').includes('gzip');
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', ...(gz ? { 'content-encoding': 'gzip' } : {}) });
      res.end(gz ? gzipSync(text) : text);
    });
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('sizes', [t.address], '    body_size_limit: 1MB\n', '100ms')}`));
    await waitFor(() => storage.of('up').length >= lines.length, 15_000, 'all scrapes');
    const ups = storage.of('up').slice(0, lines.length);
    for (let k = 0; k < lines.length; k++) {
      const got = storage.samples.filter((x) => x.t === ups[k]!.t && x.name.startsWith('m_') && !x.stale);
      if (lines[k]! === 60_000) {
        // About 1.5 MB: over the limit, so nothing of it is stored and the target is down.
        expect([got.length, ups[k]!.v]).toEqual([0, 0]);
        continue;
      }
      expect(ups[k]!.v).toBe(1);
      expect(got.map((x) => x.v)).toEqual(Array.from({ length: served[k]! }, (_, i) => k * 100_000 + i));
      expect(got.map((x) => x.labels.i)).toEqual(Array.from({ length: served[k]! }, (_, i) => String(i)));
    }
  });

  it('reports a refused connection', async () => {
    const t = await target(body('x 1\n'));
    const addr = t.address;
    await t.close();
    const { m } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('gone', [addr])}`));
    await waitFor(() => (health(m, addr)?.lastError ?? '') !== '', 5000, 'error');
    expect(health(m, addr)!.lastError).toBe(`Get "http://${addr}/metrics": dial tcp ${addr}: connect: connection refused`);
  });
});

describe('reconciliation', () => {
  it('keeps unchanged targets running, starts new ones and stale-marks removed ones', async () => {
    const a = await target(body('a_metric 1\n'));
    const b = await target(body('b_metric 1\n'));
    const c = await target(body('c_metric 1\n'));
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('j', [a.address, b.address])}`));
    await waitFor(() => storage.of('a_metric').length >= 2 && storage.of('b_metric').length >= 1, 5000, 'a and b scraped');
    const before = a.requests.length;
    m.applyConfig(config(`global:\n  external_labels: {x: y}\nscrape_configs:\n${job('j', [a.address, c.address])}`));
    await waitFor(() => storage.of('c_metric').length > 0, 5000, 'c scraped');
    await waitFor(() => storage.of('b_metric').some((s) => s.stale), 5000, 'b stale');
    const bStale = storage.of('b_metric').filter((s) => s.stale);
    expect(bStale.length).toBe(1);
    expect(storage.of('up').some((s) => s.labels.instance === b.address && s.stale)).toBe(true);
    // a kept its loop: requests continue at the same interval and no sample of a is stale.
    await waitFor(() => a.requests.length >= before + 2, 5000, 'a still scraped');
    expect(storage.of('a_metric').some((s) => s.stale)).toBe(false);
    const aTimes = storage.of('a_metric').map((s) => s.t);
    for (let i = 1; i < aTimes.length; i++) expect(aTimes[i]! - aTimes[i - 1]!).toBeGreaterThan(0);
    expect(targets(m).activeTargets.map((t) => t.labels.instance).sort()).toEqual([a.address, c.address].sort());
  });

  it('a changed timeout restarts the loop with its cache: no staleness markers', async () => {
    const a = await target(body('a_metric 1\n'));
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('j', [a.address])}`));
    await waitFor(() => storage.of('a_metric').length >= 1, 5000, 'scraped');
    m.applyConfig(config(`scrape_configs:\n${job('j', [a.address], '    scrape_timeout: 150ms\n')}`));
    await waitFor(() => health(m, a.address)?.scrapeTimeout === '150ms', 5000, 'new timeout');
    const n = storage.of('a_metric').length;
    await waitFor(() => storage.of('a_metric').length >= n + 2, 5000, 'scraped after reload');
    await new Promise((r) => setTimeout(r, 600));
    expect(storage.of('a_metric').some((s) => s.stale)).toBe(false);
    expect(storage.of('scrape_series_added').at(-1)!.v).toBe(0);
  });

  it('removing a job stale-marks its series; stop() writes no markers', async () => {
    const a = await target(body('a_metric 1\n'));
    const b = await target(body('b_metric 1\n'));
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('ja', [a.address])}${job('jb', [b.address])}`));
    await waitFor(() => storage.of('a_metric').length > 0 && storage.of('b_metric').length > 0, 5000, 'scraped');
    m.applyConfig(config(`scrape_configs:\n${job('ja', [a.address])}`));
    expect(m.scrapePools()).toEqual(['ja']);
    await waitFor(() => storage.of('b_metric').some((s) => s.stale), 5000, 'b stale');
    await m.stop();
    const count = storage.samples.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(storage.samples.length).toBe(count);
    expect(storage.of('a_metric').some((s) => s.stale)).toBe(false);
  });

  it('target_limit forces an error on every target of the pool', async () => {
    const a = await target(body('a 1\n'));
    const b = await target(body('b 1\n'));
    const { m } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('lim', [a.address, b.address], '    target_limit: 1\n')}`));
    await waitFor(() => targets(m).activeTargets.every((t) => t.health === 'down'), 5000, 'targets down');
    expect(targets(m).activeTargets.map((t) => t.lastError)).toEqual([
      'target_limit exceeded (number of targets: 2, limit: 1)',
      'target_limit exceeded (number of targets: 2, limit: 1)',
    ]);
  });
});

describe('discovery and API data', () => {
  it('file_sd: targets follow the file', async () => {
    const a = await target(body('a 1\n'));
    const b = await target(body('b 1\n'));
    const dir = mkdtempSync(join(tmpdir(), 'lookout-sd-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, content: string) => {
      writeFileSync(join(dir, `${name}.tmp`), content);
      renameSync(join(dir, `${name}.tmp`), join(dir, name));
    };
    write('t.json', JSON.stringify([{ targets: [a.address], labels: { team: 'x' } }]));
    const { m, storage } = manager();
    m.applyConfig(
      config('scrape_configs:\n  - job_name: fsd\n    scrape_interval: 200ms\n    file_sd_configs:\n      - files: [\'*.json\', \'*.yml\']\n        refresh_interval: 300ms\n', join(dir, 'prometheus.yml')),
    );
    expect(targets(m).activeTargets.map((t) => [t.labels, t.discoveredLabels.__meta_filepath])).toEqual([
      [{ instance: a.address, job: 'fsd', team: 'x' }, join(dir, 't.json')],
    ]);
    await waitFor(() => storage.of('a').length > 0, 5000, 'a scraped');
    write('u.yml', `- targets: ['${b.address}']\n`);
    write('t.json', '[]');
    await waitFor(() => targets(m).activeTargets.length === 1 && targets(m).activeTargets[0]!.labels.instance === b.address, 5000, 'b replaces a');
    await waitFor(() => storage.of('b').length > 0, 5000, 'b scraped');
    await waitFor(() => storage.of('a').some((s) => s.stale), 5000, 'a stale');
  });

  it('http_sd: targets from a JSON endpoint, kept when a refresh fails', async () => {
    const a = await target(body('a 1\n'));
    let groups = JSON.stringify([{ targets: [a.address], labels: { src: 'http' } }]);
    const sd = await target((_req, res) => {
      if (groups === 'bad') {
        res.writeHead(500);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(groups);
    });
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n  - job_name: hsd\n    scrape_interval: 200ms\n    http_sd_configs:\n      - url: http://${sd.address}/sd\n        refresh_interval: 200ms\n`));
    await waitFor(() => targets(m).activeTargets.length === 1, 5000, 'http_sd target');
    const t = targets(m).activeTargets[0]!;
    expect(t.labels).toEqual({ instance: a.address, job: 'hsd', src: 'http' });
    expect(t.discoveredLabels.__meta_url).toBe(`http://${sd.address}/sd`);
    expect(sd.requests[0]!.headers['x-prometheus-refresh-interval-seconds']).toBe('0.2');
    await waitFor(() => storage.of('a').length > 0, 5000, 'scraped');
    groups = 'bad';
    const n = sd.requests.length;
    await waitFor(() => sd.requests.length >= n + 2, 5000, 'failed refreshes');
    expect(targets(m).activeTargets.length).toBe(1);
  });

  it('lists dropped targets and filters by state', async () => {
    const a = await target(body('a 1\n'));
    const { m } = manager();
    m.applyConfig(
      config(`scrape_configs:\n${job('d', [a.address, 'drop-me:1'], "    relabel_configs:\n      - {source_labels: [__address__], regex: 'drop-.*', action: drop}\n")}`),
    );
    const all = targets(m);
    expect(all.activeTargets.length).toBe(1);
    expect(all.droppedTargets).toEqual([
      {
        discoveredLabels: {
          __address__: 'drop-me:1',
          __always_scrape_classic_histograms__: 'false',
          __convert_classic_histograms_to_nhcb__: 'false',
          __metrics_path__: '/metrics',
          __scheme__: 'http',
          __scrape_interval__: '200ms',
          __scrape_native_histograms__: 'false',
          __scrape_timeout__: '200ms',
          job: 'd',
        },
        scrapePool: 'd',
      },
    ]);
    expect(all.droppedTargetCounts).toEqual({ d: 1 });
    expect(targets(m, 'active').droppedTargets).toEqual([]);
    expect(targets(m, 'Dropped').activeTargets).toEqual([]);
    expect(targets(m, 'dropped').droppedTargets.length).toBe(1);
  });

  it('metadata from all targets, with metric and limit filters', async () => {
    const a = await target(body('# HELP req_total Requests.\n# TYPE req_total counter\nreq_total 1\n# TYPE temp gauge\ntemp 3\n'));
    const b = await target(body('# HELP req_total Requests served.\n# TYPE req_total counter\nreq_total 1\n'));
    const { m, storage } = manager();
    m.applyConfig(config(`scrape_configs:\n${job('md', [a.address, b.address])}`));
    await waitFor(() => storage.of('up').length >= 2, 5000, 'both scraped');
    const md = m.metadataApi() as Record<string, { type: string; help: string; unit: string }[]>;
    expect(Object.keys(md).sort()).toEqual(['req_total', 'temp']);
    expect(md.req_total!.map((e) => e.help).sort()).toEqual(['Requests served.', 'Requests.']);
    expect(md.temp).toEqual([{ type: 'gauge', help: '', unit: '' }]);
    expect(m.metadataApi('temp')).toEqual({ temp: [{ type: 'gauge', help: '', unit: '' }] });
    expect(Object.keys(m.metadataApi(undefined, 1) as object).length).toBe(1);
    expect(m.metadataApi('nope')).toEqual({});
  });

  it('registers self-metrics with upstream names', async () => {
    const a = await target(body('# TYPE a gauge\na 1\n'));
    const registry = new Registry();
    const { m, storage } = manager(new RecordingStorage(), registry);
    m.applyConfig(config(`scrape_configs:\n${job('self', [a.address])}`));
    await waitFor(() => storage.of('up').length >= 2, 5000, 'two scrapes');
    const text = await registry.metrics();
    expect(text).toContain('prometheus_target_scrape_pool_targets{scrape_job="self"} 1');
    expect(text).toMatch(/prometheus_target_interval_length_seconds_count\{interval="200ms"\} [1-9]/);
    expect(text).toContain('prometheus_target_scrapes_exceeded_sample_limit_total 0');
    expect(text).toContain('prometheus_target_scrapes_sample_out_of_order_total 0');
    expect(text).toContain('prometheus_target_metadata_cache_entries{scrape_job="self"} 1');
  });
});
