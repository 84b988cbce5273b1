/**
 * TSDB benchmark (run: `npm run bench:tsdb`, a few minutes). Prints:
 *  - append rate (samples/s) for 100k series × N samples, head alone and with the WAL;
 *  - bytes per series (V8 heap + array buffers, measured after GC) and the head's own accounting;
 *  - bytes per sample in chunks for counter-like and gauge-like data;
 *  - WAL replay time for 100k series / 1M samples;
 *  - the cost of one retention pass (head GC + WAL checkpoint) over 100k series;
 *  - disk bytes per sample of a 2 h block of data set B (`../shared/bench/gen-openmetrics.mjs`,
 *    9,940 series at 15 s, JITTER_MS=0), side by side with `promtool tsdb create-blocks-from
 *    openmetrics` (Prometheus's block writer) when /usr/bin/promtool is installed, and the time the
 *    block write takes (it runs on the event loop);
 *  - side by side with Prometheus 2.42 and VictoriaMetrics (`bench/tsdb-servers.ts`; needs
 *    `npm run build`): startup to ready, and the four queries over HTTP on data set B.
 * Ingest CPU, 1M-series WAL replay and marginal memory per series have their own scripts (printed
 * at the end). Whole run: a few minutes.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Logger } from '../src/log.js';
import type { Labels } from '../src/model/labels.js';
import { Matcher } from '../src/model/matcher.js';
import { Block } from '../src/tsdb/block/block.js';
import { writeHeadBlock } from '../src/tsdb/block/writer.js';
import { TSDB } from '../src/tsdb/db.js';
import { Head } from '../src/tsdb/head.js';
import { CheckpointEncoder } from '../src/tsdb/head_wal.js';
import type { Storage } from '../src/tsdb/types.js';
import { CheckpointWriter } from '../src/tsdb/wal/checkpoint.js';
import { serverFigures } from './tsdb-servers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SERIES = 100_000;
const T0 = Date.now() - 3600_000;
const STEP = 15_000;

class QuietLogger extends Logger {
  override info(): void {}
}

/** 100k label sets shaped like node_exporter scrapes: 1,000 targets × 100 series. */
function labelSets(n: number): Labels[] {
  const out: Labels[] = [];
  for (let i = 0; i < n; i++) {
    const target = Math.floor(i / 100);
    const metric = i % 100;
    out.push([
      '__name__',
      `node_metric_${metric % 40}_total`,
      'cpu',
      String(metric % 8),
      'instance',
      `host-${target}.example.com:9100`,
      'job',
      'node',
      'mode',
      `mode${Math.floor(metric / 8)}`,
    ]);
  }
  return out;
}

function memory(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Appends `rounds` scrapes of every series, committing per target-sized batch of 10k samples. */
function ingest(store: Storage, refs: number[], rounds: number, start: number, value: (ref: number, k: number) => number): number {
  const begin = performance.now();
  for (let k = 0; k < rounds; k++) {
    const t = T0 + (start + k) * STEP;
    for (let b = 0; b < refs.length; b += 10_000) {
      const app = store.appender();
      const end = Math.min(refs.length, b + 10_000);
      for (let i = b; i < end; i++) app.append(refs[i]!, t, value(i, start + k));
      app.commit();
    }
  }
  return (refs.length * rounds) / ((performance.now() - begin) / 1000);
}

const counter = (i: number, k: number): number => k * (i % 7) + Math.floor(k / 3);
const gauge = (i: number, k: number): number => Math.sin(i + k) * 1000;

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1);
}

const sets = labelSets(SERIES);

// 1. Bytes per series: 100k series with one sample each, head alone.
{
  const before = memory();
  const head = new Head();
  const app = head.appender();
  const refs = sets.map((ls) => app.seriesRef(ls));
  for (const r of refs) app.append(r, T0, 1);
  app.commit();
  const after = memory();
  const ms = head.memoryStats();
  let labelChars = 0;
  for (const ls of sets.slice(0, 1000)) for (const s of ls) labelChars += s.length;
  console.log(`series memory: ${fmt(SERIES)} series, 5 labels each (~${Math.round(labelChars / 1000)} label chars/series, interned)`);
  console.log(`  measured (heap + array buffers, after GC): ${((after - before) / SERIES).toFixed(0)} B/series`);
  console.log(
    `  head accounting: columns ${(ms.seriesColumns / SERIES).toFixed(0)} B, open-chunk slabs ${(ms.openChunkSlabs / SERIES).toFixed(0)} B ` +
      `(${(ms.openChunkBytes / SERIES).toFixed(0)} B in use) per series`,
  );
  if (head.numSeries() !== SERIES) throw new Error('series count mismatch');
}

// 2. Append rate, head alone: 100k series × 20 samples.
{
  const head = new Head();
  const app = head.appender();
  const refs = sets.map((ls) => app.seriesRef(ls));
  ingest(head, refs, 2, 0, counter);
  const rate = ingest(head, refs, 20, 2, counter);
  console.log(`append (head only): ${fmt(rate)} samples/s (100k series × 20 samples, commits of 10k)`);
}

// 3. Bytes per sample in completed chunks: 10k series × 240 samples of each shape.
for (const [name, fn] of [
  ['counter-like', counter],
  ['gauge-like (random floats)', gauge],
] as const) {
  const head = new Head();
  const app = head.appender();
  const refs = sets.slice(0, 10_000).map((ls) => app.seriesRef(ls));
  ingest(head, refs, 240, 0, fn);
  const ms = head.memoryStats();
  const samples = 10_000 * 240;
  console.log(
    `chunk bytes/sample (${name}): ${((ms.chunkBytes + ms.openChunkBytes) / samples).toFixed(2)} ` +
      `(+ ${((ms.chunkTable / samples) * 1).toFixed(2)} B chunk metadata), ${head.numChunks()} chunks`,
  );
}

// 4. With the WAL: append rate, then replay of 100k series / 1M samples.
{
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-tsdb-'));
  try {
    const log = new QuietLogger();
    let db = TSDB.open({ dir, log });
    const app = db.appender();
    const refs = sets.map((ls) => app.seriesRef(ls));
    app.commit();
    const rate = ingest(db, refs, 10, 0, counter);
    console.log(`append (with WAL): ${fmt(rate)} samples/s (100k series × 10 samples, one write per 10k-sample commit)`);
    db.close();
    const start = performance.now();
    db = TSDB.open({ dir, log });
    const secs = (performance.now() - start) / 1000;
    const got = db.querier(0, Infinity).select([new Matcher('=', 'instance', 'host-7.example.com:9100')], 0, Infinity);
    if (got.length !== 100 || got[0]!.count !== 10) throw new Error(`replay check failed: ${got.length} series`);
    console.log(`WAL replay: ${secs.toFixed(2)} s for ${fmt(db.head.numSeries())} series / 1M samples`);
    let t = performance.now();
    db.head.truncate(-Infinity);
    const gcMs = performance.now() - t;
    t = performance.now();
    const encoder = new CheckpointEncoder(db.head);
    const writer = new CheckpointWriter(join(dir, 'wal'), 99_999_999);
    let slices = 0;
    let longest = 0;
    while (encoder.remaining > 0) {
      const s0 = performance.now();
      encoder.encodeNext(10_000, (rec) => writer.add(rec));
      longest = Math.max(longest, performance.now() - s0);
      slices++;
    }
    writer.finish();
    console.log(
      `retention pass over 100k series: head GC ${gcMs.toFixed(1)} ms; WAL checkpoint ${(performance.now() - t).toFixed(0)} ms ` +
        `in ${slices} slices (longest ${longest.toFixed(1)} ms blocking)`,
    );
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of the files under `dir` (recursively). */
function duBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? duBytes(p) : statSync(p).size;
  }
  return n;
}

// 5. Disk: a 2 h block of data set B, Lookout's block writer vs promtool's.
{
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-blocks-'));
  try {
    const end = 1_800_000_000; // A 2 h boundary (s), so the data fills exactly one block.
    const info = JSON.parse(
      execFileSync(process.execPath, [join(import.meta.dirname, '../../shared/bench/gen-openmetrics.mjs')], {
        env: { ...process.env, JITTER_MS: '0', END: String(end), OUT: join(dir, 'B') },
        encoding: 'utf8',
      }),
    ) as { series: number; samples: number };
    const head = new Head();
    const app = head.appender();
    let lastKey = '';
    let ref = 0;
    const onLine = (line: string): void => {
      const close = line.lastIndexOf('}');
      const key = line.slice(0, close + 1);
      if (key !== lastKey) {
        const open = key.indexOf('{');
        const pairs: [string, string][] = [['__name__', key.slice(0, open)]];
        for (const pair of key.slice(open + 1, -1).split('",')) {
          const eq = pair.indexOf('=');
          pairs.push([pair.slice(0, eq), pair.slice(eq + 2).replace(/"$/, '')]);
        }
        pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1));
        ref = app.seriesRef(pairs.flat());
        lastKey = key;
      }
      const sp = line.indexOf(' ', close + 2);
      app.append(ref, Number(line.slice(sp + 1)), Number(line.slice(close + 2, sp)));
    };
    // The file is ~500 MB: read it in pieces.
    const fd = openSync(join(dir, 'B.prom'), 'r');
    const buf = Buffer.alloc(16 << 20);
    let rest = '';
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      const text = rest + buf.toString('utf8', 0, n);
      let pos = 0;
      for (let nl; (nl = text.indexOf('\n', pos)) >= 0; pos = nl + 1) onLine(text.slice(pos, nl));
      rest = text.slice(pos);
    }
    closeSync(fd);
    app.commit();
    // Both block chunk encodings (--storage.tsdb.block-chunk-encoding): the compact default, and xor (Prometheus-readable).
    const write = (chunkEncoding: 'lookout' | 'xor'): { bytes: number; ms: number; readRate: number } => {
      const t = performance.now();
      const meta = writeHeadBlock(head, join(dir, chunkEncoding), (end - 7200) * 1000, end * 1000, { chunkEncoding })!;
      const ms = performance.now() - t;
      if (meta.stats.numSamples !== info.samples) throw new Error(`block holds ${meta.stats.numSamples} samples, want ${info.samples}`);
      const block = Block.open(join(dir, chunkEncoding, meta.ulid));
      let readRate = 0;
      for (let k = 0; k < 3; k++) {
        const r = performance.now();
        const read = block.querier(-Infinity, Infinity).select([new Matcher('=~', '__name__', '.+')], -Infinity, Infinity).reduce((a, s) => a + s.count, 0);
        readRate = Math.max(readRate, read / ((performance.now() - r) / 1000));
      }
      block.close();
      return { bytes: duBytes(join(dir, chunkEncoding, meta.ulid)) - statSync(join(dir, chunkEncoding, meta.ulid, 'meta.json')).size, ms, readRate };
    };
    const lookout = write('lookout');
    const xor = write('xor');
    const ours = lookout.bytes;
    let line = `block bytes/sample (data set B, ${fmt(info.series)} series, ${fmt(info.samples)} samples, index + chunks): Lookout ${(ours / info.samples).toFixed(3)} (lookout chunk encoding), ${(xor.bytes / info.samples).toFixed(3)} (xor)`;
    if (existsSync('/usr/bin/promtool')) {
      const out = join(dir, 'prom');
      execFileSync('/usr/bin/promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'B.om'), out], { stdio: 'ignore' });
      const blocks = readdirSync(out).filter((n) => /^[0-9A-Z]{26}$/.test(n));
      let theirs = 0;
      for (const b of blocks) theirs += duBytes(join(out, b)) - statSync(join(out, b, 'meta.json')).size - statSync(join(out, b, 'tombstones')).size;
      line += `, Prometheus 2.42 ${(theirs / info.samples).toFixed(3)} (${blocks.length} block(s)), ratio ${(ours / theirs).toFixed(2)}`;
    }
    console.log(line);
    console.log(`block write (data set B): ${lookout.ms.toFixed(0)} ms (lookout chunk encoding), ${xor.ms.toFixed(0)} ms (xor) on the event loop`);
    console.log(`block read (data set B, every series through BlockQuerier.select, best of 3): ${(lookout.readRate / 1e6).toFixed(1)} M samples/s (lookout chunk encoding), ${(xor.readRate / 1e6).toFixed(1)} M samples/s (xor)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// 6. Startup and queries over HTTP, side by side with Prometheus and VictoriaMetrics.
await serverFigures();
console.log(
  'other TSDB figures: ingest CPU s per M samples — `npm run bench:ingest`; WAL replay of 1M series — ' +
    '`npm run bench:tsdb-replay`; marginal RSS per active series — `npm run bench:tsdb-memory` (with `SCALE_SERIES=1000000` the 1M-series scale point)',
);
