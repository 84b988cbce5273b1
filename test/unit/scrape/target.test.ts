import { describe, expect, it } from 'vitest';
import { toObject } from '../../../src/model/labels.js';
import { parsePrometheusConfig, type ScrapeConfig } from '../../../src/config/prometheus.js';
import { globalURL, populateLabels, Target, targetURL } from '../../../src/scrape/index.js';
import { scrapeOffset } from '../../../src/scrape/target.js';
import { snapScrapeTime } from '../../../src/scrape/loop.js';

function job(yaml: string): ScrapeConfig {
  return parsePrometheusConfig('/p.yml', `scrape_configs:\n  - job_name: j\n${yaml}`).scrapeConfigs[0]!;
}

describe('populateLabels', () => {
  it('adds scrape defaults, defaults instance to the address and hides nothing else', () => {
    const cfg = job('    scrape_interval: 30s\n    scrape_timeout: 5s\n');
    const r = populateLabels(cfg, { __address__: 'h:9100' }, { env: 'prod' });
    expect(r.kind).toBe('active');
    if (r.kind !== 'active') return;
    expect(toObject(r.labels)).toEqual({
      __address__: 'h:9100',
      __metrics_path__: '/metrics',
      __scheme__: 'http',
      __scrape_interval__: '30s',
      __scrape_timeout__: '5s',
      __convert_classic_histograms_to_nhcb__: 'false',
      __always_scrape_classic_histograms__: 'false',
      __scrape_native_histograms__: 'false',
      env: 'prod',
      instance: 'h:9100',
      job: 'j',
    });
    const { instance, ...withoutInstance } = toObject(r.labels);
    expect(instance).toBe('h:9100');
    expect(toObject(r.discovered)).toEqual(withoutInstance);
  });

  it('target labels win over group labels; __meta_ labels are removed after relabeling', () => {
    const cfg = job('    relabel_configs:\n      - {source_labels: [__meta_x], target_label: x}\n');
    const r = populateLabels(cfg, { __address__: 'a:1', env: 'target', __meta_x: 'mx' }, { env: 'group', __meta_y: 'my' });
    expect(r.kind).toBe('active');
    if (r.kind !== 'active') return;
    const l = toObject(r.labels);
    expect([l.env, l.x, l.__meta_x, l.__meta_y]).toEqual(['target', 'mx', undefined, undefined]);
    expect(toObject(r.discovered).__meta_y).toBe('my');
  });

  it('relabeling can set instance, interval, path and params', () => {
    const cfg = job(
      '    params: {module: [http_2xx], x: [a, b]}\n    relabel_configs:\n      - {target_label: instance, replacement: custom}\n      - {target_label: __scrape_interval__, replacement: 2m}\n      - {target_label: __param_target, replacement: "http://x/?q=1 2"}\n',
    );
    const r = populateLabels(cfg, { __address__: 'probe:9115' }, {});
    expect(r.kind).toBe('active');
    if (r.kind !== 'active') return;
    const t = new Target(r.labels, r.discovered, cfg.params);
    expect(t.get('instance')).toBe('custom');
    expect(t.intervalMs).toBe(120_000);
    expect(t.url).toBe('http://probe:9115/metrics?module=http_2xx&target=http%3A%2F%2Fx%2F%3Fq%3D1+2&x=a&x=b');
    expect(toObject(t.publicLabels())).toEqual({ instance: 'custom', job: 'j' });
  });

  it('reports dropped targets and errors as upstream', () => {
    const drop = job('    relabel_configs:\n      - {source_labels: [__address__], regex: "skip.*", action: drop}\n');
    expect(populateLabels(drop, { __address__: 'skip:1' }, {}).kind).toBe('dropped');
    const cfg = job('    relabel_configs:\n      - {source_labels: [a], target_label: __address__}\n');
    const err = (t: Record<string, string>) => {
      const r = populateLabels(cfg, t, {});
      return r.kind === 'error' ? r.error : r.kind;
    };
    expect(err({ __address__: 'x:1' })).toBe('no address');
    expect(err({ __address__: 'x:1', a: 'http://x/y' })).toBe('"http://x/y" is not a valid hostname');
    const bad = job('    relabel_configs:\n      - {target_label: __scrape_timeout__, replacement: 2m}\n');
    const r = populateLabels(bad, { __address__: 'x:1' }, {});
    expect(r.kind === 'error' && r.error).toBe('scrape timeout cannot be greater than scrape interval ("2m" > "1m")');
    const zero = job('    relabel_configs:\n      - {target_label: __scrape_interval__, replacement: "0s"}\n');
    const z = populateLabels(zero, { __address__: 'x:1' }, {});
    expect(z.kind === 'error' && z.error).toBe('scrape interval cannot be 0');
    const junk = job('    relabel_configs:\n      - {target_label: __scrape_interval__, replacement: soon}\n');
    const j = populateLabels(junk, { __address__: 'x:1' }, {});
    expect(j.kind === 'error' && j.error).toBe('error parsing scrape interval: not a valid duration string: "soon"');
  });
});

describe('targetURL', () => {
  it('joins scheme, address, path and encoded params', () => {
    expect(targetURL(['__address__', 'h:1', '__metrics_path__', 'metrics', '__scheme__', 'https'], {})).toBe('https://h:1/metrics');
    expect(targetURL(['__address__', 'h:1', '__metrics_path__', '/m', '__scheme__', 'http'], { 'a b': ["x'y"] })).toBe('http://h:1/m?a+b=x%27y');
  });
});

describe('scrapeOffset', () => {
  it('is within (0, interval] and pinned to absolute time', () => {
    const seed = 12345n;
    for (const hash of ['a', 'b', 'c', 'd']) {
      const d1 = scrapeOffset(hash, 15_000, seed, 1_000_000);
      const d2 = scrapeOffset(hash, 15_000, seed, 1_003_000);
      expect(d1).toBeGreaterThan(0);
      expect(d1).toBeLessThanOrEqual(15_000);
      // The first scrape lands on the same phase whenever the loop starts.
      expect((1_000_000 + d1) % 15_000).toBe((1_003_000 + d2) % 15_000);
    }
  });

  it('spreads many targets over the interval', () => {
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 1000; i++) buckets[Math.floor(((scrapeOffset(`t${i}`, 10_000, 7n, 0) - 1) / 10_000) * 10)]++;
    for (const b of buckets) expect(b).toBeGreaterThan(50);
  });
});

describe('snapScrapeTime', () => {
  it('snaps to the scheduled tick within min(interval/100, 2ms)', () => {
    expect(snapScrapeTime(10_002, 10_000, 15_000)).toBe(10_000);
    expect(snapScrapeTime(10_003, 10_000, 15_000)).toBe(10_003);
    expect(snapScrapeTime(9_999, 10_000, 15_000)).toBe(10_000);
    expect(snapScrapeTime(10_001, 10_000, 100)).toBe(10_000);
    expect(snapScrapeTime(10_002, 10_000, 100)).toBe(10_002);
  });

  it('takes another tolerance (--scrape.timestamp-tolerance), and 0 turns snapping off', () => {
    expect(snapScrapeTime(10_005, 10_000, 15_000, 5)).toBe(10_000);
    expect(snapScrapeTime(10_006, 10_000, 15_000, 5)).toBe(10_006);
    expect(snapScrapeTime(10_005, 10_000, 100, 5)).toBe(10_005);
    expect(snapScrapeTime(10_001, 10_000, 15_000, 0)).toBe(10_001);
    expect(snapScrapeTime(10_000, 10_000, 15_000, 0)).toBe(10_000);
  });
});

describe('globalURL', () => {
  const opts = { listenAddress: ':9090', host: 'monitor.example.com:9443', scheme: 'https' };
  it('replaces localhost targets as upstream', () => {
    expect(globalURL('http://localhost:9090/metrics', opts)).toBe('https://monitor.example.com:9443/metrics');
    expect(globalURL('http://127.0.0.1:9100/metrics?x=1', opts)).toBe('http://monitor.example.com:9100/metrics?x=1');
    expect(globalURL('http://[::1]:9100/metrics', opts)).toBe('http://monitor.example.com:9100/metrics');
    expect(globalURL('http://node:9100/metrics', opts)).toBe('http://node:9100/metrics');
    expect(globalURL('http://127.0.0.1:9100/metrics', undefined)).toBe('http://127.0.0.1:9100/metrics');
  });
});
