/**
 * The chunk abstraction, as Prometheus's `tsdb/chunkenc/chunk.go`: a chunk is a compressed run of
 * samples of one series; its bytes start with a 2-byte big-endian sample count followed by the
 * encoding's bit stream, exactly as upstream stores them in head chunk files and blocks.
 */

/** Chunk encodings (upstream `chunkenc.Encoding`; values are the on-disk codes). */
export const Encoding = {
  None: 0,
  XOR: 1,
  /**
   * Lookout's compact block chunks (lookout.ts). Prometheus uses 0–3; this code is far from them
   * so a Prometheus reading such a block reports an invalid encoding instead of misreading it.
   */
  Lookout: 0x40,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

/**
 * Samples per head chunk the head aims for. The Gorilla paper (and Prometheus after it) found the
 * compression ratio of delta-of-delta + XOR flattens out at around 120 samples, while every extra
 * sample makes a query that needs only the newest samples decode more of the chunk (chunks are only
 * readable from the start). 120 samples is 30 minutes at the common 15 s scrape interval.
 */
export const SAMPLES_PER_CHUNK = 120;

/**
 * Hard cap on the bytes of an XOR chunk (upstream `MaxBytesPerXORChunk`): series whose values
 * change in every bit (random gauges, ~9 bytes a sample) get a new chunk after ~110 samples rather
 * than growing to kilobytes, which keeps decode cost and slot sizes bounded.
 */
export const MAX_BYTES_PER_XOR_CHUNK = 1024;

/**
 * The largest encoding of one XOR sample after the first two: 4 + 64 bits of timestamp
 * delta-of-delta plus 2 + 5 + 6 + 64 bits of value = 145 bits, rounded up to 19 bytes (upstream
 * assumes the same when deciding to cut before an append).
 */
export const MAX_XOR_SAMPLE_BYTES = 19;

/**
 * The largest encoding of the first or second sample: a varint timestamp (≤ 10 bytes) plus a raw
 * 64-bit value (8 bytes), or a uvarint delta (≤ 10 bytes) plus an XOR value (≤ 10 bytes).
 */
export const MAX_FIRST_SAMPLES_BYTES = 20;

/** Size of the sample-count header at the start of every chunk. */
export const CHUNK_HEADER_BYTES = 2;

/** Iterates the samples of a chunk in timestamp order; reused across chunks via `reset`. */
export interface ChunkIterator {
  /** Advances to the next sample; false when there is none. */
  next(): boolean;
  /** Timestamp (ms) of the current sample. */
  readonly t: number;
  /** High 32 bits of the current value's IEEE-754 bits (unsigned). */
  readonly vHi: number;
  /** Low 32 bits of the current value's IEEE-754 bits (unsigned). */
  readonly vLo: number;
  /** The current value as a number (use the bit words to keep NaN payloads exact). */
  readonly v: number;
}

/** A chunk of one series' samples. */
export interface Chunk {
  readonly encoding: Encoding;
  /** The chunk's bytes (a view; valid until the next `append`). */
  bytes(): Uint8Array;
  /** Number of samples in the chunk. */
  numSamples(): number;
  /** Appends a sample; timestamps must be strictly increasing (the caller checks). */
  append(t: number, v: number): void;
  /** An iterator over the samples; pass a previous iterator to reuse it instead of allocating. */
  iterator(reuse?: ChunkIterator): ChunkIterator;
}

/** Number of samples stored in a chunk whose bytes start at `start` in `buf`. */
export function chunkSampleCount(buf: Uint8Array, start: number): number {
  return (buf[start]! << 8) | buf[start + 1]!;
}
