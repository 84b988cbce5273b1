import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromObject } from '../../../src/model/labels.js';
import { Matcher } from '../../../src/model/matcher.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { ChunkReader, ChunkWriter } from '../../../src/tsdb/block/chunks.js';
import { CorruptionError } from '../../../src/tsdb/block/fileread.js';
import { IndexReader } from '../../../src/tsdb/block/index_reader.js';
import { SERIES_ALIGN } from '../../../src/tsdb/block/index_writer.js';
import { writeHeadBlock } from '../../../src/tsdb/block/writer.js';
import { Head } from '../../../src/tsdb/head.js';

const dirs: string[] = [];
const readers: { close(): void }[] = [];
afterEach(() => {
  for (const r of readers.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes chunks of encoding 1 with the given data into a new segment directory; returns it and the refs. */
function segment(datas: number[][]): { dir: string; refs: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-chunkreader-'));
  dirs.push(dir);
  const w = new ChunkWriter(dir);
  const refs = datas.map((d) => w.write(1, Uint8Array.from(d)));
  w.close();
  return { dir, refs };
}

function open(dir: string): ChunkReader {
  const r = ChunkReader.open(dir);
  readers.push(r);
  return r;
}

function dataOf(r: ChunkReader, ref: number): number[] {
  const c = r.read(ref);
  return [c.encoding, ...c.buf.subarray(c.start, c.end)];
}

/** Flips a bit of the data of the chunk at `ref` (segment 1) on disk. */
function damage(dir: string, ref: number): void {
  const path = join(dir, '000001');
  const bytes = readFileSync(path);
  bytes[ref + 3]! ^= 0x10;
  writeFileSync(path, bytes);
}

describe('ChunkReader checksums', () => {
  const datas = [
    [0, 2, 7, 7],
    [0, 3, 1, 2, 3],
    [0, 1, 9],
  ];

  it('returns every chunk, also on repeated reads in any order', () => {
    const { dir, refs } = segment(datas);
    const r = open(dir);
    for (const pass of [0, 1, 2]) {
      const order = pass === 1 ? [...refs].reverse() : refs;
      for (const ref of order) expect(dataOf(r, ref)).toEqual([1, ...datas[refs.indexOf(ref)]!]);
    }
  });

  it('reports a corrupt chunk on its first read, and on every read after it', () => {
    const { dir, refs } = segment(datas);
    damage(dir, refs[1]!);
    const r = open(dir);
    expect(dataOf(r, refs[0]!)).toEqual([1, ...datas[0]!]);
    for (let i = 0; i < 3; i++) {
      expect(() => r.read(refs[1]!)).toThrow(CorruptionError);
      expect(() => r.read(refs[1]!)).toThrow(new RegExp(`000001: checksum mismatch for the chunk at ${refs[1]}: expected:[0-9a-f]{8}, actual:[0-9a-f]{8}$`));
    }
    // Intact neighbours still read, before and after the failures.
    expect(dataOf(r, refs[2]!)).toEqual([1, ...datas[2]!]);
    expect(dataOf(r, refs[0]!)).toEqual([1, ...datas[0]!]);
  });

  it('checks each opened reader on its own (a new reader verifies again)', () => {
    const { dir, refs } = segment(datas);
    const first = open(dir);
    expect(dataOf(first, refs[2]!)).toEqual([1, ...datas[2]!]);
    damage(dir, refs[2]!);
    expect(() => open(dir).read(refs[2]!)).toThrow(/checksum mismatch for the chunk at/);
  });

  it('refuses a chunk whose data cannot hold its sample count', () => {
    const { dir, refs } = segment([[0, 2, 5], [7]]);
    const r = open(dir);
    expect(dataOf(r, refs[0]!)).toEqual([1, 0, 2, 5]);
    expect(() => r.read(refs[1]!)).toThrow(new RegExp(`000001: chunk at ${refs[1]} has 1 bytes of data, less than its sample count$`));
  });

  it('verifies chunks in many 64 KiB pages of a segment', () => {
    const many: number[][] = [];
    for (let i = 0; i < 3000; i++) many.push([i >> 8, i & 255, ...Array.from({ length: i % 90 }, (_, j) => (i + j) & 255)]);
    const { dir, refs } = segment(many);
    expect(refs[refs.length - 1]!).toBeGreaterThan(2 * 65536);
    damage(dir, refs[2500]!);
    const r = open(dir);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < refs.length; i++) {
        if (i === 2500) expect(() => r.read(refs[i]!)).toThrow(/checksum mismatch/);
        else expect(dataOf(r, refs[i]!)).toEqual([1, ...many[i]!]);
      }
    }
  });
});

describe('IndexReader series checksums', () => {
  const T0 = 1_699_999_200_000;

  /** A block of three series (ids ascending in label order); returns its directory. */
  function block(): string {
    const parent = mkdtempSync(join(tmpdir(), 'lookout-indexcrc-'));
    dirs.push(parent);
    const head = new Head();
    const app = head.appender();
    for (const job of ['a', 'b', 'c']) {
      const ref = app.seriesRef(fromObject({ __name__: 'up', job }));
      for (let k = 0; k < 10; k++) app.append(ref, T0 + k * 15_000, k);
    }
    app.commit();
    const meta = writeHeadBlock(head, parent, T0, T0 + 7_200_000, { chunkEncoding: 'xor' })!;
    return join(parent, meta.ulid);
  }

  function seriesIds(dir: string): number[] {
    const ix = IndexReader.open(join(dir, 'index'));
    readers.push(ix);
    return [...ix.allPostings()];
  }

  it('reads every series entry again after its first, verified read', () => {
    const dir = block();
    const b = Block.open(dir);
    readers.push(b);
    const q = () => b.querier(T0, Infinity).select([new Matcher('=', '__name__', 'up')], T0, Infinity).map((s) => [s.labels[3], s.count, s.vs[9]]);
    const want = [
      ['a', 10, 9],
      ['b', 10, 9],
      ['c', 10, 9],
    ];
    for (let i = 0; i < 3; i++) expect(q()).toEqual(want);
  });

  it('reports a damaged series entry on its first read, and on every read after it', () => {
    const dir = block();
    const ids = seriesIds(dir);
    expect(ids.length).toBe(3);
    const path = join(dir, 'index');
    const bytes = readFileSync(path);
    // The entry's first label name reference, just after its 1-byte length and label count.
    bytes[ids[1]! * SERIES_ALIGN + 2]! ^= 0x01;
    writeFileSync(path, bytes);
    const ix = IndexReader.open(path);
    readers.push(ix);
    const entry = { ids: [] as number[], chunks: [] };
    expect(ix.series(ids[0]!, entry).chunks.length).toBe(1);
    for (let i = 0; i < 3; i++) {
      expect(() => ix.series(ids[1]!, entry)).toThrow(CorruptionError);
      expect(() => ix.series(ids[1]!, entry)).toThrow(new RegExp(`index: series ${ids[1]}: checksum mismatch$`));
    }
    expect(ix.series(ids[2]!, entry).chunks.length).toBe(1);
  });
});
