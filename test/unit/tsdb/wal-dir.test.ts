/**
 * The WAL directory as found on disk: names that are not segment names (a stray
 * `99999999999999999999` used to overflow into another segment number) are ignored with a warning,
 * and segments missing in the middle of the sequence are reported.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../src/log.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { parseSegmentName, scanSegments } from '../../../src/tsdb/wal/segment.js';
import { WAL } from '../../../src/tsdb/wal/wal.js';

class CaptureLogger extends Logger {
  readonly warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  override info(): void {}
  override warn(msg: string, fields?: Record<string, unknown>): void {
    this.warnings.push({ msg, fields });
  }
}

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-waldir-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('segment names', () => {
  it.each([
    ['00000000', 0],
    ['00000042', 42],
    ['123456789', 123456789],
    ['1', null],
    ['0000000a', null],
    ['99999999999999999999', null],
    ['000000001', null],
    ['checkpoint.00000003', null],
  ])('%s → %s', (name, want) => {
    expect(parseSegmentName(name)).toBe(want);
  });

  it('lists segments, the digit-only names that are not segments, and the gaps', () => {
    const dir = tmp();
    for (const n of ['00000002', '00000003', '00000007', '00000009', '99999999999999999999', '7', 'notes.txt']) writeFileSync(join(dir, n), '');
    expect(scanSegments(dir)).toEqual({
      segments: [2, 3, 7, 9],
      ignored: ['7', '99999999999999999999'],
      gaps: [
        [4, 6],
        [8, 8],
      ],
    });
  });
});

describe('WAL.open', () => {
  it('warns about stray names and missing segments and appends after the newest real segment', () => {
    const dir = tmp();
    for (const n of ['00000000', '00000003', '99999999999999999999']) writeFileSync(join(dir, n), '');
    const log = new CaptureLogger();
    const wal = WAL.open(dir, { log });
    expect(wal.currentSegment()).toBe(4);
    wal.close();
    expect(log.warnings).toEqual([
      { msg: 'Ignoring a file in the WAL directory that is not a segment', fields: { dir, file: '99999999999999999999' } },
      { msg: 'WAL segments are missing; their records are lost', fields: { dir, missing: '00000001-00000002' } },
    ]);
    expect(readdirSync(dir).sort()).toEqual(['00000000', '00000003', '00000004', '99999999999999999999']);
  });

  it('lets the TSDB open a data directory with a stray file in wal/', () => {
    const dir = tmp();
    const first = TSDB.open({ dir, log: new CaptureLogger() });
    first.close();
    writeFileSync(join(dir, 'wal', '99999999999999999999'), 'junk');
    const log = new CaptureLogger();
    const db = TSDB.open({ dir, log });
    db.close();
    expect(log.warnings.map((w) => w.msg)).toEqual(['Ignoring a file in the WAL directory that is not a segment']);
  });
});
