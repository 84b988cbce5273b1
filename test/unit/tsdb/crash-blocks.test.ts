/**
 * Crash and corruption tests of blocks: kill -9 while a block is half written (merging overlapping
 * blocks, cutting the head; deterministic, unlike db-blocks.test.ts's kill during ingestion), and
 * damaged chunk files (flipped bytes, truncated segments) — reopening and querying never crash the
 * process, the error names the chunk reference, the block and the file (as Prometheus's "cannot
 * populate chunk <ref> from block <ULID>: checksum mismatch …"), and the other blocks still serve.
 */
import { cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../../src/model/matcher.js';
import { Engine } from '../../../src/promql/index.js';
import { CorruptionError } from '../../../src/tsdb/block/fileread.js';
import { readMeta } from '../../../src/tsdb/block/meta.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { ReadOnlyTSDB } from '../../../src/tsdb/readonly.js';
import type { Querier } from '../../../src/tsdb/types.js';
import { buildApp } from '../../../src/web/server.js';
import { freePort, haveProgram, startProgram, waitFor } from '../../support/processes.js';
import { CaptureLogger, exited, spawnFixture, type TestSeries, tsdbHarness, writeTestBlock } from './support.js';

const PROMETHEUS = '/usr/bin/prometheus';
const H = 3600_000;
const MIN = 60_000;
/** A 2-hour-aligned time, 2 h past a multiple of 6 h. */
const T0 = 1_800_000_000_000;


const { tmp, openDB, closeLater, closeNow } = tsdbHarness('lookout-crash-blocks-');

/** The HTTP API over `db` (not listening; use `inject`), closed after the test. */
async function apiServer(db: TSDB): Promise<FastifyInstance> {
  const app = await buildApp({
    listenAddress: '127.0.0.1:0',
    name: 'Test',
    enableLifecycle: false,
    isReady: () => true,
    apiV1: { storage: db, engine: new Engine(), configText: () => '', flags: {}, runtimeInfo: () => ({}), buildInfo: {} },
  });
  return closeLater(app);
}

const ulidDirs = (dir: string): string[] => readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).sort();

/** Every series of `q` in [mint, maxt] as [labels joined, [[t, v], …]]. */
function dump(q: Querier, mint = -Infinity, maxt = Infinity): [string, [number, number][]][] {
  return q
    .select([new Matcher('=~', '__name__', '.+')], mint, maxt)
    .map((s) => [s.labels.join(','), Array.from({ length: s.count }, (_, i): [number, number] => [s.ts[i]!, s.vs[i]!])]);
}

/** Series `m{series="n"}` over [from, from + 2 h) at 1 min, value k + offset. */
const series = (n: number, from: number, offset: number): TestSeries => [['__name__', 'm', 'series', String(n)], from, MIN, 120, (k) => k + offset];

async function metric(reg: Registry, name: string): Promise<number> {
  const got = await reg.getSingleMetric(name)!.get();
  return got.values.reduce((a, v) => a + v.value, 0);
}

/**
 * Runs fixtures/merge_writer.ts on `dir` (clock at `now`) and SIGKILLs it once it has acknowledged
 * its commits with a compaction half done; returns the temporary block directories it saw and the
 * last acknowledged commit.
 */
async function killMidCompaction(dir: string, now: number): Promise<{ tmpDirs: string[]; acked: number }> {
  let tmpDirs: string[] = [];
  let acked = -1;
  const child = spawnFixture('merge_writer.ts', [dir, String(now)], (line) => {
    if (line.startsWith('tmp')) tmpDirs = line.split(' ').slice(1);
    const m = /^ack (\d+)$/.exec(line);
    if (m) acked = Number(m[1]);
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (acked >= 0) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`fixture exited early: ${stderr}`));
      }
    }, 20);
  });
  child.kill('SIGKILL');
  await exited(child);
  expect(child.signalCode).toBe('SIGKILL');
  return { tmpDirs, acked };
}

describe('kill -9 mid-compaction', () => {
  it('while merging overlapping blocks: the half-written block is removed at the next start, nothing is lost or doubled', async () => {
    const dir = tmp();
    // 1,100 series in each of two overlapping blocks: the merge takes two slices of 1,000 series.
    const many = (from: number, offset: number): TestSeries[] => Array.from({ length: 1100 }, (_, n) => series(n, from, offset));
    const a = writeTestBlock(dir, T0, T0 + 2 * H, many(T0, 0));
    const b = writeTestBlock(dir, T0 + H, T0 + 3 * H, many(T0 + H, 1000));
    const ro = ReadOnlyTSDB.open(dir, new CaptureLogger());
    const before = dump(ro.querier(-Infinity, Infinity));
    ro.close();
    expect(before).toHaveLength(1100);
    expect(before[0]![1]).toHaveLength(180);

    const now = T0 + 4 * H;
    const { tmpDirs, acked } = await killMidCompaction(dir, now);
    // Killed mid-merge: the merged block exists only as a temporary directory, next to its sources.
    expect(tmpDirs).toHaveLength(1);
    expect(readdirSync(dir)).toContain(tmpDirs[0]);
    expect(ulidDirs(dir)).toEqual([a.ulid, b.ulid].sort());

    const log = new CaptureLogger();
    const reg = new Registry();
    const db = openDB({ dir, now: () => now, log, registry: reg });
    expect(readdirSync(dir)).not.toContain(tmpDirs[0]);
    expect(log.lines.filter((l) => l.msg === 'Removing leftover block directory').map((l) => l.fields!.dir)).toEqual([join(dir, tmpDirs[0]!)]);
    await db.compact();
    expect(db.blocks().map((m) => [m.minTime, m.maxTime, m.compaction.level, m.stats.numSeries, m.stats.numSamples])).toEqual([[T0, T0 + 3 * H, 2, 1100, 1100 * 180]]);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    expect(ulidDirs(dir)).toEqual([db.blocks()[0]!.ulid]);
    expect(await metric(reg, 'prometheus_tsdb_vertical_compactions_total')).toBe(1);
    // Every block sample once, with the later block's value where both had one; the samples the
    // fixture acknowledged are back from its WAL.
    expect(dump(db.querier(-Infinity, T0 + 3 * H))).toEqual(before);
    const head = db.querier(now, Infinity).select([new Matcher('=', '__name__', 'merge_head_test')], now, Infinity);
    expect(head.map((s) => Array.from(s.ts.subarray(0, s.count)))).toEqual([Array.from({ length: acked + 1 }, (_, i) => now + i * 1000)]);
  });
});

describe('kill -9 mid-compaction of the head', () => {
  it('while cutting the head into a block: the half-written block is removed, every acknowledged sample is there once', async () => {
    const dir = tmp();
    // 1,100 series over [0, 3.5) h at 1 min, committed to the WAL; no compaction ran yet.
    const writer = TSDB.open({ dir, log: new CaptureLogger(), now: () => T0 });
    const app = writer.appender();
    const refs = Array.from({ length: 1100 }, (_, n) => app.seriesRef(['__name__', 'm', 'series', String(n)]));
    for (let k = 0; k < 210; k++) for (let n = 0; n < 1100; n++) app.append(refs[n]!, T0 + k * MIN, k * n);
    app.commit();
    writer.close();
    expect(ulidDirs(dir)).toEqual([]);

    // At open the head spans more than 3 h: the fixture starts cutting [0, 2) h and is killed.
    const now = T0 + 210 * MIN;
    const { tmpDirs, acked } = await killMidCompaction(dir, now);
    expect(tmpDirs).toHaveLength(1);
    expect(readdirSync(dir)).toContain(tmpDirs[0]);
    expect(ulidDirs(dir)).toEqual([]);

    const reg = new Registry();
    const db = openDB({ dir, now: () => now, registry: reg });
    expect(readdirSync(dir)).not.toContain(tmpDirs[0]);
    await db.compact();
    expect(db.blocks().map((m) => [m.minTime, m.maxTime, m.stats.numSeries, m.stats.numSamples])).toEqual([[T0, T0 + 2 * H, 1100, 1100 * 120]]);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    const got = db.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', 'm')], -Infinity, Infinity);
    expect(got).toHaveLength(1100);
    for (const s of got) {
      const n = Number(s.labels[3]);
      if (s.count !== 210) throw new Error(`series ${n}: ${s.count} samples`);
      for (let k = 0; k < 210; k++) if (s.ts[k] !== T0 + k * MIN || s.vs[k] !== k * n) throw new Error(`series ${n} sample ${k}: ${s.ts[k]} ${s.vs[k]}`);
    }
    const head = db.querier(now, Infinity).select([new Matcher('=', '__name__', 'merge_head_test')], now, Infinity);
    expect(head.map((s) => s.count)).toEqual([acked + 1]);
  });
});

describe('damaged chunk files', () => {
  /** Blocks A [0, 2) h and B [2, 4) h of one series each, in a fresh directory. */
  function twoBlocks(): { dir: string; a: string; b: string } {
    const dir = tmp();
    const a = writeTestBlock(dir, T0, T0 + 2 * H, [series(0, T0, 0)]).ulid;
    const b = writeTestBlock(dir, T0 + 2 * H, T0 + 4 * H, [series(0, T0 + 2 * H, 120)]).ulid;
    return { dir, a, b };
  }

  /** Queries `m` over [from, to] through the engine: the error, or the number of samples. */
  function query(db: TSDB, from: number, to: number): string | number {
    try {
      return dump(db.querier(from, to), from, to).reduce((n, [, pts]) => n + pts.length, 0);
    } catch (e) {
      expect(e).toBeInstanceOf(CorruptionError);
      return (e as Error).message;
    }
  }

  it('a flipped byte fails the queries reading that chunk with a checksum error naming chunk, block and file; other blocks still serve', async () => {
    const { dir, a } = twoBlocks();
    const seg = join(dir, a, 'chunks', '000001');
    const bytes = readFileSync(seg);
    // The block's only chunk starts right after the 8-byte segment header: reference 8.
    bytes[20] ^= 0xff;
    writeFileSync(seg, bytes);

    const db = openDB({ dir, now: () => T0 + 5 * H });
    expect(query(db, T0, T0 + 2 * H - 1)).toMatch(new RegExp(`^cannot populate chunk 8 from block ${a}: ${seg}: checksum mismatch for the chunk at 8: expected:[0-9a-f]{8}, actual:[0-9a-f]{8}$`));
    expect(query(db, T0 + 2 * H, T0 + 4 * H)).toBe(120);
    // The label index is intact: series and label values are still answered.
    expect(db.querier(T0, T0 + H).series([new Matcher('=', '__name__', 'm')], T0, T0 + H)).toEqual([['__name__', 'm', 'series', '0']]);

    // Over HTTP, as Prometheus 2.42 answers such a query: 422, errorType "execution".
    const app = await apiServer(db);
    const broken = await app.inject({ method: 'GET', url: `/api/v1/query?query=m&time=${(T0 + H) / 1000}` });
    expect(broken.statusCode).toBe(422);
    const body = JSON.parse(broken.body);
    expect([body.status, body.errorType]).toEqual(['error', 'execution']);
    expect(body.error).toMatch(new RegExp(`^cannot populate chunk 8 from block ${a}: ${seg}: checksum mismatch`));
    const fine = await app.inject({ method: 'GET', url: `/api/v1/query?query=m&time=${(T0 + 3 * H) / 1000}` });
    expect(fine.statusCode).toBe(200);
    expect(JSON.parse(fine.body).data.result).toEqual([{ metric: { __name__: 'm', series: '0' }, value: [(T0 + 3 * H) / 1000, '180'] }]);
  });

  it('answers a query over a damaged chunk as Prometheus 2.42 does on the same blocks', async (ctx) => {
    if (!haveProgram(PROMETHEUS)) return ctx.skip();
    const dir = tmp();
    const a = writeTestBlock(dir, T0, T0 + 2 * H, [series(0, T0, 0)], { chunkEncoding: 'xor' }).ulid;
    writeTestBlock(dir, T0 + 2 * H, T0 + 4 * H, [series(0, T0 + 2 * H, 120)], { chunkEncoding: 'xor' });
    const seg = join(dir, a, 'chunks', '000001');
    const bytes = readFileSync(seg);
    bytes[20] ^= 0xff;
    writeFileSync(seg, bytes);
    const upstreamDir = tmp();
    cpSync(dir, upstreamDir, { recursive: true });
    const config = join(tmp(), 'prometheus.yml');
    writeFileSync(config, 'global: {}\n');
    const port = await freePort();
    const prom = startProgram(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${upstreamDir}`, `--web.listen-address=127.0.0.1:${port}`]);
    closeLater({ close: () => prom.stop('SIGKILL') });
    const base = `http://127.0.0.1:${port}`;
    await waitFor('Prometheus ready', 60_000, async () => (await fetch(`${base}/-/ready`)).ok);

    const db = openDB({ dir, now: () => T0 + 5 * H });
    const app = await apiServer(db);
    for (const t of [T0 + H, T0 + 3 * H]) {
      const path = `/api/v1/query?query=m&time=${t / 1000}`;
      const theirs = await fetch(base + path);
      const ours = await app.inject({ method: 'GET', url: path });
      expect(ours.statusCode, path).toBe(theirs.status);
      const theirBody = (await theirs.json()) as { status: string; errorType?: string; error?: string };
      const ourBody = JSON.parse(ours.body);
      if (theirs.status === 200) {
        expect(ourBody).toEqual(theirBody);
        continue;
      }
      expect([ourBody.status, ourBody.errorType]).toEqual([theirBody.status, theirBody.errorType]);
      // Prometheus: "cannot populate chunk 8 from block <id>: checksum mismatch expected:…, actual:…";
      // Lookout names the block's ULID and the segment file as well.
      expect(theirBody.error).toMatch(/^cannot populate chunk 8 from block [0-9A-Z]{26}: checksum mismatch expected:[0-9a-f]{8}, actual:[0-9a-f]{8}$/);
      expect(ourBody.error).toMatch(new RegExp(`^cannot populate chunk 8 from block ${a}: ${seg}: checksum mismatch`));
    }
  });

  it('a truncated segment fails the queries reading past its end, naming chunk, block, file and sizes', () => {
    const { dir, a, b } = twoBlocks();
    const seg = join(dir, b, 'chunks', '000001');
    const size = statSync(seg).size;
    truncateSync(seg, size - 10);
    const db = openDB({ dir, now: () => T0 + 5 * H });
    expect(query(db, T0 + 2 * H, T0 + 4 * H)).toMatch(
      new RegExp(`^cannot populate chunk 8 from block ${b}: ${seg}: segment doesn't include enough bytes to read the chunk at 8 - required: ${size}, available: ${size - 10}$`),
    );
    expect(query(db, T0, T0 + 2 * H - 1)).toBe(120);
    expect(ulidDirs(dir)).toEqual([a, b].sort());
  });

  it('a segment cut inside its header is refused at start, naming block and file, as upstream refuses to open such a block', () => {
    const { dir, a } = twoBlocks();
    const seg = join(dir, a, 'chunks', '000001');
    truncateSync(seg, 3);
    expect(() => TSDB.open({ dir, log: new CaptureLogger() })).toThrow(`opening block ${join(dir, a)}: ${seg}: invalid segment header (3 bytes)`);
  });

  it('compaction over a damaged block fails once, marks the blocks failed in meta.json and leaves them out; the rest goes on', async () => {
    const dir = tmp();
    const blocks = [0, 2, 4, 6].map((h) => writeTestBlock(dir, T0 + h * H, T0 + (h + 2) * H, [series(0, T0 + h * H, h * 60)]).ulid);
    const seg = join(dir, blocks[0]!, 'chunks', '000001');
    const bytes = readFileSync(seg);
    bytes[20] ^= 0xff;
    writeFileSync(seg, bytes);

    const reg = new Registry();
    const log = new CaptureLogger();
    // [0, 2) and [2, 4) h share a 6 h window ending before [4, 6) h starts: planned for a merge.
    let db = openDB({ dir, now: () => T0 + 9 * H, registry: reg, log });
    await db.compact();
    expect(await metric(reg, 'prometheus_tsdb_compactions_failed_total')).toBe(1);
    // As upstream, a failed compaction counts in both.
    expect(await metric(reg, 'prometheus_tsdb_compactions_total')).toBe(1);
    const failure = log.lines.find((l) => l.level === 'error')!;
    expect(failure.msg).toBe('Compacting blocks failed; they are marked failed and left out of compaction');
    expect(String(failure.fields!.err)).toContain(`cannot populate chunk 8 from block ${blocks[0]}: ${seg}: checksum mismatch`);
    expect(blocks.map((u) => readMeta(join(dir, u)).compaction.failed ?? false)).toEqual([true, true, false, false]);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    await db.tick();
    expect(await metric(reg, 'prometheus_tsdb_compactions_failed_total')).toBe(1);
    expect(db.blocks().map((m) => m.ulid)).toEqual(blocks);
    expect(query(db, T0 + 2 * H, T0 + 8 * H)).toBe(360);
    closeNow(db);
    // The mark survives a restart: no retry.
    const reg2 = new Registry();
    db = openDB({ dir, now: () => T0 + 9 * H, registry: reg2 });
    await db.compact();
    expect(await metric(reg2, 'prometheus_tsdb_compactions_failed_total')).toBe(0);
    expect(ulidDirs(dir)).toEqual([...blocks].sort());
  });
});
