/**
 * Scraping hostile targets (attack report items 1 and 2): a huge bad line gives a short
 * `lastError`, a body that cannot be read within `scrape_timeout` fails the scrape, a gzip body
 * inflating past `body_size_limit` fails, and a big valid body is appended in slices that let
 * the event loop run (and stop on shutdown without storing anything).
 */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { Logger } from '../../../src/log.js';
import { ScrapeManager } from '../../../src/scrape/index.js';
import type { TargetsJSON } from '../../../src/scrape/api.js';
import type { Appender } from '../../../src/tsdb/types.js';
import { RecordingStorage } from './fake-storage.js';
import { serve, waitFor, type Handler, type TestTarget } from './serve.js';

class QuietLogger extends Logger {
  override with(): Logger {
    return this;
  }
  override warn(): void {}
  override error(): void {}
}

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function target(handler: Handler): Promise<TestTarget> {
  const t = await serve(handler);
  cleanups.push(() => t.close());
  return t;
}

function start(storage: RecordingStorage, jobs: string): ScrapeManager {
  const m = new ScrapeManager({ storage, log: new QuietLogger(), hostname: 'test-host' });
  cleanups.push(() => m.stop());
  m.applyConfig(parsePrometheusConfig('/tmp/lookout-test/prometheus.yml', `scrape_configs:\n${jobs}`));
  return m;
}

/** A job scraping `address` every `interval` (timeout `timeout`), with extra settings lines. */
function job(name: string, address: string, extra = '', interval = '500ms', timeout = '400ms'): string {
  return `  - job_name: ${name}\n    scrape_interval: ${interval}\n    scrape_timeout: ${timeout}\n${extra}    static_configs:\n      - targets: ['${address}']\n`;
}

function targetOf(m: ScrapeManager, address: string) {
  return (m.targetsApi() as TargetsJSON).activeTargets.find((t) => t.labels.instance === address);
}

const TEXT = { 'content-type': 'text/plain; version=0.0.4' };
const A100 = 'a'.repeat(100);
const MIB20 = 20 * 1024 * 1024;

describe('hostile targets', () => {
  it('a 20 MiB line without value (plain and gzip) marks the target down with a short lastError', async () => {
    const line = Buffer.alloc(MIB20, 'a');
    const zipped = gzipSync(line);
    const plain = await target((_q, res) => {
      res.writeHead(200, TEXT);
      res.end(line);
    });
    const gz = await target((_q, res) => {
      res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
      res.end(zipped);
    });
    const storage = new RecordingStorage();
    const m = start(storage, job('plain', plain.address, '', '2s', '2s') + job('gz', gz.address, '', '2s', '2s'));
    const errorOf = (a: string) => targetOf(m, a)?.lastError ?? '';
    await waitFor(() => errorOf(plain.address) !== '' && errorOf(gz.address) !== '', 20_000, 'both scrapes');
    for (const a of [plain.address, gz.address]) {
      expect(errorOf(a)).toBe(`expected value after metric, got "" while parsing: "${A100}"... (${MIB20} bytes)`);
      expect(targetOf(m, a)!.health).toBe('down');
    }
    const ups = storage.of('up');
    expect(new Set(ups.map((s) => s.labels.instance))).toEqual(new Set([plain.address, gz.address]));
    expect(new Set(ups.map((s) => s.v))).toEqual(new Set([0]));
  }, 30_000);

  it('a body dripping past scrape_timeout fails with context deadline exceeded', async () => {
    const t = await target((_q, res) => {
      res.writeHead(200, TEXT);
      res.write('drip_a 1\n');
      const timer = setInterval(() => res.write('drip_b 1\n'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const storage = new RecordingStorage();
    const m = start(storage, job('drip', t.address, '', '500ms', '200ms'));
    await waitFor(() => (targetOf(m, t.address)?.lastError ?? '') !== '', 5000, 'timeout');
    expect(targetOf(m, t.address)).toMatchObject({ health: 'down', lastError: 'context deadline exceeded' });
    expect(storage.of('drip_a')).toEqual([]);
  });

  it('a gzip body inflating beyond body_size_limit fails; scrape_body_size_bytes is -1', async () => {
    const bomb = gzipSync(Buffer.from('bomb_metric 1\n'.repeat(1 << 20)));
    const t = await target((_q, res) => {
      res.writeHead(200, { ...TEXT, 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const storage = new RecordingStorage();
    const m = start(storage, job('bomb', t.address, '    body_size_limit: 1MB\n    extra_scrape_metrics: true\n'));
    await waitFor(() => storage.of('scrape_body_size_bytes').length > 0, 5000, 'scrape');
    expect(targetOf(m, t.address)).toMatchObject({ health: 'down', lastError: 'body size limit exceeded' });
    expect(storage.of('scrape_body_size_bytes')[0]!.v).toBe(-1);
    expect(storage.of('bomb_metric')).toEqual([]);
  });
});

/** A recording storage that notes how many event-loop turns passed between an appender's creation and its commit. */
class TurnCountingStorage extends RecordingStorage {
  turns = 0;
  private spinning = true;
  /** Turns between appender creation and commit, per committed appender. */
  readonly turnsPerCommit: number[] = [];
  onAppender: (() => void) | null = null;

  constructor() {
    super();
    const spin = () => {
      this.turns++;
      if (this.spinning) setImmediate(spin);
    };
    setImmediate(spin);
  }

  stopSpinning(): void {
    this.spinning = false;
  }

  override appender(): Appender {
    const inner = super.appender();
    const at = this.turns;
    this.onAppender?.();
    return {
      ...inner,
      commit: () => {
        this.turnsPerCommit.push(this.turns - at);
        inner.commit();
      },
    };
  }
}

describe('big valid bodies', () => {
  // 1M duplicate lines (4 MiB): far more than one 20 ms slice of parsing on any machine.
  const LINES = 1_000_000;
  const big = Buffer.from('big_metric 1\n'.repeat(LINES));

  it('are appended in slices: other work runs between appender and commit', async () => {
    const t = await target((_q, res) => {
      res.writeHead(200, TEXT);
      res.end(big);
    });
    const storage = new TurnCountingStorage();
    cleanups.push(() => storage.stopSpinning());
    const m = start(storage, job('big', t.address, '', '1s', '1s'));
    await waitFor(() => storage.of('up').length > 0, 20_000, 'big scrape');
    expect(targetOf(m, t.address)).toMatchObject({ health: 'up', lastError: '' });
    expect(storage.of('scrape_samples_scraped')[0]!.v).toBe(LINES);
    expect(storage.of('big_metric').length).toBe(1);
    expect(storage.turnsPerCommit.length).toBe(1);
    expect(storage.turnsPerCommit[0]).toBeGreaterThan(0);
  }, 30_000);

  it('shutdown while appending rolls the scrape back: nothing is stored', async () => {
    const t = await target((_q, res) => {
      res.writeHead(200, TEXT);
      res.end(big);
    });
    const storage = new TurnCountingStorage();
    cleanups.push(() => storage.stopSpinning());
    const m = start(storage, job('big', t.address, '', '1s', '1s'));
    let stopped: Promise<void> | null = null;
    storage.onAppender = () => {
      stopped ??= m.stop();
    };
    await waitFor(() => stopped !== null, 20_000, 'scrape start');
    await stopped;
    expect(storage.commits).toBe(0);
    expect(storage.rollbacks).toBe(1);
    expect(storage.samples).toEqual([]);
  }, 30_000);
});
