/**
 * Decodes bodies of `POST /loki/api/v1/push` as Loki's distributor does:
 * - `Content-Type: application/json`: `{"streams":[{"stream":{label:value,…},"values":[["<ns>",
 *   "<line>", {metadata}?],…]}]}`, optionally `Content-Encoding: gzip` or `deflate`;
 * - anything else (including no content type): a snappy block-compressed protobuf
 *   `logproto.PushRequest` (see proto.ts).
 * Timestamps are nanoseconds since the epoch (a decimal string in JSON; seconds + nanos in
 * protobuf) and become (ms, nanos) pairs.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { EMPTY_LABELS, type Labels } from '../../model/labels.js';
import { snappyDecode } from '../../remote/snappy.js';
import type { PushEntry, PushStream } from '../types.js';
import { LabelParseError, labelsFromObject, parseStreamLabels } from './labels.js';
import { pushRequestType, type Int64, type ProtoPushRequest } from './proto.js';


/** Largest decompressed push body, bytes: 100 MiB, Loki's `distributor.max_recv_msg_size` default. */
export const MAX_DECOMPRESSED_BYTES = 100 << 20;

/**
 * A body that cannot be read at all (answered 400 with the message); `tooLarge` when it decodes
 * to more than {@link MAX_DECOMPRESSED_BYTES}.
 */
export class PushDecodeError extends Error {
  override name = 'PushDecodeError';
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

/** A stream rejected while decoding (bad label text): Loki's discard reason and message. */
export interface RejectedStream {
  readonly reason: string;
  readonly message: string;
  readonly entries: number;
  readonly bytes: number;
}

/** What a body holds: streams to store and streams already rejected. */
export interface DecodedPush {
  readonly streams: PushStream[];
  readonly rejected: RejectedStream[];
}

/** Splits a decimal nanosecond timestamp into (ms, nanos); null when not an integer. */
export function parseNanos(s: string): { ms: number; nanos: number } | null {
  if (!/^-?\d{1,19}$/.test(s)) return null;
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  const msPart = digits.length > 6 ? Number(digits.slice(0, -6)) : 0;
  const nsPart = Number(digits.slice(-6));
  if (!neg) return { ms: msPart, nanos: nsPart };
  return nsPart === 0 ? { ms: -msPart, nanos: 0 } : { ms: -msPart - 1, nanos: 1_000_000 - nsPart };
}

function int64(v: Int64 | undefined): number {
  if (v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v.toString());
}

function decompress(body: Buffer, encoding: string): Buffer {
  const enc = encoding.trim().toLowerCase();
  try {
    if (enc === '' || enc === 'identity') return body;
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    if (enc === 'deflate') return inflateSync(body, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (e) {
    throw new PushDecodeError(`cannot decompress ${enc} body: ${(e as Error).message}`, (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE');
  }
  throw new PushDecodeError(`Content-Encoding "${encoding}" not supported`);
}

function decodeJson(text: string): DecodedPush {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PushDecodeError(`cannot parse JSON push request: ${(e as Error).message}`);
  }
  const streamsIn = (doc as { streams?: unknown })?.streams;
  if (!Array.isArray(streamsIn)) throw new PushDecodeError('cannot parse JSON push request: "streams" must be an array');
  const streams: PushStream[] = [];
  for (const [si, s] of streamsIn.entries()) {
    const st = s as { stream?: unknown; values?: unknown };
    if (st === null || typeof st !== 'object') throw new PushDecodeError(`streams[${si}] must be an object`);
    if (st.stream !== undefined && (st.stream === null || typeof st.stream !== 'object')) throw new PushDecodeError(`streams[${si}].stream must be an object of label values`);
    for (const [k, v] of Object.entries((st.stream ?? {}) as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new PushDecodeError(`streams[${si}].stream.${k} must be a string`);
    }
    const labels = labelsFromObject((st.stream ?? {}) as Record<string, unknown>);
    if (!Array.isArray(st.values)) throw new PushDecodeError(`streams[${si}].values must be an array`);
    const entries: PushEntry[] = [];
    for (const [vi, v] of st.values.entries()) {
      if (!Array.isArray(v) || v.length < 2 || v.length > 3) throw new PushDecodeError(`streams[${si}].values[${vi}] must be [timestamp, line] or [timestamp, line, metadata]`);
      const ts = typeof v[0] === 'number' && Number.isSafeInteger(v[0]) ? String(v[0]) : v[0];
      const t = typeof ts === 'string' ? parseNanos(ts) : null;
      if (!t) throw new PushDecodeError(`streams[${si}].values[${vi}]: timestamp ${JSON.stringify(v[0])} is not a nanosecond Unix epoch`);
      if (typeof v[1] !== 'string') throw new PushDecodeError(`streams[${si}].values[${vi}]: line must be a string`);
      let metadata: Labels = EMPTY_LABELS;
      if (v.length === 3 && v[2] !== null) {
        if (typeof v[2] !== 'object' || Array.isArray(v[2])) throw new PushDecodeError(`streams[${si}].values[${vi}]: structured metadata must be an object`);
        for (const [k, mv] of Object.entries(v[2] as Record<string, unknown>)) {
          if (typeof mv !== 'string') throw new PushDecodeError(`streams[${si}].values[${vi}]: structured metadata ${k} must be a string`);
        }
        metadata = labelsFromObject(v[2] as Record<string, unknown>);
      }
      entries.push({ ms: t.ms, nanos: t.nanos, line: v[1], metadata });
    }
    streams.push({ labels, entries });
  }
  return { streams, rejected: [] };
}

function decodeProto(body: Buffer): DecodedPush {
  let raw: Uint8Array;
  try {
    // Bounds-checked decoder: snappyjs's own loops for seconds on some corrupt literals (test/fuzz).
    raw = snappyDecode(body, MAX_DECOMPRESSED_BYTES);
  } catch (e) {
    throw new PushDecodeError(`cannot decompress snappy body: ${(e as Error).message}`, (e as Error).message === 'snappy: decoded block is too large');
  }
  let req: ProtoPushRequest;
  try {
    req = pushRequestType().decode(raw) as unknown as ProtoPushRequest;
  } catch (e) {
    throw new PushDecodeError(`cannot decode protobuf push request: ${(e as Error).message}`);
  }
  const streams: PushStream[] = [];
  const rejected: RejectedStream[] = [];
  for (const s of req.streams ?? []) {
    const entries: PushEntry[] = [];
    let bytes = 0;
    for (const e of s.entries ?? []) {
      const sec = int64(e.timestamp?.seconds);
      const ns = e.timestamp?.nanos ?? 0;
      const ms = sec * 1000 + Math.floor(ns / 1_000_000);
      const md = e.structuredMetadata ?? [];
      let metadata: Labels = EMPTY_LABELS;
      if (md.length > 0) metadata = labelsFromObject(Object.fromEntries(md.map((p) => [p.name, p.value])));
      const line = e.line ?? '';
      bytes += Buffer.byteLength(line);
      entries.push({ ms, nanos: ns % 1_000_000, line, metadata });
    }
    let labels: Labels;
    try {
      labels = parseStreamLabels(s.labels ?? '');
    } catch (err) {
      if (!(err instanceof LabelParseError)) throw err;
      rejected.push({ reason: 'invalid_labels', message: err.message, entries: entries.length, bytes });
      continue;
    }
    streams.push({ labels, entries });
  }
  return { streams, rejected };
}

/**
 * Decodes a push body given its `Content-Type` and `Content-Encoding` headers.
 * @throws {PushDecodeError} for a body that cannot be decompressed or parsed.
 */
export function decodePush(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined): DecodedPush {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return decodeJson(decompress(body, contentEncoding ?? '').toString('utf8'));
  return decodeProto(decompress(body, contentEncoding ?? ''));
}
