/**
 * `lookout server`'s `--storage.tsdb.*` flags, read as Prometheus 2.42's `main.go` reads them:
 * retention by time and size with the 15d default only when neither is set, the deprecated
 * `--storage.tsdb.retention`, the block durations, the WAL segment size, and the flags Prometheus
 * accepts without effect.
 */
import { parseBase2Bytes } from '../config/prometheus/values.js';
import { formatDuration, parseDuration } from '../model/time.js';
import { BLOCK_CHUNK_ENCODING_HELP, DEFAULT_BLOCK_CHUNK_ENCODING, parseBlockChunkEncoding, type BlockChunkEncoding } from '../tsdb/chunkenc/blockchunk.js';
import { DEFAULT_RETENTION_MS } from '../tsdb/db.js';
import { bool, str, type FlagSpecs, type ParsedFlags } from './flags.js';

/** The flags, merged into `SERVER_FLAGS`. */
export const STORAGE_FLAGS: FlagSpecs = {
  'storage.tsdb.path': { default: 'data/', help: 'Base path for metrics storage.' },
  'storage.tsdb.retention.time': {
    default: '0s',
    help: 'How long to retain samples in storage. When this flag is set it overrides "storage.tsdb.retention". If neither this flag nor "storage.tsdb.retention" nor "storage.tsdb.retention.size" is set, the retention time defaults to 15d.',
  },
  'storage.tsdb.retention': { default: '0s', help: '[DEPRECATED] How long to retain samples in storage; use "storage.tsdb.retention.time".' },
  'storage.tsdb.retention.size': {
    default: '0',
    help: 'Maximum number of bytes that can be stored for blocks (units B, KB, MB, GB, TB, PB, EB; powers of 2, e.g. "512MB"); 0: no limit.',
  },
  'storage.tsdb.block-chunk-encoding': { default: DEFAULT_BLOCK_CHUNK_ENCODING, help: BLOCK_CHUNK_ENCODING_HELP },
  'storage.tsdb.min-block-duration': { default: '2h', help: 'Minimum duration of a data block before being persisted (the head\'s chunk range).' },
  'storage.tsdb.max-block-duration': {
    default: '0s',
    help: 'Maximum duration compacted blocks may span (default: 10% of the retention time, at most 31d).',
  },
  'storage.tsdb.wal-segment-size': { default: '0B', help: 'Size at which to split the tsdb WAL segment files (10MB to 256MB; default 128MB).' },
  'storage.tsdb.allow-overlapping-blocks': {
    default: false,
    help: '[DEPRECATED] This flag has no effect. Overlapping blocks are always allowed and merged by vertical compaction.',
  },
};

const MIB = 1024 * 1024;

/** What the flags set (durations in ms, sizes in bytes). */
export interface StorageSettings {
  /** Time retention; `Infinity` when only a size retention is set (as upstream). */
  retentionMs: number;
  /** Size retention; 0: none. */
  retentionBytes: number;
  /** The head's chunk range and the smallest block. */
  minBlockDurationMs: number;
  /** The longest block compaction writes, or undefined for the default (a tenth of the retention, at most 31d). */
  maxBlockDurationMs: number | undefined;
  /** WAL segment size, or undefined for the default. */
  walSegmentSize: number | undefined;
  blockChunkEncoding: BlockChunkEncoding;
  /** `/api/v1/status/runtimeinfo`'s `storageRetention`, as Prometheus prints it: `15d`, `512MiB`, `2d or 1GiB`. */
  storageRetention: string;
  /** What was defaulted (upstream logs it at info level; Lookout at debug, keeping startup quiet). */
  notices: string[];
  /** Lines to log at warn level: deprecated flags. */
  warnings: string[];
}

/** A flag's duration (0 when it is `0s` or empty). @throws {Error} naming the flag for a bad value. */
function durationFlag(flags: ParsedFlags, name: string): number {
  const v = str(flags, name);
  if (v === '') return 0;
  try {
    return parseDuration(v);
  } catch (e) {
    throw new Error(`invalid value for --${name}: ${(e as Error).message}`);
  }
}

/** A flag's base-2 byte size (0 when it is `0B` or empty). @throws {Error} naming the flag for a bad or negative value. */
function bytesFlag(flags: ParsedFlags, name: string): number {
  const v = str(flags, name);
  if (v === '') return 0;
  let n: number;
  try {
    n = parseBase2Bytes(v);
  } catch (e) {
    throw new Error(`invalid value for --${name}: ${(e as Error).message}`);
  }
  if (n < 0) throw new Error(`invalid value for --${name}: must not be negative`);
  return n;
}

/**
 * Bytes as Go's `units.Base2Bytes.String()`: every non-zero power-of-1024 part, largest first
 * (`512MiB`, `1GiB`, `1GiB512MiB`, `100B`).
 */
export function formatBase2Bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  const parts: string[] = [];
  for (let i = 0; i < units.length && n > 0; i++) {
    const part = n % 1024;
    if (part !== 0) parts.unshift(`${part}${units[i]}`);
    n = Math.floor(n / 1024);
  }
  return parts.join('');
}

/**
 * Reads the storage flags.
 * @throws {Error} `invalid value for --<flag>: …` for a bad duration or size, a WAL segment size
 *   outside 10–256 MiB (upstream's words), or a minimum block duration that is not positive.
 */
export function storageSettings(flags: ParsedFlags): StorageSettings {
  const notices: string[] = [];
  const warnings: string[] = [];
  let retentionMs = 0;
  const old = durationFlag(flags, 'storage.tsdb.retention');
  if (old !== 0) {
    warnings.push("'storage.tsdb.retention' flag is deprecated use 'storage.tsdb.retention.time' instead.");
    retentionMs = old;
  }
  const time = durationFlag(flags, 'storage.tsdb.retention.time');
  if (time !== 0) retentionMs = time;
  const retentionBytes = bytesFlag(flags, 'storage.tsdb.retention.size');
  if (retentionMs === 0 && retentionBytes === 0) {
    retentionMs = DEFAULT_RETENTION_MS;
    notices.push('No time or size retention was set so using the default time retention');
  }
  const parts: string[] = [];
  if (retentionMs !== 0) parts.push(formatDuration(retentionMs));
  if (retentionBytes !== 0) parts.push(formatBase2Bytes(retentionBytes));

  const minBlockDurationMs = durationFlag(flags, 'storage.tsdb.min-block-duration');
  if (minBlockDurationMs <= 0) throw new Error('invalid value for --storage.tsdb.min-block-duration: must be positive');
  const maxBlockDurationMs = durationFlag(flags, 'storage.tsdb.max-block-duration');

  const segment = bytesFlag(flags, 'storage.tsdb.wal-segment-size');
  if (segment !== 0 && (segment < 10 * MIB || segment > 256 * MIB)) {
    throw new Error("invalid value for --storage.tsdb.wal-segment-size: flag 'storage.tsdb.wal-segment-size' must be set between 10MB and 256MB");
  }
  if (bool(flags, 'storage.tsdb.allow-overlapping-blocks')) {
    warnings.push("'storage.tsdb.allow-overlapping-blocks' flag is deprecated and has no effect: overlapping blocks are always merged");
  }
  return {
    retentionMs: retentionMs === 0 ? Infinity : retentionMs,
    retentionBytes,
    minBlockDurationMs,
    maxBlockDurationMs: maxBlockDurationMs === 0 ? undefined : maxBlockDurationMs,
    walSegmentSize: segment === 0 ? undefined : segment,
    blockChunkEncoding: parseBlockChunkEncoding(str(flags, 'storage.tsdb.block-chunk-encoding')),
    storageRetention: parts.join(' or '),
    notices,
    warnings,
  };
}
