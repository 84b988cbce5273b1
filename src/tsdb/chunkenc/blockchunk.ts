/**
 * The chunk encodings of blocks and the decoder every reader of block chunks goes through, which
 * dispatches on the chunk's encoding byte: {@link Encoding.XOR} (Prometheus's, head chunks and
 * Prometheus-readable blocks) or {@link Encoding.Lookout} (lookout.ts, the compact default).
 */
import { CorruptionError } from '../block/fileread.js';
import { Encoding } from './chunk.js';
import { LookoutDecoder } from './lookout.js';
import { XorIterator } from './xor.js';

/**
 * How block writers encode chunks (`--storage.tsdb.block-chunk-encoding`): `xor` writes
 * Prometheus's XOR chunks of ≤ 120 samples (blocks Prometheus and promtool can read); `lookout`
 * writes compact chunks of ≤ 120 samples where the values suit them (see lookout.ts), XOR chunks
 * otherwise.
 */
export type BlockChunkEncoding = 'xor' | 'lookout';

/** The values of {@link BlockChunkEncoding}. */
export const BLOCK_CHUNK_ENCODINGS: readonly BlockChunkEncoding[] = ['xor', 'lookout'];

/** The default block chunk encoding: the compact one. */
export const DEFAULT_BLOCK_CHUNK_ENCODING: BlockChunkEncoding = 'lookout';

/**
 * Parses a `--storage.tsdb.block-chunk-encoding` value (server and `lookout tsdb create-blocks-from`).
 * @throws {Error} `invalid value for --storage.tsdb.block-chunk-encoding: …` naming the valid values.
 */
export function parseBlockChunkEncoding(s: string): BlockChunkEncoding {
  if ((BLOCK_CHUNK_ENCODINGS as readonly string[]).includes(s)) return s as BlockChunkEncoding;
  throw new Error(`invalid value for --storage.tsdb.block-chunk-encoding: ${JSON.stringify(s)} (must be one of ${BLOCK_CHUNK_ENCODINGS.join(', ')})`);
}

/** Help text of the `--storage.tsdb.block-chunk-encoding` flag. */
export const BLOCK_CHUNK_ENCODING_HELP =
  'Chunk encoding of the blocks written: lookout (compact, lossless; Prometheus cannot read it) or xor (Prometheus-readable blocks).';

/** Name of an on-disk chunk encoding code, for messages. */
function encodingName(code: number): string {
  if (code === Encoding.XOR) return 'XOR';
  if (code === Encoding.Lookout) return 'Lookout';
  return `unknown (0x${code.toString(16).padStart(2, '0')})`;
}

/** Decodes block chunks of any supported encoding; one per reader (it holds reusable state). */
export class BlockChunkDecoder {
  private readonly xor = new XorIterator();
  private readonly lookout = new LookoutDecoder();

  /**
   * Decodes the chunk `buf[start…end)` of encoding `encoding` (the on-disk code) and copies its
   * samples with mint ≤ t ≤ maxt (ms) into `ts[off…]` and their value words into `vbits` (a
   * `Uint32Array` view of a `Float64Array`, high word at `2i + hiIdx`). Returns the new `off`.
   * Entries past the returned `off`, up to `off` + the chunk's sample count, may be overwritten
   * (a Lookout chunk is decoded in place when the arrays have room for all its samples).
   * @throws {CorruptionError} for an encoding this version does not know (naming the code) or
   * malformed chunk bytes.
   */
  decodeRange(encoding: number, buf: Uint8Array, start: number, end: number, mint: number, maxt: number, ts: Float64Array, vbits: Uint32Array, off: number, hiIdx: number): number {
    if (encoding === Encoding.XOR) return this.xor.reset(buf, start, end).decodeRange(mint, maxt, ts, vbits, off, hiIdx);
    if (encoding === Encoding.Lookout) return this.lookout.decodeRange(buf, start, end, mint, maxt, ts, vbits, off, hiIdx);
    throw new CorruptionError(`unsupported chunk encoding ${encodingName(encoding)}: this Lookout reads XOR (1) and Lookout (0x40) chunks`);
  }

  /**
   * Checks that `encoding` is one {@link decodeRange} reads.
   * @throws {CorruptionError} naming the code otherwise.
   */
  static check(encoding: number): void {
    if (encoding !== Encoding.XOR && encoding !== Encoding.Lookout) {
      throw new CorruptionError(`unsupported chunk encoding ${encodingName(encoding)}: this Lookout reads XOR (1) and Lookout (0x40) chunks`);
    }
  }
}
