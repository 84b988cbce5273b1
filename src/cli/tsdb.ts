/**
 * `lookout tsdb dump|analyze`: read a data directory as `promtool tsdb dump|analyze` (2.42) do,
 * without taking its lock, so they work on a running server's directory.
 *
 * - dump prints every sample of the blocks and the head (rebuilt from the WAL) as
 *   `{__name__="up", job="api"} 1 1700000000000` (labels as Go `labels.String()`, the value as Go
 *   `%g`, the timestamp in ms), series in label order.
 * - analyze prints the cardinality of one block (the newest, or the one named): series, label
 *   names, postings, then the top label pairs and names by churn, by series count, by value
 *   length, by number of values, and the metric names with the most series.
 * - create-blocks-from openmetrics (backfill) writes the samples of an OpenMetrics file as blocks,
 *   one per 2 h range that holds samples, and prints them as a table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser, EntryType } from '../exposition/index.js';
import { compare, compareStrings, type Labels, toGoString } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { logger } from '../log.js';
import { parseMetricSelector } from '../promql/parser.js';
import { formatFloat } from '../template/strconv.js';
import { Block } from '../tsdb/block/block.js';
import { type BlockChunkEncoding, BLOCK_CHUNK_ENCODING_HELP, DEFAULT_BLOCK_CHUNK_ENCODING, parseBlockChunkEncoding } from '../tsdb/chunkenc/blockchunk.js';
import { chunkSampleCount } from '../tsdb/chunkenc/chunk.js';
import { writeHeadBlock } from '../tsdb/block/writer.js';
import { Head } from '../tsdb/head.js';
import { ReadOnlyTSDB } from '../tsdb/readonly.js';
import { FlagError, type FlagSpecs, type ParsedFlags, str } from './flags.js';

/** Flags of `lookout tsdb dump` (as promtool's). */
export const TSDB_DUMP_FLAGS: FlagSpecs = {
  'min-time': { default: '-9223372036854775808', help: 'Minimum timestamp to dump (ms).' },
  'max-time': { default: '9223372036854775807', help: 'Maximum timestamp to dump (ms).' },
  match: { default: '', repeatable: true, help: 'Series selector; may be repeated (default: every series).' },
};

/** Flags of `lookout tsdb analyze` (as promtool's). */
export const TSDB_ANALYZE_FLAGS: FlagSpecs = {
  limit: { default: '20', help: 'How many items to show in each list.' },
  extended: { default: false, help: 'Run extended analysis (reads every chunk: how full chunks are).' },
};

/** Default data directory, as promtool's and `--storage.tsdb.path`'s. */
const DEFAULT_DIR = 'data/';

/** Parses an int64 ms flag, clamping to the safe-integer range. @throws {FlagError} when not an integer. */
function timeFlag(f: ParsedFlags, name: string): number {
  const s = String(f.values[name]);
  if (!/^-?\d+$/.test(s)) throw new FlagError(`invalid --${name} ${JSON.stringify(s)}: expected an integer timestamp in ms`);
  const v = Number(s);
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v));
}

function directory(f: ParsedFlags, max: number, usage: string): string[] {
  if (f.positionals.length > max) throw new FlagError(`unexpected ${f.positionals[max]}: ${usage}`);
  return [f.positionals[0] ?? DEFAULT_DIR, ...f.positionals.slice(1)];
}

/**
 * `lookout tsdb dump [--min-time=MS] [--max-time=MS] [--match=SELECTOR...] [DIR]`: writes every
 * sample in [min-time, max-time] of the series matching any selector to `out`, one line each.
 * Returns the exit code (0).
 * @throws {FlagError} for bad flags or selectors; `Error` when the directory cannot be read.
 */
export function tsdbDump(f: ParsedFlags, out: (line: string) => void): number {
  const [dir] = directory(f, 1, 'lookout tsdb dump [flags] [DIR]');
  const mint = timeFlag(f, 'min-time');
  const maxt = timeFlag(f, 'max-time');
  const selectors = splitSelectors(String(f.values.match));
  // Default: every series (upstream's `{__name__=~"(?s:.*)"}`, which the selector syntax refuses).
  const matcherSets: Matcher[][] = selectors.length > 0 ? [] : [[new Matcher('=~', '__name__', '.*')]];
  for (const sel of selectors) {
    try {
      matcherSets.push(parseMetricSelector(sel));
    } catch (e) {
      throw new FlagError(`invalid --match ${JSON.stringify(sel)}: ${(e as Error).message}`);
    }
  }
  const db = ReadOnlyTSDB.open(dir!, logger('tsdb'));
  try {
    const q = db.querier(mint, maxt);
    // Series matching several selectors are printed once, in label order.
    const seen = new Map<string, { labels: Labels; lines: string[] }>();
    for (const ms of matcherSets) {
      for (const s of q.select(ms, mint, maxt)) {
        const key = toGoString(s.labels);
        if (seen.has(key)) continue;
        const lines: string[] = [];
        for (let i = 0; i < s.count; i++) lines.push(`${key} ${formatFloat(s.vs[i]!, 'g', -1)} ${s.ts[i]}`);
        seen.set(key, { labels: s.labels, lines });
      }
    }
    const series = [...seen.values()].sort((a, b) => compare(a.labels, b.labels));
    for (const s of series) for (const line of s.lines) out(line);
  } finally {
    db.close();
  }
  return 0;
}

/**
 * Splits the occurrences of a repeated `--match` (joined with commas by the flag parser) at the
 * commas outside braces and quotes.
 */
function splitSelectors(joined: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    if (quote !== '') {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(joined.slice(start, i));
      start = i + 1;
    }
  }
  out.push(joined.slice(start));
  return out.filter((s) => s.trim() !== '');
}

/** Go `time.Duration.String()` of `ms` milliseconds (≥ 0), e.g. `2h0m0s`, `1m30.5s`, `250ms`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3600_000);
  const m = Math.floor((ms % 3600_000) / 60_000);
  const s = String((ms % 60_000) / 1000);
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * `lookout tsdb analyze [--limit=N] [DIR [BLOCK_ID]]`: writes the cardinality report of the block
 * `BLOCK_ID` (default: the newest) to `out`. Lists are sorted by count, descending (ties by name,
 * where promtool's order is unspecified). Returns the exit code (0).
 * @throws {FlagError} for bad flags; `Error` when there is no such block or the directory cannot be read.
 */
export function tsdbAnalyze(f: ParsedFlags, out: (line: string) => void): number {
  const [dir, id] = directory(f, 2, 'lookout tsdb analyze [flags] [DIR [BLOCK_ID]]');
  const limit = Number(f.values.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new FlagError(`invalid --limit ${JSON.stringify(f.values.limit)}: expected a non-negative integer`);
  const db = ReadOnlyTSDB.open(dir!, logger('tsdb'));
  try {
    if (db.blocks.length === 0) throw new Error(`no blocks found in ${dir}`);
    let block: Block | undefined = db.blocks[db.blocks.length - 1];
    if (id !== undefined) block = db.blocks.find((b) => b.meta.ulid === id);
    if (block === undefined) throw new Error(`block id ${id} not found in ${dir}`);
    analyzeBlock(block, limit, out);
    if (f.values.extended === true) analyzeCompaction(block, out);
  } finally {
    db.close();
  }
  return 0;
}

function analyzeBlock(block: Block, limit: number, out: (line: string) => void): void {
  const meta = block.meta;
  const ix = block.index;
  const span = meta.maxTime - meta.minTime;
  out(`Block ID: ${meta.ulid}`);
  out(`Duration: ${goDuration(span)}`);
  out(`Series: ${meta.stats.numSeries ?? 0}`);
  const names = ix.labelNames();
  out(`Label names: ${names.length}`);

  const pairUncovered = new Map<string, number>();
  const nameUncovered = new Map<string, number>();
  const pairCount = new Map<string, number>();
  let entries = 0;
  const entry = { ids: [] as number[], chunks: [] as { minT: number; maxT: number; ref: number }[] };
  for (const sid of ix.allPostings()) {
    ix.series(sid, entry);
    const chunks = entry.chunks;
    // Milliseconds of the block's range the series has no chunk in: its churn.
    const uncovered = chunks.length === 0 ? span : span - (chunks[chunks.length - 1]!.maxT - chunks[0]!.minT);
    const ls = ix.labelsOf(entry);
    for (let i = 0; i < ls.length; i += 2) {
      const key = `${ls[i]}=${ls[i + 1]}`;
      nameUncovered.set(ls[i]!, (nameUncovered.get(ls[i]!) ?? 0) + uncovered);
      pairUncovered.set(key, (pairUncovered.get(key) ?? 0) + uncovered);
      pairCount.set(key, (pairCount.get(key) ?? 0) + 1);
      entries++;
    }
  }
  out(`Postings (unique label pairs): ${pairUncovered.size}`);
  out(`Postings entries (total label pairs): ${entries}`);

  const print = (title: string, rows: [string, number][]): void => {
    out('');
    out(`${title}:`);
    rows.sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]));
    for (const [key, n] of rows.slice(0, limit)) out(`${n} ${key}`);
  };
  const churn = (m: Map<string, number>): [string, number][] => [...m].map(([k, v]) => [k, Math.floor(v / span)]);
  print('Label pairs most involved in churning', churn(pairUncovered));
  print('Label names most involved in churning', churn(nameUncovered));
  print('Most common label pairs', [...pairCount]);
  const values = names.map((n) => ix.labelValues(n));
  print(
    'Label names with highest cumulative label value length',
    names.map((n, i) => [n, values[i]!.reduce((a, v) => a + Buffer.byteLength(v), 0)]),
  );
  print(
    'Highest cardinality labels',
    names.map((n, i) => [n, values[i]!.length]),
  );
  const metricNames: [string, number][] = [];
  ix.forEachValue('__name__', (v, off) => void metricNames.push([v, ix.postingsAt(off).length]));
  print('Highest cardinality metric names', metricNames);
}

/**
 * `--extended`'s compaction analysis, as promtool's: a histogram of chunk fullness in ten buckets
 * of 12 samples (a chunk of n samples, n capped at 120, counts in bucket ⌈10n/120⌉), each printed as
 * `%7d%%: ` and one `#` per whole percent of the block's chunks.
 * @throws {CorruptionError} for a damaged chunk.
 */
function analyzeCompaction(block: Block, out: (line: string) => void): void {
  const MAX_SAMPLES = 120;
  const histogram = new Array<number>(10).fill(0);
  let total = 0;
  const ix = block.index;
  const entry = { ids: [] as number[], chunks: [] as { minT: number; maxT: number; ref: number }[] };
  for (const sid of ix.allPostings()) {
    for (const c of ix.series(sid, entry).chunks) {
      const b = block.chunkBytes(c.ref);
      const n = Math.min(chunkSampleCount(b.buf, b.start), MAX_SAMPLES);
      histogram[Math.max(0, Math.ceil((10 * n) / MAX_SAMPLES) - 1)]!++;
      total++;
    }
  }
  out('');
  out('Compaction analysis:');
  out('Fullness: Amount of samples in chunks (100% is 120 samples)');
  histogram.forEach((count, i) => {
    const percent = total === 0 ? 0 : Math.floor((100 * count) / total);
    out(`${String((i + 1) * 10).padStart(7)}%: ${'#'.repeat(percent)}`);
  });
}

/** Flags of `lookout tsdb create-blocks-from openmetrics` (as promtool's, without `--human-readable`). */
export const TSDB_CREATE_BLOCKS_FLAGS: FlagSpecs = {
  quiet: { default: false, help: 'Do not print created blocks.' },
  'storage.tsdb.block-chunk-encoding': { default: DEFAULT_BLOCK_CHUNK_ENCODING, help: BLOCK_CHUNK_ENCODING_HELP },
};

/** Range of each backfilled block (upstream `DefaultBlockDuration`, 2 h). */
const BACKFILL_BLOCK_MS = 2 * 3600_000;

/**
 * Calls `fn(labels, t, v)` for every sample of an OpenMetrics body, in file order.
 * @throws {Error} `line N: …` for a parse error or a sample without a timestamp (upstream's
 * backfill requires one).
 */
function forEachSample(body: Buffer, fn: (p: { labels(): Labels; seriesKey(): string }, t: number, v: number) => void): void {
  const p = createParser(body, 'openmetrics');
  try {
    for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
      if (e !== EntryType.Series) continue;
      const t = p.timestamp();
      if (t === undefined) throw new Error(`expected timestamp for series ${toGoString(p.labels())}, got none`);
      fn(p, t, p.value());
    }
  } catch (e) {
    throw new Error(`line ${p.line()}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * `lookout tsdb create-blocks-from openmetrics FILE [DIR]`: backfill, as promtool's. Reads the
 * OpenMetrics file (every sample must carry a timestamp), and for each 2 h-aligned range holding
 * samples writes a block to DIR (default `data/`) covering [first sample, last sample + 1 ms];
 * prints one table row per block (ULID, min/max time in ms, duration, samples, chunks, series,
 * size in bytes) unless `--quiet`. Returns the exit code (0).
 * As promtool 2.42, a sample older than or at the same time as an earlier one of its series is
 * dropped silently.
 * @throws {FlagError} for bad arguments; `Error` for unreadable or invalid input, naming the line.
 */
export function tsdbCreateBlocks(f: ParsedFlags, out: (line: string) => void): number {
  const [format, input, dir = DEFAULT_DIR, extra] = f.positionals;
  if (format !== 'openmetrics') throw new FlagError(`unknown format ${JSON.stringify(format ?? '')}: expected lookout tsdb create-blocks-from openmetrics FILE [DIR]`);
  if (input === undefined) throw new FlagError('missing input file: lookout tsdb create-blocks-from openmetrics FILE [DIR]');
  if (extra !== undefined) throw new FlagError(`unexpected ${extra}: lookout tsdb create-blocks-from openmetrics FILE [DIR]`);
  let chunkEncoding: BlockChunkEncoding;
  try {
    chunkEncoding = parseBlockChunkEncoding(str(f, 'storage.tsdb.block-chunk-encoding'));
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  const body = readFileSync(input);
  let mint = Infinity;
  let maxt = -Infinity;
  forEachSample(body, (_p, t) => {
    if (t < mint) mint = t;
    if (t > maxt) maxt = t;
  });
  const header = ['BLOCK ULID', 'MIN TIME', 'MAX TIME', 'DURATION', 'NUM SAMPLES', 'NUM CHUNKS', 'NUM SERIES', 'SIZE'];
  let printed = 0;
  for (let start = Math.floor(mint / BACKFILL_BLOCK_MS) * BACKFILL_BLOCK_MS; start <= maxt; start += BACKFILL_BLOCK_MS) {
    const end = start + BACKFILL_BLOCK_MS;
    const head = new Head();
    const app = head.appender();
    const refs = new Map<string, number>();
    forEachSample(body, (p, t, v) => {
      if (t < start || t >= end) return;
      const key = p.seriesKey();
      let ref = refs.get(key);
      if (ref === undefined) {
        ref = app.seriesRef(p.labels());
        refs.set(key, ref);
      }
      app.append(ref, t, v);
    });
    app.commit();
    if (head.numSeries() === 0) continue;
    const meta = writeHeadBlock(head, dir, head.minTime(), head.maxTime() + 1, { chunkEncoding });
    if (meta === null) continue;
    const block = Block.open(join(dir, meta.ulid));
    const size = block.size();
    block.close();
    const st = meta.stats;
    const row = [meta.ulid, String(meta.minTime), String(meta.maxTime), goDuration(meta.maxTime - meta.minTime), String(st.numSamples), String(st.numChunks), String(st.numSeries), String(size)];
    // As promtool, each block's row is laid out on its own, the first one together with the header.
    if (f.values.quiet !== true) for (const line of tabulate(printed++ === 0 ? [header, row] : [row])) out(line);
  }
  return 0;
}

/** Rows as Go's `tabwriter` (minimum cell width 13, padding 2, spaces) lays them out; the last column unpadded. */
function tabulate(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(13, ...rows.map((r) => r[c]!.length + 2)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join(''));
}
