/**
 * Numbered segment files shared by the log store's WAL and chunk files: `<dir>/00000001`, … .
 * Each holds framed records — `u32 payload length · u32 CRC-32 of payload · payload` (little
 * endian) — so a reader can tell a torn tail (a record cut short by a crash) from good data.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, statSync, ftruncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** Bytes before each record's payload: length and CRC-32. */
export const FRAME_HEADER = 8;

/** Segment numbers present in `dir` (created when missing), ascending. */
export function listSegments(dir: string): number[] {
  mkdirSync(dir, { recursive: true });
  return readdirSync(dir)
    .filter((f) => /^\d{8}$/.test(f))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Path of segment `id` in `dir`. */
export function segmentPath(dir: string, id: number): string {
  return join(dir, String(id).padStart(8, '0'));
}

/** Writes the frame header for `payload` into `out[at…at+8)`. */
export function frame(payload: Uint8Array, out: Buffer, at: number): void {
  out.writeUInt32LE(payload.length, at);
  out.writeUInt32LE(crc32(payload), at + 4);
}

/** Whether `payload` matches the CRC-32 stored in its frame. */
export function checkCrc(payload: Uint8Array, crc: number): boolean {
  return crc32(payload) === crc;
}

/** Reads `len` bytes at `pos` of an open file (a positioned read). Returns fewer at end of file. */
export function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got === len ? buf : buf.subarray(0, got);
}

/** Size of a file in bytes. */
export function fileSize(path: string): number {
  return statSync(path).size;
}

/** Cuts a file to `size` bytes and syncs it. */
export function truncateFile(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Syncs a directory, so a file just created in it survives power loss (Linux `fsync` on the directory). */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Removes segment `id` of `dir`; a missing file is ignored. */
export function removeSegment(dir: string, id: number): void {
  try {
    unlinkSync(segmentPath(dir, id));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
