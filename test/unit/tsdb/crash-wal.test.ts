/**
 * A WAL segment truncated at any byte (a crash mid-write, a copy cut short): the TSDB opens without
 * failing, keeps every commit whose records lie wholly before the cut, and names the segment and
 * the offset it repaired at. (db.test.ts covers kill -9 mid-ingest, a torn tail, and a corrupt
 * record in an older segment.)
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../src/log.js';
import { Matcher } from '../../../src/model/matcher.js';
import { TSDB } from '../../../src/tsdb/db.js';

class CaptureLogger extends Logger {
  readonly lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  override info(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', msg, fields });
  }
  override warn(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', msg, fields });
  }
}

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-crash-wal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const NOW = 1_800_000_000_000;
const SERIES = 3;
const COMMITS = 40;

describe('truncated WAL segment', () => {
  it('at any byte: opens, keeps exactly the commits wholly before the cut, and names the segment and offset', () => {
    const dir = tmp();
    const db = TSDB.open({ dir, log: new CaptureLogger(), now: () => NOW });
    // Commit i: one sample per series at NOW + i s (value i × 10 + series); ends[i + 1] is the
    // segment's size once commit i has returned (the segment is created by the first write).
    const ends: number[] = [0];
    let seg = '';
    let name = '';
    const app = db.appender();
    const refs = Array.from({ length: SERIES }, (_, n) => app.seriesRef(['__name__', 'w', 'series', String(n)]));
    for (let i = 0; i < COMMITS; i++) {
      for (let n = 0; n < SERIES; n++) app.append(refs[n]!, NOW + i * 1000, i * 10 + n);
      app.commit();
      if (i === 0) {
        const names = readdirSync(join(dir, 'wal'));
        expect(names).toHaveLength(1);
        name = names[0]!;
        seg = join(dir, 'wal', name);
      }
      ends.push(statSync(seg).size);
    }
    db.close();
    const size = ends[COMMITS]!;
    expect(statSync(seg).size).toBe(size);

    // Cuts: every commit boundary, and bytes inside commits (first, middle and last byte of some).
    const cuts = new Set<number>(ends);
    for (let i = 0; i < COMMITS; i += 3) for (const c of [ends[i]! + 1, (ends[i]! + ends[i + 1]!) >> 1, ends[i + 1]! - 1]) cuts.add(c);
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      const copy = tmp();
      cpSync(dir, copy, { recursive: true });
      const copySeg = join(copy, 'wal', name);
      truncateSync(copySeg, cut);
      const kept = ends.filter((e) => e <= cut).length - 1;
      const log = new CaptureLogger();
      const reopened = TSDB.open({ dir: copy, log, now: () => NOW });
      try {
        const got = reopened.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', 'w')], -Infinity, Infinity);
        const want = kept === 0 ? [] : Array.from({ length: SERIES }, (_, n) => Array.from({ length: kept }, (_, i) => [NOW + i * 1000, i * 10 + n]));
        expect(got.map((s) => Array.from({ length: s.count }, (_, i) => [s.ts[i]!, s.vs[i]!])), `cut at ${cut}`).toEqual(want);
        const warnings = log.lines.filter((l) => l.level === 'warn');
        if (ends.includes(cut)) {
          expect(warnings, `cut at ${cut}`).toEqual([]);
        } else {
          expect(warnings.map((w) => w.msg)).toEqual(['WAL segment is damaged; truncating it at the last good record and deleting later segments']);
          expect(warnings[0]!.fields!.segment).toBe(copySeg);
          const offset = warnings[0]!.fields!.offset as number;
          expect(offset).toBeGreaterThanOrEqual(ends[kept]!);
          expect(offset).toBeLessThan(cut);
          // The repaired segment ends at the last good record.
          expect(log.lines.some((l) => l.msg === 'WAL segment is damaged; truncating it at the last good record and deleting later segments')).toBe(true);
        }
      } finally {
        reopened.close();
      }
      // What the repair kept stays: a second start finds the same samples and nothing to repair.
      const log2 = new CaptureLogger();
      const again = TSDB.open({ dir: copy, log: log2, now: () => NOW });
      try {
        const got = again.querier(-Infinity, Infinity).select([new Matcher('=', '__name__', 'w')], -Infinity, Infinity);
        expect(got.map((s) => s.count), `cut at ${cut}, second start`).toEqual(kept === 0 ? [] : [kept, kept, kept]);
        expect(log2.lines.filter((l) => l.level === 'warn')).toEqual([]);
      } finally {
        again.close();
      }
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
