import { describe, expect, it } from 'vitest';
import { fromObject } from '../../../src/model/labels.js';
import { makeRelabelConfig } from '../../../src/config/relabel.js';
import { createScrapeMetrics } from '../../../src/scrape/metrics.js';
import { AppendError, appendFailed, appendScrape, mutateSampleLabels, ScrapeAppend, ScrapeCache, type AppendOptions, type AppendStats } from '../../../src/scrape/index.js';
import { NO_ENTRY } from '../../../src/scrape/cache.js';
import type { ExpositionFormat } from '../../../src/exposition/index.js';
import { RecordingStorage } from './fake-storage.js';

const T0 = 1_700_000_000_000;

function options(o: Partial<AppendOptions> = {}): AppendOptions {
  return {
    honorLabels: false,
    honorTimestamps: true,
    trackTimestampsStaleness: false,
    sampleLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
    validationScheme: 'utf8',
    targetLabels: fromObject({ instance: 'h:1', job: 'j' }),
    metricRelabelConfigs: [],
    ...o,
  };
}

/** One scrape as the loop does it: append, or on error roll back and append the failure. */
function scrape(s: RecordingStorage, cache: ScrapeCache, text: string, t: number, opts = options(), format: ExpositionFormat = 'text') {
  const stats: AppendStats = { total: 0, added: 0, seriesAdded: 0 };
  const metrics = createScrapeMetrics();
  let app = s.appender();
  let error: string | null = null;
  try {
    appendScrape(app, cache, Buffer.from(text), format, t, opts, metrics, stats);
  } catch (e) {
    expect(e).toBeInstanceOf(AppendError);
    error = (e as Error).message;
    app.rollback();
    app = s.appender();
    appendFailed(app, cache, t);
  }
  app.commit();
  return { stats, error, metrics };
}

describe('appendScrape', () => {
  it('stores samples with target labels at the scrape timestamp', () => {
    const s = new RecordingStorage();
    const { stats } = scrape(s, new ScrapeCache(), '# TYPE a counter\na_total{x="1"} 3\nb 1.5\n', T0);
    expect(stats).toEqual({ total: 2, added: 2, seriesAdded: 2 });
    expect(s.samples).toEqual([
      { labels: { __name__: 'a_total', instance: 'h:1', job: 'j', x: '1' }, name: 'a_total', t: T0, v: 3, stale: false },
      { labels: { __name__: 'b', instance: 'h:1', job: 'j' }, name: 'b', t: T0, v: 1.5, stale: false },
    ]);
  });

  it('case 06: escapes in label values are decoded', () => {
    const s = new RecordingStorage();
    scrape(s, new ScrapeCache(), '# TYPE metric_foo_bar gauge\nmetric_foo_bar{name="\\"bar\\""} 1\nmetric_foo_bar{name="a\\\\b"} 2\nmetric_foo_bar{name="line1\\nline2"} 3\n', T0);
    expect(s.samples.map((x) => [x.labels.name, x.v])).toEqual([
      ['"bar"', 1],
      ['a\\b', 2],
      ['line1\nline2', 3],
    ]);
  });

  it('known series reuse the cached ref; series that disappear get one staleness marker', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    scrape(s, cache, 'a 1\nb 1\n', T0);
    const refsAfterFirst = s.series.length;
    const second = scrape(s, cache, 'a 2\n', T0 + 15_000);
    expect(second.stats).toEqual({ total: 1, added: 1, seriesAdded: 0 });
    expect(s.series.length).toBe(refsAfterFirst);
    scrape(s, cache, 'a 3\n', T0 + 30_000);
    expect(s.of('b').map((x) => [x.t, x.stale])).toEqual([
      [T0, false],
      [T0 + 15_000, true],
    ]);
    expect(s.of('a').map((x) => x.v)).toEqual([1, 2, 3]);
  });

  it('finds cached series whether or not they come in the same order', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    scrape(s, cache, 'a 1\nb 2\nc 3\n', T0);
    const refs = s.series.length;
    scrape(s, cache, 'c 30\na 10\nb 20\n', T0 + 1000);
    scrape(s, cache, 'a 100\nx 5\nb 200\nc 300\n', T0 + 2000);
    expect(s.series.length).toBe(refs + 1);
    expect(['a', 'b', 'c', 'x'].map((n) => s.of(n).map((x) => x.v))).toEqual([
      [1, 10, 100],
      [2, 20, 200],
      [3, 30, 300],
      [5],
    ]);
  });

  it('a series coming back after being stale is stored again', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    scrape(s, cache, 'a 1\n', T0);
    scrape(s, cache, 'other 1\n', T0 + 1000);
    const back = scrape(s, cache, 'a 5\n', T0 + 2000);
    expect(back.stats.seriesAdded).toBe(1);
    expect(s.of('a').map((x) => [x.t, x.stale ? 'stale' : x.v])).toEqual([
      [T0, 1],
      [T0 + 1000, 'stale'],
      [T0 + 2000, 5],
    ]);
  });

  it('case 07: a hexadecimal value fails the scrape and stores nothing', () => {
    for (const text of ['testmetric 0x1p0\n', 'testmetric_hex 0x10\n']) {
      const s = new RecordingStorage();
      const r = scrape(s, new ScrapeCache(), text, T0);
      expect(r.error).not.toBeNull();
      expect(s.samples).toEqual([]);
      expect(s.rollbacks).toBe(1);
    }
  });

  it('case 08: OpenMetrics needs # EOF', () => {
    const s = new RecordingStorage();
    const bad = scrape(s, new ScrapeCache(), '# TYPE om_gauge gauge\nom_gauge 1\n', T0, options(), 'openmetrics');
    expect(bad.error).toContain('EOF');
    expect(s.samples).toEqual([]);
    const ok = scrape(s, new ScrapeCache(), '# TYPE om_gauge gauge\nom_gauge 1\n# EOF\n', T0, options(), 'openmetrics');
    expect(ok.error).toBeNull();
    expect(s.of('om_gauge').map((x) => x.v)).toEqual([1]);
  });

  it('a parse failure marks the previous scrape series stale except those read before the error, as upstream', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    scrape(s, cache, 'a 1\nb 1\n', T0);
    const r = scrape(s, cache, 'a 2\nb x\n', T0 + 1000);
    expect(r.error).not.toBeNull();
    expect(s.samples.filter((x) => x.stale).map((x) => x.name)).toEqual(['b']);
  });

  it('honor_labels false keeps clashing scraped labels as exported_*', () => {
    const out = mutateSampleLabels(fromObject({ __name__: 'm', job: 'scraped', exported_job: 'x', instance: 'i2' }), options());
    expect(out).toEqual(fromObject({ __name__: 'm', job: 'j', instance: 'h:1', exported_job: 'x', exported_exported_job: 'scraped', exported_instance: 'i2' }));
  });

  it('honor_labels true keeps scraped labels and adds missing target labels', () => {
    const out = mutateSampleLabels(fromObject({ __name__: 'm', job: 'scraped' }), options({ honorLabels: true }));
    expect(out).toEqual(fromObject({ __name__: 'm', job: 'scraped', instance: 'h:1' }));
  });

  it('honor_timestamps decides between the exposed and the scrape timestamp', () => {
    const s1 = new RecordingStorage();
    scrape(s1, new ScrapeCache(), `a 1 ${T0 - 5000}\n`, T0);
    expect(s1.of('a')[0]!.t).toBe(T0 - 5000);
    const s2 = new RecordingStorage();
    scrape(s2, new ScrapeCache(), `a 1 ${T0 - 5000}\n`, T0, options({ honorTimestamps: false }));
    expect(s2.of('a')[0]!.t).toBe(T0);
  });

  it('series with explicit timestamps get no staleness markers unless track_timestamps_staleness', () => {
    for (const track of [false, true]) {
      const s = new RecordingStorage();
      const cache = new ScrapeCache();
      scrape(s, cache, `a 1 ${T0}\n`, T0, options({ trackTimestampsStaleness: track }));
      scrape(s, cache, 'other 1\n', T0 + 1000, options({ trackTimestampsStaleness: track }));
      expect(s.of('a').some((x) => x.stale)).toBe(track);
    }
  });

  it('metric relabeling drops series once and remembers the drop', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    const opts = options({ metricRelabelConfigs: [makeRelabelConfig({ action: 'drop', sourceLabels: ['__name__'], regex: 'go_.*' })] });
    const r = scrape(s, cache, 'go_gc 1\nkeep 2\n', T0, opts);
    expect(r.stats).toEqual({ total: 2, added: 1, seriesAdded: 1 });
    scrape(s, cache, 'go_gc 1\nkeep 2\n', T0 + 1000, opts);
    expect(s.samples.map((x) => x.name)).toEqual(['keep', 'keep']);
  });

  it('a dropped series is a cache entry: matched by its line hint, found after moving, forgotten when gone', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    const opts = options({ metricRelabelConfigs: [makeRelabelConfig({ action: 'drop', sourceLabels: ['__name__'], regex: 'go_.*' })] });
    scrape(s, cache, 'go_gc 1\nkeep 2\n', T0, opts);
    const dropped = cache.hintAt(0);
    expect([cache.isDropped(dropped), cache.isDropped(cache.hintAt(1))]).toEqual([true, false]);
    expect(scrape(s, cache, 'go_gc 1\nkeep 2\n', T0 + 1000, opts).stats).toEqual({ total: 2, added: 1, seriesAdded: 0 });
    expect(cache.hintAt(0)).toBe(dropped);
    scrape(s, cache, 'keep 3\ngo_gc 1\n', T0 + 2000, opts);
    expect(cache.hintAt(1)).toBe(dropped);
    scrape(s, cache, 'keep 4\n', T0 + 3000, opts);
    const b = Buffer.from('go_gc');
    expect(cache.get(b, 0, b.length, 0)).toBe(NO_ENTRY);
    expect(s.samples.map((x) => [x.name, x.v, x.stale])).toEqual([
      ['keep', 2, false],
      ['keep', 2, false],
      ['keep', 3, false],
      ['keep', 4, false],
    ]);
  });

  it('sample_limit rejects the whole scrape but counts every sample', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    scrape(s, cache, 'a 1\nb 1\n', T0, options({ sampleLimit: 2 }));
    const r = scrape(s, cache, 'a 2\nb 2\nc 2\n', T0 + 1000, options({ sampleLimit: 2 }));
    expect(r.error).toBe('sample limit exceeded');
    expect(r.stats).toEqual({ total: 3, added: 3, seriesAdded: 0 });
    expect(s.samples.filter((x) => x.t === T0 + 1000)).toEqual([]);
  });

  it('label limits fail the scrape with upstream messages', () => {
    const s = new RecordingStorage();
    expect(scrape(s, new ScrapeCache(), 'm{a="1",b="2"} 1\n', T0, options({ labelLimit: 4 })).error).toBe(
      'label_limit exceeded (metric: m, number of labels: 5, limit: 4)',
    );
    expect(scrape(s, new ScrapeCache(), 'm{abcdefghi="1"} 1\n', T0, options({ labelNameLengthLimit: 8 })).error).toBe(
      'label_name_length_limit exceeded (metric: m, label name: abcdefghi, length: 9, limit: 8)',
    );
    expect(scrape(s, new ScrapeCache(), 'm{a="123456"} 1\n', T0, options({ labelValueLengthLimit: 5 })).error).toBe(
      'label_value_length_limit exceeded (metric: m, label name: a, value: "123456", length: 6, limit: 5)',
    );
  });

  it('legacy name validation refuses UTF-8 metric names', () => {
    const s = new RecordingStorage();
    const r = scrape(s, new ScrapeCache(), '{"my.metric"} 1\n', T0, options({ validationScheme: 'legacy' }));
    expect(r.error).toBe('invalid metric name or label names: {__name__="my.metric", instance="h:1", job="j"}');
    const long = `my.${'m'.repeat(5000)}`;
    const r2 = scrape(s, new ScrapeCache(), `{"${long}", l="${'v'.repeat(300)}"} 1\n`, T0, options({ validationScheme: 'legacy' }));
    expect(r2.error).toBe(
      `invalid metric name or label names: {__name__="my.${'m'.repeat(97)}... (5003 bytes)", instance="h:1", job="j", l="${'v'.repeat(100)}... (300 bytes)"}`,
    );
  });

  it('a repeated series without timestamp is a duplicate; storage rejections are counted, not fatal', async () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    const r = scrape(s, cache, 'a 1\na 2\n', T0);
    expect(r.error).toBeNull();
    expect(s.of('a').map((x) => x.v)).toEqual([1]);
    expect((await r.metrics.sampleDuplicate.get()).values[0]!.value).toBe(1);
    const r2 = scrape(s, cache, `a 3 ${T0 - 60_000}\n`, T0 + 1000);
    expect(r2.error).toBeNull();
    expect((await r2.metrics.sampleOutOfOrder.get()).values[0]!.value).toBe(1);
    const r3 = scrape(s, cache, `future 3 ${Date.now() + 3_600_000}\n`, T0 + 2000);
    expect((await r3.metrics.sampleOutOfBounds.get()).values[0]!.value).toBe(1);
  });

  it('asks for a new ref when the storage forgot the cached one', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    scrape(s, cache, 'a 1\n', T0);
    s.forget.add(1);
    scrape(s, cache, 'a 2\n', T0 + 1000);
    scrape(s, cache, 'a 3\n', T0 + 2000);
    expect(s.of('a').map((x) => [x.v, x.stale])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
  });

  it('rebuilds the same final labels (target labels, metric relabeling) when the storage forgot a cached ref', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    const opts = options({ metricRelabelConfigs: [makeRelabelConfig({ action: 'replace', sourceLabels: ['code'], targetLabel: 'class', regex: '(.)..', replacement: '${1}xx' })] });
    scrape(s, cache, 'req_total{code="503"} 1\n', T0, opts);
    s.forget.add(1);
    scrape(s, cache, 'req_total{code="503"} 2\n', T0 + 1000, opts);
    const want = { __name__: 'req_total', class: '5xx', code: '503', instance: 'h:1', job: 'j' };
    expect(s.samples.map((x) => [x.labels, x.v])).toEqual([
      [want, 1],
      [want, 2],
    ]);
    expect(s.series.length).toBe(3);
  });

  it('lines whose text changed since the last scrape are read in full (key hints never misattribute)', () => {
    const s = new RecordingStorage();
    const cache = new ScrapeCache();
    scrape(s, cache, 'a 1\nb{x="1"} 2\nc{x="1"} 3\n', T0);
    // Same positions, other texts: a bare name that now has labels, a changed value, a shifted line.
    scrape(s, cache, 'a{y="1"} 4\nb{x="2"} 5\nb{x="1"} 6\nc{x="1"} 7\n', T0 + 1000);
    // The same texts again after an OpenMetrics scrape of the target.
    scrape(s, cache, 'a 8\nc{x="1"} 9\n# EOF\n', T0 + 2000, options(), 'openmetrics');
    scrape(s, cache, 'a 10\nc{x="1"} 11\n', T0 + 3000);
    const got = s.samples.map((x) => [x.name, x.labels.x ?? x.labels.y ?? '', x.v, x.t - T0, x.stale]);
    expect(got).toEqual([
      ['a', '', 1, 0, false],
      ['b', '1', 2, 0, false],
      ['c', '1', 3, 0, false],
      ['a', '1', 4, 1000, false],
      ['b', '2', 5, 1000, false],
      ['b', '1', 6, 1000, false],
      ['c', '1', 7, 1000, false],
      ['a', '', NaN, 1000, true],
      ['a', '', 8, 2000, false],
      ['c', '1', 9, 2000, false],
      // Staleness markers come in the cache's slot order: b{x="1"} kept slot 1, the others were added.
      ['b', '1', NaN, 2000, true],
      ['a', '1', NaN, 2000, true],
      ['b', '2', NaN, 2000, true],
      ['a', '', 10, 3000, false],
      ['c', '1', 11, 3000, false],
    ]);
  });

  it('records metadata from TYPE, HELP and UNIT lines', () => {
    const cache = new ScrapeCache();
    const text = '# HELP req Requests.\n# TYPE req counter\nreq_total 1\n# TYPE t_seconds gauge\n# UNIT t_seconds seconds\nt_seconds 1\n# EOF\n';
    expect(scrape(new RecordingStorage(), cache, text, T0, options(), 'openmetrics').error).toBeNull();
    expect(cache.listMetadata()).toEqual([
      { metric: 'req', type: 'counter', help: 'Requests.', unit: '' },
      { metric: 't_seconds', type: 'gauge', help: '', unit: 'seconds' },
    ]);
  });

  it('ScrapeAppend runs in slices: stopping at a time budget and resuming gives what one run gives', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `m{i="${i}"} ${i}\n`).join('') + '# TYPE m gauge\n';
    const whole = new RecordingStorage();
    scrape(whole, new ScrapeCache(), text, T0);
    const sliced = new RecordingStorage();
    const cache = new ScrapeCache();
    const stats: AppendStats = { total: 0, added: 0, seriesAdded: 0 };
    const app = sliced.appender();
    const job = new ScrapeAppend(app, cache, Buffer.from(text), 'text', T0, options(), createScrapeMetrics(), stats);
    let slices = 1;
    // A budget that has already run out: each call does one clock check's worth of entries (256).
    while (!job.run(0)) slices++;
    app.commit();
    expect(slices).toBe(4);
    expect(stats).toEqual({ total: 1000, added: 1000, seriesAdded: 1000 });
    expect(sliced.samples).toEqual(whole.samples);
    expect(job.run(0)).toBe(true);
    expect(cache.listMetadata()).toEqual([{ metric: 'm', type: 'gauge', help: '', unit: '' }]);
  });
});
