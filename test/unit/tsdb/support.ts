/**
 * Shared helpers of the TSDB tests: temporary data directories and TSDBs cleaned up after each
 * test, child processes for the crash tests (fixture scripts in test/unit/tsdb/fixtures/ run with
 * tsx, their stdout read line by line, killed after each test), blocks written from made-up series,
 * and a logger that keeps its lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Logger } from '../../../src/log.js';
import type { BlockMeta } from '../../../src/tsdb/block/meta.js';
import { type WriteBlockOptions, writeHeadBlock } from '../../../src/tsdb/block/writer.js';
import { TSDB, type TSDBOptions } from '../../../src/tsdb/db.js';
import { Head } from '../../../src/tsdb/head.js';
import { AppendResult } from '../../../src/tsdb/types.js';
import { ROOT } from '../../support/processes.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const children: ChildProcess[] = [];

/** Spawns fixture `script` with tsx; calls `onLine` with each stdout line (without the newline). */
export function spawnFixture(script: string, args: string[], onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  return child;
}

/** Resolves once `child` has exited (at once when it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Runs fixture `ack_writer.ts` with `args` until it has printed `ack <atLeast>`, SIGKILLs it and
 * resolves to the last round it acknowledged.
 * @throws {Error} when the writer exits by itself first (its stderr in the message).
 */
export async function killAckWriter(args: string[], atLeast: number): Promise<number> {
  let acked = -1;
  let resolveEnough!: () => void;
  const enough = new Promise<void>((r) => (resolveEnough = r));
  const child = spawnFixture('ack_writer.ts', args, (line) => {
    const m = /^ack (\d+)$/.exec(line);
    if (!m) return;
    acked = Number(m[1]);
    if (acked >= atLeast) resolveEnough();
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  await Promise.race([enough, exited(child).then(() => Promise.reject(new Error(`writer exited early: ${stderr}`)))]);
  child.kill('SIGKILL');
  await exited(child);
  if (child.signalCode !== 'SIGKILL') throw new Error(`writer ended by ${child.signalCode ?? child.exitCode}, not SIGKILL`);
  return acked;
}

/** SIGKILLs every fixture still running; for `afterEach`. */
export function killFixtures(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** One made-up series of {@link writeTestBlock}: label set, first timestamp (ms), step (ms), count, value of sample k. */
export type TestSeries = [labels: string[], first: number, step: number, count: number, value: (k: number) => number];

/**
 * Writes a block of [mint, maxt) (ms) into `dir` from a head holding each series' samples
 * first + k × step (value(k)), appended in time order, and returns its meta. `opts` as
 * `writeHeadBlock`'s (e.g. `chunkEncoding: 'xor'` for a block Prometheus reads).
 * @throws {Error} when a sample is refused or the range holds no sample.
 */
export function writeTestBlock(dir: string, mint: number, maxt: number, series: TestSeries[], opts: WriteBlockOptions = {}): BlockMeta {
  const head = new Head();
  try {
    const app = head.appender();
    const refs = series.map(([ls]) => app.seriesRef(ls));
    const points: [number, number, number][] = [];
    series.forEach(([, first, step, count, value], i) => {
      for (let k = 0; k < count; k++) points.push([first + k * step, i, value(k)]);
    });
    points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [t, i, v] of points) {
      if (app.append(refs[i]!, t, v) !== AppendResult.Ok) throw new Error(`sample at ${t} refused`);
    }
    app.commit();
    const meta = writeHeadBlock(head, dir, mint, maxt, opts);
    if (meta === null) throw new Error('no sample in the range');
    return meta;
  } finally {
    head.close();
  }
}

/** A logger that keeps each line (level, message, fields) for assertions instead of printing it. */
export class CaptureLogger extends Logger {
  readonly lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  override info(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', msg, fields });
  }
  override warn(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', msg, fields });
  }
  override error(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', msg, fields });
  }
  /** Messages of the warnings logged so far. */
  warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  }
}

/** A logger that drops everything (for tests that log on purpose, e.g. overlapping blocks). */
export class QuietLogger extends Logger {
  override info(): void {}
  override warn(): void {}
  override error(): void {}
}

/** Temporary directories and open TSDBs of one test file (see {@link tsdbHarness}). */
export interface TSDBHarness {
  /** A new temporary directory, removed after the test. */
  tmp(): string;
  /** Opens a TSDB (with a new harness logger unless `opts.log` is given), closed after the test. */
  openDB(opts: TSDBOptions): TSDB;
  /** Closes `x` after the test, before the directories are removed (last registered first). */
  closeLater<T extends { close(): unknown }>(x: T): T;
  /** Closes `x` now; it is not closed again after the test. */
  closeNow(x: { close(): unknown }): void;
}

/**
 * The harness of a TSDB test file; call once at module level. After each test it kills the fixture
 * processes, closes what is open (last opened first) and removes the temporary directories.
 */
export function tsdbHarness(prefix: string, newLog: () => Logger = () => new CaptureLogger()): TSDBHarness {
  const dirs: string[] = [];
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    killFixtures();
    for (const x of open.splice(0).reverse()) await x.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    tmp() {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    openDB(opts) {
      const db = TSDB.open({ log: newLog(), ...opts });
      open.push(db);
      return db;
    },
    closeLater(x) {
      open.push(x);
      return x;
    },
    closeNow(x) {
      const i = open.indexOf(x);
      if (i >= 0) open.splice(i, 1);
      x.close();
    },
  };
}
