import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { goDuration, TSDB_ANALYZE_FLAGS, TSDB_CREATE_BLOCKS_FLAGS, TSDB_DUMP_FLAGS, tsdbAnalyze, tsdbCreateBlocks, tsdbDump } from '../../../src/cli/tsdb.js';
import { parseFlags } from '../../../src/cli/flags.js';
import { Logger } from '../../../src/log.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { haveProgram } from '../../support/processes.js';

const PROMTOOL = '/usr/bin/promtool';
const CONFORMANCE = '/work/shared/conformance/promtool';
const H = 3600_000;

class Quiet extends Logger {
  override info(): void {}
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-tsdb-cli-'));
  dirs.push(d);
  return d;
}

function dump(args: string[]): string[] {
  const lines: string[] = [];
  expect(tsdbDump(parseFlags(args, TSDB_DUMP_FLAGS), (l) => lines.push(l))).toBe(0);
  return lines;
}

function analyze(args: string[]): string {
  const lines: string[] = [];
  expect(tsdbAnalyze(parseFlags(args, TSDB_ANALYZE_FLAGS), (l) => lines.push(l))).toBe(0);
  return lines.join('\n') + '\n';
}

function fixture(name: string): string[] {
  return readFileSync(join(CONFORMANCE, name), 'utf8').trimEnd().split('\n');
}

/** promtool's test data: metric{foo="bar",baz="abc"} 1..5 and heavy_metric{foo="bar"|"foo"} 5..1, every minute from 0. */
function promtoolData(): string {
  const dir = tmp();
  const db = TSDB.open({ dir, now: () => 240_000, log: new Quiet(), blockChunkEncoding: 'xor' });
  const app = db.appender();
  const m = app.seriesRef(['__name__', 'metric', 'baz', 'abc', 'foo', 'bar']);
  const hb = app.seriesRef(['__name__', 'heavy_metric', 'foo', 'bar']);
  const hf = app.seriesRef(['__name__', 'heavy_metric', 'foo', 'foo']);
  for (let k = 0; k < 5; k++) {
    app.append(m, k * 60_000, k + 1);
    app.append(hb, k * 60_000, 5 - k);
    app.append(hf, k * 60_000, 5 - k);
  }
  app.commit();
  db.close();
  return dir;
}

describe('lookout tsdb dump', () => {
  it('prints what promtool prints for its own test data (dump-test-*.prom)', () => {
    const dir = promtoolData();
    expect(dump([dir])).toEqual(fixture('dump-test-1.prom'));
    expect(dump(['--match={__name__=~".+"}', '--match={foo=~".+"}', dir])).toEqual(fixture('dump-test-1.prom'));
    expect(dump(['--match={__name__="heavy_metric"}', '--match={baz="abc"}', dir])).toEqual(fixture('dump-test-1.prom'));
    expect(dump(['--match={__name__="heavy_metric",foo="foo"}', '--match={__name__="metric"}', dir])).toEqual(fixture('dump-test-2.prom'));
    expect(dump(['--min-time=60000', '--max-time=120000', '--match={__name__="metric"}', dir])).toEqual(fixture('dump-test-3.prom'));
  });

  it('rejects a bad selector and a missing directory with clear errors', () => {
    const dir = promtoolData();
    expect(() => dump(['--match={foo=', dir])).toThrow(/invalid --match "\{foo="/);
    expect(() => dump(['--min-time=soon', dir])).toThrow('invalid --min-time "soon": expected an integer timestamp in ms');
    expect(() => dump([join(dir, 'nope')])).toThrow(`${join(dir, 'nope')}: not a directory`);
  });
});

describe('goDuration', () => {
  it('formats as Go time.Duration', () => {
    expect([0, 250, 1000, 1500, 90_000, 2 * H, 2 * H + 1, 26 * H + 61_000].map(goDuration)).toEqual(['0s', '250ms', '1s', '1.5s', '1m30s', '2h0m0s', '2h0m0.001s', '26h1m1s']);
  });
});

/**
 * A data directory with blocks (a merged level-2 block among them) and a head: 40 series over 11 h
 * at 1 min, odd values included.
 */
async function blockData(): Promise<string> {
  const dir = tmp();
  // Aligned to 6 h so that, whatever the time of day, the first three 2 h blocks fill one level-2
  // range that is not the newest (the planner never merges the newest block), and old enough that
  // all 11 h are in the past.
  const t0 = Math.floor((Date.now() - 17 * H) / (6 * H)) * 6 * H;
  const db = TSDB.open({ dir, log: new Quiet(), blockChunkEncoding: 'xor' });
  const app = db.appender();
  const refs = Array.from({ length: 40 }, (_, i) =>
    app.seriesRef(['__name__', `m${i % 3}`, 'instance', `host-${i % 5}`, 'job', i % 2 ? 'api' : 'web', 'shard', String(i)]),
  );
  const odd = [0.1, 1e21, 1234567, NaN, -Infinity, 5e-324, -0.5, 1e-5];
  for (let k = 0; k < 11 * 60; k++) {
    refs.forEach((r, i) => {
      // Series 7 stops after 2 h 30 min: it churns in the second block.
      if (i === 7 && k > 150) return;
      app.append(r, t0 + k * 60_000, i === 0 ? odd[k % odd.length]! : k * i);
    });
    if (k % 60 === 59) app.commit();
  }
  app.commit();
  await db.compact();
  expect(db.blocks().some((b) => b.compaction.level === 2)).toBe(true);
  db.close();
  return dir;
}

describe.runIf(haveProgram(PROMTOOL))('side by side with promtool 2.42', () => {
  it('dump prints the same lines as promtool tsdb dump over blocks, WAL and head chunk files', async () => {
    const dir = await blockData();
    const ours = dump([dir]);
    const theirs = execFileSync(PROMTOOL, ['tsdb', 'dump', dir], { encoding: 'utf8', maxBuffer: 64 << 20 }).trimEnd().split('\n');
    expect(ours.length).toBe(40 * 11 * 60 - (11 * 60 - 151));
    expect(ours).toEqual(theirs);
  });

  it('analyze prints the same report as promtool tsdb analyze (list order within ties aside)', async () => {
    const dir = await blockData();
    const sections = (text: string): string[][] => text.trimEnd().split('\n\n').map((s) => s.split('\n').sort());
    const merged = readdirSync(dir)
      .filter((n) => /^[0-9A-Z]{26}$/.test(n))
      .find((u) => JSON.parse(readFileSync(join(dir, u, 'meta.json'), 'utf8')).compaction.level === 2)!;
    for (const [limit, args] of [
      [20, [dir]],
      [3, ['--limit=3', dir]],
      [20, [dir, merged]],
    ] as const) {
      const theirs = sections(execFileSync(PROMTOOL, ['tsdb', 'analyze', ...args], { encoding: 'utf8' }));
      const ours = sections(analyze([...args]));
      expect(ours.length).toBe(theirs.length);
      expect(ours[0]).toEqual(theirs[0]);
      for (let i = 1; i < ours.length; i++) {
        // A list cut at the limit may hold different items among equal counts: compare the counts.
        const counts = (lines: string[]): number[] => lines.slice(1).map((l) => Number(l.split(' ')[0])).sort((x, y) => x - y);
        expect(counts(ours[i]!)).toEqual(counts(theirs[i]!));
        if (theirs[i]!.length - 1 < limit) expect(ours[i]).toEqual(theirs[i]);
      }
    }
  });
  it('analyze --extended adds the same chunk fullness histogram as promtool', async () => {
    const dir = await blockData();
    const blocks = readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n));
    for (const id of blocks) {
      const theirs = execFileSync(PROMTOOL, ['tsdb', 'analyze', '--extended', dir, id], { encoding: 'utf8' });
      const ours = analyze(['--extended', dir, id]);
      const tail = (text: string): string => text.slice(text.indexOf('\nCompaction analysis:'));
      expect(tail(ours)).toMatch(/^\nCompaction analysis:\nFullness: Amount of samples in chunks \(100% is 120 samples\)\n( {5}\d0%| {4}100%): /);
      expect(tail(ours)).toBe(tail(theirs));
    }
  });
});

function createBlocks(args: string[]): string[] {
  const lines: string[] = [];
  expect(tsdbCreateBlocks(parseFlags(args, TSDB_CREATE_BLOCKS_FLAGS), (l) => lines.push(l))).toBe(0);
  return lines;
}

/** OpenMetrics text: 12 series over 5 h 10 min at 15 s (4 blocks' ranges), values of every kind. */
function openMetricsInput(dir: string): string {
  const start = 1_700_000_000; // s; not on a 2 h boundary
  const lines = ['# TYPE req counter', '# HELP req Requests.'];
  for (let s = 0; s < 6; s++) for (let k = 0; k < 1240; k++) lines.push(`req_total{code="${200 + s}",path="/a b"} ${k * (s + 1)} ${start + k * 15}.${String(s * 7).padStart(3, '0')}`);
  lines.push('# TYPE temp gauge');
  for (let s = 0; s < 6; s++) for (let k = 0; k < 1240; k += 1 + s) lines.push(`temp{room="r${s}"} ${((k * 7919) % 1000) / 37 - 9.5} ${start + k * 15}`);
  lines.push('# EOF');
  const path = join(dir, 'in.om');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('lookout tsdb create-blocks-from openmetrics', () => {
  it('writes one block per 2 h range, printing promtool\'s table', () => {
    const dir = tmp();
    const input = join(dir, 'in.om');
    writeFileSync(input, '# TYPE m gauge\nm{a="1"} 1 1700000000\nm{a="1"} 2.5 1700009000\nm{a="2"} -3 1700000000\n# EOF\n');
    const lines = createBlocks(['openmetrics', input, join(dir, 'data')]);
    expect(lines[0]).toBe('BLOCK ULID                  MIN TIME       MAX TIME       DURATION     NUM SAMPLES  NUM CHUNKS   NUM SERIES   SIZE');
    expect(lines.slice(1).map((l) => l.replace(/^[0-9A-Z]{26}/, 'ULID').replace(/\d+$/, 'SIZE'))).toEqual([
      'ULID  1700000000000  1700000000001  1ms          2            2            2            SIZE',
      'ULID  1700009000000  1700009000001  1ms          1            1            1            SIZE',
    ]);
    expect(dump([join(dir, 'data')])).toEqual(['{__name__="m", a="1"} 1 1700000000000', '{__name__="m", a="1"} 2.5 1700009000000', '{__name__="m", a="2"} -3 1700000000000']);
    expect(createBlocks(['--quiet', 'openmetrics', input, join(dir, 'quiet')])).toEqual([]);
    expect(readdirSync(join(dir, 'quiet'))).toHaveLength(2);
  });

  it('drops samples out of order or at the same time as an earlier one of the series, as promtool 2.42', () => {
    const dir = tmp();
    const input = join(dir, 'in.om');
    writeFileSync(input, '# TYPE m gauge\nm{a="1"} 1 1700000000\nm{a="1"} 2 1699999999\nm{a="1"} 3 1700000000\nm{a="1"} 4 1700000001\n# EOF\n');
    createBlocks(['--quiet', 'openmetrics', input, join(dir, 'data')]);
    expect(dump([join(dir, 'data')])).toEqual(['{__name__="m", a="1"} 1 1700000000000', '{__name__="m", a="1"} 4 1700000001000']);
  });

  it('names the line of bad input', () => {
    const dir = tmp();
    const input = join(dir, 'in.om');
    writeFileSync(input, '# TYPE m gauge\nm{a="1"} 1 1700000000\nm{a="1"} 2\n# EOF\n');
    expect(() => createBlocks(['openmetrics', input, dir])).toThrow('line 3: expected timestamp for series {__name__="m", a="1"}, got none');
    writeFileSync(input, '# TYPE m gauge\nm{a=""} 1 1700000000\nm{a="1\n# EOF\n');
    expect(() => createBlocks(['openmetrics', input, dir])).toThrow(/^line 3: /);
    expect(() => createBlocks(['prometheus', input, dir])).toThrow('unknown format "prometheus"');
  });
});

describe.runIf(haveProgram(PROMTOOL))('backfill side by side with promtool 2.42', () => {
  it('writes the same blocks as promtool tsdb create-blocks-from openmetrics', () => {
    const dir = tmp();
    const input = openMetricsInput(dir);
    const ours = createBlocks(['--storage.tsdb.block-chunk-encoding=xor', 'openmetrics', input, join(dir, 'lookout')]);
    const theirs = execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', input, join(dir, 'prom')], { encoding: 'utf8' }).trimEnd().split('\n');
    // Same rows but for the ULIDs, the chunk counts and the sizes: Lookout's head also cuts a chunk at
    // 1 KiB, as Prometheus 3.x does (2.42 does not), and writes no empty tombstones file.
    const cells = (l: string): string[] => {
      const c = l.split(/ +/);
      return [c[1]!, c[2]!, c[3]!, c[4]!, c[6]!];
    };
    expect(ours[0]).toBe(theirs[0]);
    expect(ours.slice(1).map(cells)).toEqual(theirs.slice(1).map(cells));
    expect(ours[1]).toMatch(/^[0-9A-Z]{26}  1700000000000  1700006390036  1h46m30\.036s  3611 +\d+ +12 +\d+$/);
    expect(ours).toHaveLength(4);
    const promDump = dump([join(dir, 'prom')]);
    expect(promDump).toHaveLength(6 * 1240 + [0, 1, 2, 3, 4, 5].reduce((a, s) => a + Math.ceil(1240 / (1 + s)), 0));
    expect(dump([join(dir, 'lookout')])).toEqual(promDump);
    // The default, compact chunk encoding holds the same samples.
    expect(createBlocks(['--quiet', 'openmetrics', input, join(dir, 'compact')])).toEqual([]);
    expect(dump([join(dir, 'compact')])).toEqual(promDump);
    mkdirSync(join(dir, 'lookout', 'wal'));
    expect(execFileSync(PROMTOOL, ['tsdb', 'dump', join(dir, 'lookout')], { encoding: 'utf8', maxBuffer: 64 << 20 }).trimEnd().split('\n')).toEqual(promDump);
  });
});
