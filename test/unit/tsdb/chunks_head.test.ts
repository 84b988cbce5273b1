import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isULID, newULID } from '../../../src/tsdb/block/ulid.js';
import { HEAD_CHUNKS_MAGIC, HeadChunkFiles } from '../../../src/tsdb/chunks_head.js';
import { crc32c } from '../../../src/tsdb/wal/crc32c.js';

const dirs: string[] = [];
const stores: HeadChunkFiles[] = [];
function open(maxFileSize?: number): { dir: string; files: HeadChunkFiles } {
  const dir = join(mkdtempSync(join(tmpdir(), 'lookout-chunks-head-')), 'chunks_head');
  dirs.push(dir);
  const files = HeadChunkFiles.open(dir, { maxFileSize });
  stores.push(files);
  return { dir, files };
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(join(d, '..'), { recursive: true, force: true });
});

describe('HeadChunkFiles', () => {
  it('writes upstream head chunk records and reads chunks back from the write buffer and from the file', () => {
    const { dir, files } = open();
    const a = Uint8Array.of(0, 2, 0xaa, 0xbb, 0xcc);
    const b = Uint8Array.of(9, 9, 0, 1, 0x11, 0x22, 9);
    const addrA = files.store(7, 1000, 2000, a, 0, a.length);
    const addrB = files.store(300, -5, 4, b, 2, 4);
    expect(Array.from(files.read(addrA, 5))).toEqual([0, 2, 0xaa, 0xbb, 0xcc]);
    expect(files.flush()).toBe(true);
    expect(Array.from(files.read(addrB, 4))).toEqual([0, 1, 0x11, 0x22]);
    expect(Array.from(files.read(addrA, 5))).toEqual([0, 2, 0xaa, 0xbb, 0xcc]);
    expect(files.bytesLive()).toBe(9);

    const f = readFileSync(join(dir, '000001'));
    expect([f.readUInt32BE(0), f[4], f[5], f[6], f[7]]).toEqual([HEAD_CHUNKS_MAGIC, 1, 0, 0, 0]);
    // Record: series ref, mint, maxt (8 bytes BE each), encoding, uvarint length, data, CRC-32C.
    expect([Number(f.readBigUInt64BE(8)), Number(f.readBigInt64BE(16)), Number(f.readBigInt64BE(24)), f[32], f[33]]).toEqual([7, 1000, 2000, 1, 5]);
    expect(Array.from(f.subarray(34, 39))).toEqual([0, 2, 0xaa, 0xbb, 0xcc]);
    expect(f.readUInt32BE(39)).toBe(crc32c(f, 8, 39));
    expect([Number(f.readBigUInt64BE(43)), Number(f.readBigInt64BE(51)), Number(f.readBigInt64BE(59)), f[67], f[68]]).toEqual([300, -5, 4, 1, 4]);
    expect(f.readUInt32BE(73)).toBe(crc32c(f, 43, 73));
    expect(f.length).toBe(77);
    expect(addrA).toBe(2 ** 32 + 34);
  });

  it('starts a new file when one is full, deletes files of old chunks, and empties the directory on open', () => {
    const { dir, files } = open(60);
    const data = new Uint8Array(10).fill(3);
    const addrs = [0, 1, 2].map((k) => files.store(1, k * 100, k * 100 + 50, data, 0, 10));
    expect(readdirSync(dir).sort()).toEqual(['000001', '000002', '000003']);
    expect(addrs.map((a) => Math.floor(a / 2 ** 32))).toEqual([1, 2, 3]);
    expect(Array.from(files.read(addrs[0]!, 10))).toEqual(Array.from(data));
    files.truncate(150);
    expect(readdirSync(dir).sort()).toEqual(['000002', '000003']);
    expect(() => files.read(addrs[0]!, 10)).toThrow(/head chunk file 000001 is not open/);
    files.truncate(1000);
    // The current file stays.
    expect(readdirSync(dir).sort()).toEqual(['000003']);
    files.close();
    writeFileSync(join(dir, 'not-a-chunk-file'), 'x');
    const again = HeadChunkFiles.open(dir);
    stores.push(again);
    expect(readdirSync(dir).sort()).toEqual(['000001', 'not-a-chunk-file']);
  });
});

describe('ULID', () => {
  it('encodes the time in the first 10 characters as the ULID spec', () => {
    const u = newULID(1469918176385);
    expect(u.slice(0, 10)).toBe('01ARYZ6S41');
    expect(isULID(u)).toBe(true);
    expect(isULID('01ARYZ6S41TSV4RRFFQ69G5FAV')).toBe(true);
    expect(isULID('81ARYZ6S41TSV4RRFFQ69G5FAV')).toBe(false);
    expect(isULID('01ARYZ6S41TSV4RRFFQ69G5FAU')).toBe(false);
    expect(() => newULID(-1)).toThrow(RangeError);
  });
});
