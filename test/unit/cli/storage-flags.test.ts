/**
 * `--storage.tsdb.*` flags as Prometheus 2.42 reads them. The expected `storageRetention` strings,
 * notices and errors are what Prometheus 2.42 printed for the same flags (runtimeinfo, log, exit).
 */
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../../src/cli/flags.js';
import { formatBase2Bytes, STORAGE_FLAGS, storageSettings } from '../../../src/cli/storage-flags.js';
import { blockRanges } from '../../../src/tsdb/block/compact.js';

const H = 3_600_000;
const D = 24 * H;
const read = (...argv: string[]) => storageSettings(parseFlags(argv, STORAGE_FLAGS));

describe('storage flags', () => {
  it('defaults to 15d only when neither a time nor a size retention is set', () => {
    const none = read();
    expect([none.retentionMs, none.retentionBytes, none.storageRetention]).toEqual([15 * D, 0, '15d']);
    expect(none.notices).toEqual(['No time or size retention was set so using the default time retention']);
    expect(read('--storage.tsdb.retention.time=0s').retentionMs).toBe(15 * D);

    const size = read('--storage.tsdb.retention.size=512MB');
    expect([size.retentionMs, size.retentionBytes, size.storageRetention, size.notices]).toEqual([Infinity, 512 * 1024 * 1024, '512MiB', []]);

    const both = read('--storage.tsdb.retention.time=2d', '--storage.tsdb.retention.size=1GB');
    expect([both.retentionMs, both.storageRetention]).toEqual([2 * D, '2d or 1GiB']);
  });

  it('reads the deprecated --storage.tsdb.retention, overridden by --storage.tsdb.retention.time', () => {
    const old = read('--storage.tsdb.retention=3d');
    expect([old.retentionMs, old.storageRetention]).toEqual([3 * D, '3d']);
    expect(old.warnings).toEqual(["'storage.tsdb.retention' flag is deprecated use 'storage.tsdb.retention.time' instead."]);
    expect(read('--storage.tsdb.retention=3d', '--storage.tsdb.retention.time=4h').retentionMs).toBe(4 * H);
  });

  it('reads block durations and the WAL segment size, refusing sizes outside 10–256 MB', () => {
    const s = read('--storage.tsdb.min-block-duration=1h', '--storage.tsdb.max-block-duration=9h', '--storage.tsdb.wal-segment-size=64MB');
    expect([s.minBlockDurationMs, s.maxBlockDurationMs, s.walSegmentSize]).toEqual([H, 9 * H, 64 * 1024 * 1024]);
    expect(blockRanges(s.retentionMs, s.minBlockDurationMs, s.maxBlockDurationMs)).toEqual([H, 3 * H, 9 * H]);
    const d = read();
    expect([d.minBlockDurationMs, d.maxBlockDurationMs, d.walSegmentSize]).toEqual([2 * H, undefined, undefined]);
    expect(() => read('--storage.tsdb.wal-segment-size=5MB')).toThrow(
      "invalid value for --storage.tsdb.wal-segment-size: flag 'storage.tsdb.wal-segment-size' must be set between 10MB and 256MB",
    );
    expect(() => read('--storage.tsdb.min-block-duration=0s')).toThrow('invalid value for --storage.tsdb.min-block-duration: must be positive');
    expect(() => read('--storage.tsdb.max-block-duration=2x')).toThrow('invalid value for --storage.tsdb.max-block-duration: not a valid duration string: "2x"');
  });

  it('accepts --storage.tsdb.allow-overlapping-blocks with a deprecation warning and no effect', () => {
    const s = read('--storage.tsdb.allow-overlapping-blocks');
    expect(s.warnings).toEqual(["'storage.tsdb.allow-overlapping-blocks' flag is deprecated and has no effect: overlapping blocks are always merged"]);
    expect(s.retentionMs).toBe(read().retentionMs);
  });

  it('formats sizes as Go units.Base2Bytes', () => {
    expect([100, 1024, 512 * 1024 * 1024, 1.5 * 1024 ** 3, 1024 ** 3 + 1].map(formatBase2Bytes)).toEqual(['100B', '1KiB', '512MiB', '1GiB512MiB', '1GiB1B']);
  });
});

describe('block ranges', () => {
  it('stop at a tenth of the retention, at most 31 days, or at --storage.tsdb.max-block-duration', () => {
    expect(blockRanges(15 * D)).toEqual([2 * H, 6 * H, 18 * H]);
    expect(blockRanges(Infinity)).toEqual([2 * H, 6 * H, 18 * H, 54 * H, 162 * H, 486 * H]);
    expect(blockRanges(15 * D, 2 * H, 6 * H)).toEqual([2 * H, 6 * H]);
    expect(blockRanges(15 * D, 2 * H, H)).toEqual([2 * H]);
  });
});
