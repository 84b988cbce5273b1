import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { HI } from '../../../src/tsdb/chunkenc/floatbits.js';
import { Encbuf } from '../../../src/tsdb/encoding.js';
import { crc32c } from '../../../src/tsdb/wal/crc32c.js';
import { decodeSamples, decodeSeries, encodeSamples, encodeSeries, SampleBatch } from '../../../src/tsdb/wal/record.js';
import { FragmentType, frameRecord, listSegments, PAGE_SIZE, RECORD_HEADER_SIZE, readSegment, segmentPath } from '../../../src/tsdb/wal/segment.js';
import { WAL } from '../../../src/tsdb/wal/wal.js';
import { ROOT } from '../../support/processes.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'lookout-wal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Frames records as consecutive writes into one segment's bytes. */
function segment(records: Uint8Array[]): Uint8Array {
  const out = new Encbuf();
  let off = 0;
  for (const r of records) off = frameRecord(r, off, out);
  return out.bytes().slice();
}

function readAll(bytes: Uint8Array): { records: string[]; validEnd: number; error: string | null } {
  const records: string[] = [];
  const res = readSegment(bytes, new Encbuf(), (r) => records.push(Buffer.from(r).toString('hex')));
  return { records, validEnd: res.validEnd, error: res.error };
}

function rec(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 31 + seed * 7 + 1) & 0xff;
  return b;
}

describe('CRC-32C', () => {
  it('matches the Castagnoli check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it('is not deoptimized again and again after a long first input (V8 on-stack compile)', () => {
    // Before the warm-up at load, this call pattern deoptimized crc32c ~60 times (and a scraping
    // server hundreds of times a minute); a first optimization may still bail out once or twice.
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--trace-deopt', join(import.meta.dirname, 'fixtures', 'crc_calls.ts')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toMatch(/done \d+/);
    const bailouts = r.stdout.split('\n').filter((l) => l.includes('bailout') && l.includes('crc32c'));
    expect(bailouts.length).toBeLessThanOrEqual(2);
  });
});

describe('WAL records', () => {
  it('round-trips series records, including UTF-8 label values', () => {
    const labelSets = fc.array(
      fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' })), {
        selector: ([n]) => n,
        minLength: 1,
        maxLength: 6,
      }),
      { minLength: 1, maxLength: 20 },
    );
    fc.assert(
      fc.property(labelSets, (sets) => {
        const flat = sets.map((pairs) => pairs.flat());
        const refs = flat.map((_, i) => i * 1000 + 1);
        const enc = new Encbuf(16);
        encodeSeries(enc, refs, 0, refs.length, (r) => flat[(r - 1) / 1000]!);
        const got: [number, readonly string[]][] = [];
        decodeSeries(enc.bytes(), (ref, ls) => got.push([ref, ls]));
        expect(got).toEqual(refs.map((r, i) => [r, flat[i]]));
      }),
    );
  });

  it('round-trips sample records with signed deltas and exact value bits', () => {
    const sample = fc.tuple(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
    );
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 100 }), (ss) => {
        const refs = new Uint32Array(ss.map((s) => s[0]));
        const ts = new Float64Array(ss.map((s) => s[1]));
        const vs = new Float64Array(ss.length);
        const vbits = new Uint32Array(vs.buffer);
        ss.forEach((s, i) => {
          vbits[2 * i + HI] = s[2];
          vbits[2 * i + 1 - HI] = s[3];
        });
        const enc = new Encbuf(8);
        encodeSamples(enc, refs, ts, vbits, ss.length, HI);
        const b = new SampleBatch();
        expect(decodeSamples(enc.bytes(), b)).toBe(ss.length);
        ss.forEach((s, i) => {
          expect([b.refs[i], b.ts[i], b.hi[i], b.lo[i]]).toEqual(s);
        });
      }),
    );
  });

  it('rejects a truncated record with a DecodeError', () => {
    const enc = new Encbuf();
    encodeSeries(enc, [5], 0, 1, () => ['__name__', 'up']);
    expect(() => decodeSeries(enc.bytes().subarray(0, enc.len - 1), () => {})).toThrow(/unexpected end/);
  });
});

describe('WAL segment framing', () => {
  it('splits records across pages into first/middle/last fragments and reads them back', () => {
    const records = [rec(10, 1), rec(PAGE_SIZE * 2 + 100, 2), rec(1, 3), rec(PAGE_SIZE - RECORD_HEADER_SIZE, 4), rec(5000, 5)];
    const bytes = segment(records);
    expect(bytes[0]).toBe(FragmentType.Full);
    expect(bytes[10 + RECORD_HEADER_SIZE]).toBe(FragmentType.First);
    expect(bytes[PAGE_SIZE]).toBe(FragmentType.Middle);
    const got = readAll(bytes);
    expect(got.error).toBeNull();
    expect(got.records).toEqual(records.map((r) => Buffer.from(r).toString('hex')));
  });

  it('pads a page end too small for a fragment header with zeros', () => {
    // Two records taking PAGE_SIZE − 7 bytes with their headers leave 7 bytes: padded, the next
    // record starts on the next page.
    const first = rec(PAGE_SIZE - 24, 1);
    const bytes = segment([first, rec(3, 2), rec(20, 3)]);
    expect(bytes[PAGE_SIZE - 7]).toBe(0);
    expect(bytes[PAGE_SIZE]).toBe(FragmentType.Full);
    expect(readAll(bytes).records).toHaveLength(3);
  });

  it('accepts a zero-filled tail (a partially preallocated page)', () => {
    const bytes = segment([rec(100, 1)]);
    const padded = new Uint8Array(bytes.length + 500);
    padded.set(bytes);
    expect(readAll(padded)).toEqual({ records: [Buffer.from(rec(100, 1)).toString('hex')], validEnd: padded.length, error: null });
  });

  it('stops at a torn tail and reports where the valid prefix ends', () => {
    const records = [rec(100, 1), rec(PAGE_SIZE + 50, 2), rec(30, 3)];
    const bytes = segment(records);
    const secondStart = 100 + RECORD_HEADER_SIZE;
    const thirdStart = bytes.length - 30 - RECORD_HEADER_SIZE;
    for (const cut of [bytes.length - 1, thirdStart + 3]) {
      const got = readAll(bytes.subarray(0, cut));
      expect(got.records).toHaveLength(2);
      expect(got.validEnd).toBe(thirdStart);
      expect(got.error).toMatch(/torn/);
    }
    const inSecond = readAll(bytes.subarray(0, PAGE_SIZE + 10));
    expect(inSecond).toMatchObject({ validEnd: secondStart, error: 'torn record at end of segment' });
    expect(readAll(bytes.subarray(0, PAGE_SIZE))).toMatchObject({ validEnd: secondStart, error: 'last record is torn' });
    expect(inSecond.records).toHaveLength(1);
  });

  it('detects a flipped bit by checksum and keeps the records before it', () => {
    const bytes = segment([rec(100, 1), rec(100, 2), rec(100, 3)]);
    const bad = bytes.slice();
    bad[2 * (100 + RECORD_HEADER_SIZE) - 5]! ^= 0x10;
    const got = readAll(bad);
    expect(got.records).toHaveLength(1);
    expect(got.validEnd).toBe(100 + RECORD_HEADER_SIZE);
    expect(got.error).toBe('fragment checksum mismatch');
  });

  it('rejects garbage without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), (junk) => {
        const good = segment([rec(50, 1)]);
        const bytes = new Uint8Array(good.length + junk.length);
        bytes.set(good);
        bytes.set(junk, good.length);
        const got = readAll(bytes);
        expect(got.records.length).toBeGreaterThanOrEqual(1);
        expect(got.validEnd).toBeGreaterThanOrEqual(good.length);
        expect(got.validEnd).toBeLessThanOrEqual(bytes.length);
      }),
    );
    expect(readAll(Uint8Array.from([7, 0, 1, 0, 0, 0, 0, 7])).error).toBe('invalid fragment type 7');
    expect(readAll(Uint8Array.from([FragmentType.Full | 8, 0, 0, 0, 0, 0, 0])).error).toMatch(/compressed/);
    expect(readAll(Uint8Array.from([FragmentType.Last, 0, 0, 0, 0, 0, 0])).error).toBe('last fragment without a first fragment');
  });
});

describe('WAL writer', () => {
  it('writes 8-digit segment files and rotates at the segment size; records never span segments', () => {
    const dir = tmp();
    const wal = WAL.open(dir, { segmentSize: 3 * PAGE_SIZE });
    const records = Array.from({ length: 20 }, (_, i) => rec(10_000 + i, i));
    for (const r of records) wal.log([r], 5, 6);
    wal.close();
    const segs = listSegments(dir);
    expect(segs.length).toBeGreaterThan(2);
    expect(segmentPath(dir, 1).endsWith('00000001')).toBe(true);
    const got: string[] = [];
    for (const s of segs) {
      const bytes = readFileSync(segmentPath(dir, s));
      expect(bytes.length).toBeLessThanOrEqual(3 * PAGE_SIZE);
      const res = readSegment(bytes, new Encbuf(), (r) => got.push(Buffer.from(r).toString('hex')));
      expect(res.error).toBeNull();
    }
    expect(got).toEqual(records.map((r) => Buffer.from(r).toString('hex')));
  });

  it('starts a new segment on every open and tracks sample time ranges per segment', () => {
    const dir = tmp();
    let wal = WAL.open(dir);
    wal.log([rec(10, 1)], 100, 200);
    wal.log([rec(10, 2)], 50, 150);
    expect(wal.segmentRange(0)).toEqual({ minT: 50, maxT: 200 });
    wal.close();
    wal = WAL.open(dir, {}, new Map([[0, { minT: 50, maxT: 200 }]]));
    expect(wal.currentSegment()).toBe(1);
    expect(wal.segments()).toEqual([0, 1]);
    wal.removeSegmentsUpTo(0);
    expect(listSegments(dir)).toEqual([1]);
    wal.close();
    expect(() => wal.log([rec(1, 1)], 0, 0)).toThrow(/closed/);
  });
});
