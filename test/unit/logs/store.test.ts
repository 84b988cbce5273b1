import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../src/log.js';
import { EMPTY_LABELS, fromObject, type Labels } from '../../../src/model/labels.js';
import { Matcher } from '../../../src/model/matcher.js';
import { LogStore, type LogStoreOptions } from '../../../src/logs/store/store.js';
import type { Direction, LogTime, PushStream } from '../../../src/logs/types.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const quiet = { warn() {}, info() {}, error() {}, debug() {}, with() { return this; } } as unknown as Logger;
const dirs: string[] = [];
const open: LogStore[] = [];

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-logs-'));
  dirs.push(d);
  return d;
}

function openStore(dir: string, extra: Partial<LogStoreOptions> = {}): LogStore {
  const s = LogStore.open({ dir, log: quiet, now: () => NOW, background: false, ...extra });
  open.push(s);
  return s;
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function stream(labels: Record<string, string>, entries: [number, string, Record<string, string>?][], nanos = 0): PushStream {
  return {
    labels: fromObject(labels),
    entries: entries.map(([ms, line, md]) => ({ ms, nanos, line, metadata: md ? fromObject(md) : EMPTY_LABELS })),
  };
}

const t = (ms: number, nanos = 0): LogTime => ({ ms, nanos });
const ALL: [LogTime, LogTime] = [t(0), t(NOW + 3600_000)];

function read(s: LogStore, matchers: Matcher[], start = ALL[0], end = ALL[1], dir: Direction = 'forward') {
  return s.select(matchers, start, end, dir).map((sel) => {
    const out: [number, number, string, Labels][] = [];
    while (sel.entries.next()) out.push([sel.entries.ms, sel.entries.nanos, sel.entries.line, sel.entries.metadata]);
    return { labels: sel.labels, entries: out };
  });
}

const job = (v: string) => new Matcher('=', 'job', v);

describe('log store', () => {
  it('stores and selects entries in both directions with [start, end) bounds', async () => {
    const s = openStore(tmp());
    const r = await s.push([stream({ job: 'api', level: 'info' }, [[NOW - 3000, 'a'], [NOW - 2000, 'b'], [NOW - 1000, 'c']])]);
    expect(r).toEqual({ accepted: 3, rejected: 0, errors: [] });
    expect(read(s, [job('api')])).toEqual([
      { labels: ['job', 'api', 'level', 'info'], entries: [[NOW - 3000, 0, 'a', []], [NOW - 2000, 0, 'b', []], [NOW - 1000, 0, 'c', []]] },
    ]);
    expect(read(s, [job('api')], t(NOW - 3000), t(NOW - 1000), 'backward')[0]!.entries.map((e) => e[2])).toEqual(['b', 'a']);
    expect(read(s, [job('api')], t(NOW - 2999), t(NOW - 1000)).map((x) => x.entries.map((e) => e[2]))).toEqual([['b']]);
    expect(read(s, [job('api')], t(NOW), t(NOW + 10))).toEqual([]);
    expect(read(s, [job('web')])).toEqual([]);
  });

  it('orders by nanoseconds inside a millisecond', async () => {
    const s = openStore(tmp());
    await s.push([{ labels: fromObject({ job: 'x' }), entries: [
      { ms: NOW, nanos: 500, line: 'second', metadata: EMPTY_LABELS },
      { ms: NOW, nanos: 7, line: 'first', metadata: EMPTY_LABELS },
    ] }]);
    expect(read(s, [job('x')])[0]!.entries.map((e) => [e[1], e[2]])).toEqual([[7, 'first'], [500, 'second']]);
    expect(read(s, [job('x')], t(NOW, 8), t(NOW, 501))[0]!.entries.map((e) => e[2])).toEqual(['second']);
  });

  it('accepts out-of-order entries within an hour of the newest and rejects older ones as Loki', async () => {
    const reg = new Registry();
    const s = openStore(tmp(), { registry: reg });
    await s.push([stream({ job: 'x' }, [[NOW, 'newest']])]);
    const r = await s.push([stream({ job: 'x' }, [[NOW - 3600_000, 'edge'], [NOW - 3600_001, 'late'], [NOW - 60_000, 'ok']])]);
    expect(r.accepted).toBe(2);
    expect(r.rejected).toBe(1);
    expect(r.errors).toEqual([
      "entry with timestamp 2026-01-15 10:59:59.999 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: 2026-01-15T10:59:59Z, oldest acceptable timestamp is: 2026-01-15T11:00:00Z',\n" +
        "user 'fake', total ignored: 1 out of 3 for stream: {job=\"x\"}",
    ]);
    expect(read(s, [job('x')])[0]!.entries.map((e) => e[2])).toEqual(['edge', 'ok', 'newest']);
    const m = await reg.getSingleMetricAsString('loki_discarded_samples_total');
    expect(m).toContain('loki_discarded_samples_total{reason="too_far_behind",tenant="fake"} 1');
  });

  it('drops an exact duplicate of the last entry silently', async () => {
    const s = openStore(tmp());
    await s.push([stream({ job: 'x' }, [[NOW, 'a']])]);
    const r = await s.push([stream({ job: 'x' }, [[NOW, 'a'], [NOW, 'b']])]);
    expect(r).toEqual({ accepted: 1, rejected: 0, errors: [] });
    expect(read(s, [job('x')])[0]!.entries.map((e) => e[2])).toEqual(['a', 'b']);
  });

  it('rejects bad label sets and entries with Loki messages', async () => {
    const reg = new Registry();
    const s = openStore(tmp(), { registry: reg, limits: { maxLineSize: 10 } });
    const r = await s.push([
      stream({}, [[NOW, 'x']]),
      stream({ job: 'y' }, [[NOW - 8 * 24 * 3600_000, 'old'], [NOW + 11 * 60_000, 'future'], [NOW, '12345678901'], [NOW, 'fine']]),
    ]);
    expect(r.accepted).toBe(1);
    expect(r.rejected).toBe(4);
    expect(r.errors).toEqual([
      'error at least one label pair is required per stream',
      "entry for stream '{job=\"y\"}' has timestamp too old: 2026-01-07 12:00:00 +0000 UTC, oldest acceptable timestamp is: 2026-01-08 12:00:00 +0000 UTC",
      "entry for stream '{job=\"y\"}' has timestamp too new: 2026-01-15 12:11:00 +0000 UTC",
      "Max entry size '10' bytes exceeded for stream '{job=\"y\"}' while adding an entry with length '11' bytes",
    ]);
    const m = await reg.getSingleMetricAsString('loki_discarded_samples_total');
    for (const reason of ['missing_labels', 'greater_than_max_sample_age', 'too_far_in_future', 'line_too_long']) {
      expect(m).toContain(`loki_discarded_samples_total{reason="${reason}",tenant="fake"} 1`);
    }
    expect(await reg.getSingleMetricAsString('loki_distributor_lines_received_total')).toContain('{tenant="fake"} 5');
  });

  it('keeps structured metadata per entry', async () => {
    const s = openStore(tmp(), { headCutBytes: 1 });
    await s.push([stream({ job: 'x' }, [[NOW, 'a', { trace_id: '123' }], [NOW + 1, 'b']])]);
    await s.push([stream({ job: 'x' }, [[NOW + 2, 'c']])]); // cuts the first head into a chunk
    expect(read(s, [job('x')])[0]!.entries).toEqual([
      [NOW, 0, 'a', ['trace_id', '123']],
      [NOW + 1, 0, 'b', []],
      [NOW + 2, 0, 'c', []],
    ]);
  });

  it('reads back non-ASCII lines from chunks exactly', async () => {
    const s = openStore(tmp());
    const lines = ['héllo wörld', '😀 emoji 😀', 'plain', '日本語のログ', ''];
    await s.push([stream({ job: 'u' }, lines.map((l, i) => [NOW + i, l] as [number, string]))]);
    s.flush();
    expect(read(s, [job('u')])[0]!.entries.map((e) => e[2])).toEqual(lines);
  });

  it('selects with every matcher type through the inverted index', async () => {
    const s = openStore(tmp());
    await s.push([
      stream({ job: 'api', env: 'prod' }, [[NOW, '1']]),
      stream({ job: 'api', env: 'dev' }, [[NOW, '2']]),
      stream({ job: 'web' }, [[NOW, '3']]),
    ]);
    const lines = (ms: Matcher[]) => read(s, ms).map((x) => x.entries[0]![2]).sort();
    expect(lines([job('api')])).toEqual(['1', '2']);
    expect(lines([job('api'), new Matcher('!=', 'env', 'prod')])).toEqual(['2']);
    expect(lines([new Matcher('=~', 'job', 'a.*|w.b')])).toEqual(['1', '2', '3']);
    expect(lines([new Matcher('=~', 'job', '.+'), new Matcher('!~', 'env', 'p.*')])).toEqual(['2', '3']);
    expect(lines([new Matcher('=~', 'job', '.+'), new Matcher('=', 'env', '')])).toEqual(['3']);
    expect(lines([new Matcher('=', 'nope', 'x')])).toEqual([]);
  });

  it('answers label names, values, series and index stats', async () => {
    const s = openStore(tmp());
    await s.push([stream({ job: 'api', env: 'prod' }, [[NOW - 10_000, 'aaaa'], [NOW, 'bb']]), stream({ job: 'web' }, [[NOW - 7200_000, 'c']])]);
    expect(s.labelNames(t(NOW - 60_000), t(NOW + 1))).toEqual(['env', 'job']);
    expect(s.labelNames(...ALL)).toEqual(['env', 'job']);
    expect(s.labelValues('job', ...ALL)).toEqual(['api', 'web']);
    expect(s.labelValues('job', t(NOW - 60_000), t(NOW + 1))).toEqual(['api']);
    expect(s.labelValues('job', ...ALL, [new Matcher('=', 'env', 'prod')])).toEqual(['api']);
    expect(s.series([new Matcher('=~', 'job', '.+')], ...ALL)).toEqual([['env', 'prod', 'job', 'api'], ['job', 'web']]);
    expect(s.stats([new Matcher('=~', 'job', '.+')], ...ALL)).toEqual({ streams: 2, chunks: 2, entries: 3, bytes: 7 });
  });

  it('cuts heads into compressed chunks and reads chunks and head merged in order', async () => {
    const dir = tmp();
    const s = openStore(dir, { headCutBytes: 100 });
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      // Every 5th entry arrives 30 s late: chunks overlap in time and must be merged.
      const ms = NOW - 100_000 + i * 1000 - (i % 5 === 0 ? 30_000 : 0);
      await s.push([stream({ job: 'x' }, [[ms, `line ${i} ${'x'.repeat(20)}`]])]);
      expected.push(`${ms}|line ${i} ${'x'.repeat(20)}`);
    }
    expected.sort((a, b) => Number(a.split('|')[0]) - Number(b.split('|')[0]));
    const got = read(s, [job('x')])[0]!.entries.map((e) => `${e[0]}|${e[2]}`);
    expect(got).toEqual(expected);
    expect(read(s, [job('x')], ...ALL, 'backward')[0]!.entries.map((e) => `${e[0]}|${e[2]}`)).toEqual([...expected].reverse());
    expect(s.stats([job('x')], ...ALL).chunks).toBeGreaterThan(10);
  });

  it('keeps everything across close and reopen (chunks) and across an unclean stop (WAL replay)', async () => {
    const dir = tmp();
    const a = LogStore.open({ dir, log: quiet, now: () => NOW, background: false, headCutBytes: 50 });
    for (let i = 0; i < 20; i++) await a.push([stream({ job: 'x', n: String(i % 3) }, [[NOW + i, `entry ${i}`]])]);
    a.close();
    const b = LogStore.open({ dir, log: quiet, now: () => NOW, background: false, headCutBytes: 50 });
    expect(read(b, [job('x')]).flatMap((x) => x.entries).length).toBe(20);
    await b.push([stream({ job: 'x', n: '0' }, [[NOW + 100, 'after reopen']])]);
    // No close: the entry is only in the WAL (and the head).
    const c = openStore(dir);
    const all = read(c, [job('x')]).flatMap((x) => x.entries.map((e) => e[2]));
    expect(all.length).toBe(21);
    expect(all).toContain('after reopen');
    expect(new Set(all).size).toBe(21);
    b.close();
  });

  it('never splits a push across a chunk and the head when a stream appears twice in it', async () => {
    const dir = tmp();
    const a = LogStore.open({ dir, log: quiet, now: () => NOW, background: false, headCutBytes: 10 });
    await a.push([stream({ job: 'x' }, [[NOW, 'first push, long enough to fill the head']])]);
    await a.push([stream({ job: 'x' }, [[NOW + 1, 'a'.repeat(20)]]), stream({ job: 'x' }, [[NOW + 2, 'b']])]);
    a.maintain();
    // No close: reopening replays the WAL; every entry must come back exactly once.
    const b = openStore(dir);
    expect(read(b, [job('x')])[0]!.entries.map((e) => e[2])).toEqual(['first push, long enough to fill the head', 'a'.repeat(20), 'b']);
    a.close();
  });

  it('truncates a torn WAL tail with a warning and keeps every complete record', async () => {
    const dir = tmp();
    const a = LogStore.open({ dir, log: quiet, now: () => NOW, background: false });
    await a.push([stream({ job: 'x' }, [[NOW, 'one']])]);
    await a.push([stream({ job: 'x' }, [[NOW + 1, 'two']])]);
    const walDir = join(dir, 'wal');
    const seg = readdirSync(walDir).sort().at(-1)!;
    appendFileSync(join(walDir, seg), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 5]));
    const warnings: string[] = [];
    const log = { ...quiet, warn: (msg: string) => warnings.push(msg) } as unknown as Logger;
    const reg = new Registry();
    const b = openStore(dir, { log, registry: reg });
    expect(read(b, [job('x')])[0]!.entries.map((e) => e[2])).toEqual(['one', 'two']);
    expect(warnings).toEqual(['Truncating corrupt or torn WAL segment tail']);
    expect(await reg.getSingleMetricAsString('loki_ingester_wal_corruptions_total')).toContain('loki_ingester_wal_corruptions_total 1');
    a.close();
  });

  it('deletes WAL segments once their entries are in synced chunks', async () => {
    const dir = tmp();
    const s = openStore(dir);
    await s.push([stream({ job: 'x' }, [[NOW, 'a']])]);
    s.flush();
    await s.push([stream({ job: 'x' }, [[NOW + 1, 'b']])]);
    s.flush();
    expect(readdirSync(join(dir, 'wal')).length).toBe(1);
    expect(read(s, [job('x')])[0]!.entries.map((e) => e[2])).toEqual(['a', 'b']);
  });

  it('applies time retention by whole chunk files', async () => {
    const dir = tmp();
    let now = NOW;
    const s = openStore(dir, { now: () => now, retentionMs: 24 * 3600_000 });
    await s.push([stream({ job: 'old' }, [[NOW - 3600_000, 'old']])]);
    s.flush();
    now = NOW + 2 * 3600_000;
    await s.push([stream({ job: 'new' }, [[now, 'new']])]);
    s.maintain();
    expect(s.labelValues('job', ...ALL.map((x, i) => (i ? t(now + 1) : x)) as [LogTime, LogTime])).toEqual(['new', 'old']);
    now = NOW + 22.5 * 3600_000; // 'old' (at NOW − 1 h) expires at NOW + 23 h
    s.maintain();
    expect(s.labelValues('job', t(0), t(now + 1))).toEqual(['new', 'old']);
    now = NOW + 23 * 3600_000 + 1;
    s.maintain();
    expect(s.labelValues('job', t(0), t(now + 1))).toEqual(['new']);
    expect(s.streamCount).toBe(1);
  });

  it('applies size retention, oldest chunk files first', async () => {
    const dir = tmp();
    const s = openStore(dir, { retentionBytes: 1 });
    await s.push([stream({ job: 'a' }, [[NOW, 'x'.repeat(1000)]])]);
    s.flush();
    s.maintain();
    expect(s.labelValues('job', ...ALL)).toEqual([]);
    await s.push([stream({ job: 'b' }, [[NOW, 'y']])]);
    expect(s.labelValues('job', ...ALL)).toEqual(['b']);
  });

  it('tells tail subscribers about stored entries only', async () => {
    const s = openStore(tmp());
    const seen: string[] = [];
    const off = s.subscribe((ls, e) => seen.push(`${ls.join(',')}:${e.line}`));
    await s.push([stream({ job: 'x' }, [[NOW, 'a'], [NOW - 7200_000, 'too old']])]);
    off();
    await s.push([stream({ job: 'x' }, [[NOW + 1, 'b']])]);
    expect(seen).toEqual(['job,x:a']);
  });

  it('compresses typical JSON logs to a fraction of their size', async () => {
    const dir = tmp();
    const s = openStore(dir);
    let raw = 0;
    for (let b = 0; b < 20; b++) {
      const entries: [number, string][] = [];
      for (let i = 0; i < 500; i++) {
        const n = b * 500 + i;
        const line = JSON.stringify({ level: n % 17 === 0 ? 'error' : 'info', ts: new Date(NOW - 600_000 + n).toISOString(), msg: 'request handled', method: ['GET', 'POST'][n % 2], path: `/api/orders/${n % 97}`, status: n % 17 === 0 ? 500 : 200, duration_ms: (n * 7919) % 350 });
        raw += line.length;
        entries.push([NOW - 600_000 + n, line]);
      }
      await s.push([stream({ job: 'orders' }, entries)]);
    }
    s.flush();
    const ratio = s.diskBytes() / raw;
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(0.15);
  });
});
