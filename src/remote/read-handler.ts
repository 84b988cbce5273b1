/**
 * The remote-read server behind `POST /api/v1/read`, as Prometheus's
 * `storage/remote/read_handler.go`: the body is a snappy-compressed `ReadRequest`; the response
 * type is the first of `accepted_response_types` the server supports (SAMPLES when none is
 * given):
 *
 * - SAMPLES: one snappy-compressed `ReadResponse` with a `QueryResult` per query
 *   (`Content-Type: application/x-protobuf`, `Content-Encoding: snappy`);
 * - STREAMED_XOR_CHUNKS: a sequence of frames `uvarint(len) | CRC-32C(msg) <4, BE> | msg`, each msg
 *   a `ChunkedReadResponse` holding series of one query with XOR chunks (≤ 120 samples each),
 *   a frame kept under `maxBytesInFrame` where a series allows (`Content-Type:
 *   application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse`).
 *
 * Matchers on external label names are dropped and the external labels added to every series
 * that lacks them, as upstream. Errors: 400 for an undecodable request, an unsupported response
 * type, a bad matcher or more samples than `sampleLimit`; text bodies as Go's `http.Error`.
 * Lookout builds the streamed body whole before sending it (upstream writes frames as it goes).
 */
import { compare, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { SAMPLES_PER_CHUNK } from '../tsdb/chunkenc/chunk.js';
import { XorChunk } from '../tsdb/chunkenc/xor.js';
import { highBits, lowBits } from '../tsdb/chunkenc/floatbits.js';
import type { SeriesSamples, Storage } from '../tsdb/types.js';
import { crc32c } from '../tsdb/wal/crc32c.js';
import { CHUNK_XOR, MatcherType, prompb, ResponseType, TO_OBJECT } from './proto.js';
import { snappyDecode, snappyEncode } from './snappy.js';
import { DEFAULT_MAX_DECODED_BYTES, type RemoteHTTPResponse } from './write-handler.js';

/** Options of {@link handleRemoteRead}. */
export interface RemoteReadOptions {
  /** Sorted external labels (name, value pairs) added to every series. */
  externalLabels: Labels;
  /** Most samples one SAMPLES response may hold (upstream `--storage.remote.read-sample-limit`, 5e7); 0 = none. */
  sampleLimit: number;
  /** Target frame size of streamed responses, bytes (upstream `--storage.remote.read-max-bytes-in-frame`, 1 MiB). */
  maxBytesInFrame: number;
}

/** Upstream defaults of {@link RemoteReadOptions}. */
export const DEFAULT_READ_OPTIONS: RemoteReadOptions = { externalLabels: [], sampleLimit: 5e7, maxBytesInFrame: 1 << 20 };

/** Plain form of a decoded `Query`. */
interface PlainQuery {
  startTimestampMs: number;
  endTimestampMs: number;
  matchers: { type: number; name: string; value: string }[];
}

const MATCH_TYPES: Record<number, '=' | '!=' | '=~' | '!~'> = {
  [MatcherType.EQ]: '=',
  [MatcherType.NEQ]: '!=',
  [MatcherType.RE]: '=~',
  [MatcherType.NRE]: '!~',
};

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };
const text = (status: number, msg: string): RemoteHTTPResponse => ({ status, headers: { ...TEXT }, body: `${msg}\n` });

class BadRequest extends Error {}

/** `matchers` → compiled matchers, without those on external label names (upstream `filterExtLabelsFromMatchers`). */
function toMatchers(ms: PlainQuery['matchers'], external: Labels): Matcher[] {
  const out: Matcher[] = [];
  for (const m of ms) {
    let isExternal = false;
    for (let i = 0; i < external.length; i += 2) if (external[i] === m.name) isExternal = true;
    if (isExternal) continue;
    const type = MATCH_TYPES[m.type];
    if (!type) throw new BadRequest(`invalid matcher type ${m.type}`);
    try {
      out.push(new Matcher(type, m.name, m.value));
    } catch (e) {
      throw new BadRequest((e as Error).message);
    }
  }
  return out;
}

/** `ls` with the external labels it lacks added (sorted). */
export function withExternalLabels(ls: Labels, external: Labels): Labels {
  if (external.length === 0) return ls;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < ls.length || j < external.length) {
    const a = i < ls.length ? ls[i]! : null;
    const b = j < external.length ? external[j]! : null;
    if (b === null || (a !== null && a < b)) {
      out.push(a!, ls[i + 1]!);
      i += 2;
    } else if (a === null || b < a) {
      out.push(b, external[j + 1]!);
      j += 2;
    } else {
      out.push(a, ls[i + 1]!);
      i += 2;
      j += 2;
    }
  }
  return out;
}

function protoLabels(ls: Labels): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (let i = 0; i < ls.length; i += 2) out.push({ name: ls[i]!, value: ls[i + 1]! });
  return out;
}

/** Series of one query, with external labels added and sorted again. */
function select(storage: Storage, q: PlainQuery, external: Labels): SeriesSamples[] {
  const matchers = toMatchers(q.matchers, external);
  const series = storage.querier(q.startTimestampMs, q.endTimestampMs).select(matchers, q.startTimestampMs, q.endTimestampMs);
  if (external.length === 0) return series;
  return series.map((s) => ({ ...s, labels: withExternalLabels(s.labels, external) })).sort((a, b) => compare(a.labels, b.labels));
}

function samplesResponse(storage: Storage, queries: PlainQuery[], opts: RemoteReadOptions): RemoteHTTPResponse {
  let total = 0;
  const results = queries.map((q) => ({
    timeseries: select(storage, q, opts.externalLabels).map((s) => {
      total += s.count;
      if (opts.sampleLimit > 0 && total > opts.sampleLimit) throw new BadRequest(`exceeded sample limit (${opts.sampleLimit})`);
      const samples = new Array<{ value: number; timestamp: number }>(s.count);
      for (let i = 0; i < s.count; i++) samples[i] = { value: s.vs[i]!, timestamp: s.ts[i]! };
      return { labels: protoLabels(s.labels), samples };
    }),
  }));
  const msg = prompb.ReadResponse.encode(prompb.ReadResponse.fromObject({ results })).finish();
  return {
    status: 200,
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: snappyEncode(msg),
  };
}

/** XOR chunks of at most {@link SAMPLES_PER_CHUNK} samples covering all of `s`. */
function chunksOf(s: SeriesSamples): { minTimeMs: number; maxTimeMs: number; type: number; data: Uint8Array }[] {
  const out = [];
  for (let from = 0; from < s.count; from += SAMPLES_PER_CHUNK) {
    const to = Math.min(s.count, from + SAMPLES_PER_CHUNK);
    const c = new XorChunk();
    for (let i = from; i < to; i++) c.appendBits(s.ts[i]!, highBits(s.vs[i]!), lowBits(s.vs[i]!));
    out.push({ minTimeMs: s.ts[from]!, maxTimeMs: s.ts[to - 1]!, type: CHUNK_XOR, data: c.bytes().slice() });
  }
  return out;
}

/** Appends one frame holding `msg` to `frames`. */
function frame(frames: Uint8Array[], msg: Uint8Array): void {
  const head: number[] = [];
  let n = msg.length;
  while (n >= 0x80) {
    head.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  head.push(n);
  const crc = crc32c(msg);
  head.push((crc >>> 24) & 0xff, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff);
  frames.push(Uint8Array.from(head), msg);
}

function streamedResponse(storage: Storage, queries: PlainQuery[], opts: RemoteReadOptions): RemoteHTTPResponse {
  const frames: Uint8Array[] = [];
  queries.forEach((q, queryIndex) => {
    let batch: { labels: { name: string; value: string }[]; chunks: ReturnType<typeof chunksOf> }[] = [];
    let bytes = 0;
    const flush = () => {
      if (batch.length === 0) return;
      frame(frames, prompb.ChunkedReadResponse.encode(prompb.ChunkedReadResponse.fromObject({ chunkedSeries: batch, queryIndex })).finish());
      batch = [];
      bytes = 0;
    };
    for (const s of select(storage, q, opts.externalLabels)) {
      if (s.count === 0) continue;
      const labels = protoLabels(s.labels);
      let chunks: ReturnType<typeof chunksOf> = [];
      for (const c of chunksOf(s)) {
        chunks.push(c);
        bytes += c.data.length + 24;
        if (bytes >= opts.maxBytesInFrame) {
          batch.push({ labels, chunks });
          chunks = [];
          flush();
        }
      }
      if (chunks.length > 0) batch.push({ labels, chunks });
    }
    flush();
  });
  return {
    status: 200,
    headers: { 'content-type': 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse' },
    body: Buffer.concat(frames),
  };
}

/**
 * Handles one remote-read request body (as received, snappy-compressed). Never throws for bad
 * input: every failure is an HTTP answer (storage errors propagate).
 */
export function handleRemoteRead(storage: Storage, body: Uint8Array, opts: RemoteReadOptions = DEFAULT_READ_OPTIONS): RemoteHTTPResponse {
  let req: { queries: PlainQuery[]; acceptedResponseTypes: number[] };
  try {
    req = prompb.ReadRequest.toObject(prompb.ReadRequest.decode(snappyDecode(body, DEFAULT_MAX_DECODED_BYTES)), TO_OBJECT) as typeof req;
  } catch (e) {
    // Snappy errors carry Go's texts; protobufjs reports reads past the end as "index out of range".
    const msg = (e as Error).message;
    return text(400, msg.startsWith('index out of range') ? 'unexpected EOF' : msg);
  }
  const accepted = req.acceptedResponseTypes.length > 0 ? req.acceptedResponseTypes : [ResponseType.SAMPLES];
  const type = accepted.find((t) => t === ResponseType.SAMPLES || t === ResponseType.STREAMED_XOR_CHUNKS);
  if (type === undefined) {
    return text(400, `server does not support any of the requested response types: [${accepted.join(' ')}]; supported: map[SAMPLES:{} STREAMED_XOR_CHUNKS:{}]`);
  }
  try {
    return type === ResponseType.SAMPLES ? samplesResponse(storage, req.queries, opts) : streamedResponse(storage, req.queries, opts);
  } catch (e) {
    if (e instanceof BadRequest) return text(400, e.message);
    throw e;
  }
}
