/**
 * The remote write/read protobuf messages of Prometheus's `prompb` package (`types.proto`,
 * `remote.proto`), declared here in code as a protobufjs schema: field numbers and types as
 * upstream, so bodies interoperate with Prometheus, VictoriaMetrics, Mimir and Thanos.
 *
 * The two hot paths — decoding a `WriteRequest` on the receiver and encoding one in the sender —
 * walk the wire format with protobufjs's `Reader`/`Writer` directly ({@link decodeWriteRequest},
 * {@link WriteRequestEncoder}) so no object is made per sample; the reflected types
 * ({@link prompb}) serve the read path and tests.
 *
 * Units: every timestamp is int64 milliseconds since the epoch, as upstream.
 */
import protobuf from 'protobufjs';

const { Reader, Writer, Root } = protobuf;

const label = { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } };

/** The schema, in protobufjs JSON form: package `prometheus` of prompb (no histograms). */
const SCHEMA = {
  nested: {
    prometheus: {
      nested: {
        MetricType: { values: { UNKNOWN: 0, COUNTER: 1, GAUGE: 2, HISTOGRAM: 3, GAUGEHISTOGRAM: 4, SUMMARY: 5, INFO: 6, STATESET: 7 } },
        MetricMetadata: {
          fields: {
            type: { type: 'MetricType', id: 1 },
            metricFamilyName: { type: 'string', id: 2 },
            help: { type: 'string', id: 4 },
            unit: { type: 'string', id: 5 },
          },
        },
        Label: label,
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        Exemplar: {
          fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, value: { type: 'double', id: 2 }, timestamp: { type: 'int64', id: 3 } },
        },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
            exemplars: { rule: 'repeated', type: 'Exemplar', id: 3 },
          },
        },
        WriteRequest: {
          fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 }, metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 } },
        },
        LabelMatcher: {
          fields: { type: { type: 'MatcherType', id: 1 }, name: { type: 'string', id: 2 }, value: { type: 'string', id: 3 } },
          nested: { MatcherType: { values: { EQ: 0, NEQ: 1, RE: 2, NRE: 3 } } },
        },
        ReadHints: {
          fields: {
            stepMs: { type: 'int64', id: 1 },
            func: { type: 'string', id: 2 },
            startMs: { type: 'int64', id: 3 },
            endMs: { type: 'int64', id: 4 },
            grouping: { rule: 'repeated', type: 'string', id: 5 },
            by: { type: 'bool', id: 6 },
            rangeMs: { type: 'int64', id: 7 },
          },
        },
        Chunk: {
          fields: {
            minTimeMs: { type: 'int64', id: 1 },
            maxTimeMs: { type: 'int64', id: 2 },
            type: { type: 'Encoding', id: 3 },
            data: { type: 'bytes', id: 4 },
          },
          nested: { Encoding: { values: { UNKNOWN: 0, XOR: 1, HISTOGRAM: 2, FLOAT_HISTOGRAM: 3 } } },
        },
        ChunkedSeries: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, chunks: { rule: 'repeated', type: 'Chunk', id: 2 } } },
        Query: {
          fields: {
            startTimestampMs: { type: 'int64', id: 1 },
            endTimestampMs: { type: 'int64', id: 2 },
            matchers: { rule: 'repeated', type: 'LabelMatcher', id: 3 },
            hints: { type: 'ReadHints', id: 4 },
          },
        },
        ReadRequest: {
          fields: {
            queries: { rule: 'repeated', type: 'Query', id: 1 },
            acceptedResponseTypes: { rule: 'repeated', type: 'ResponseType', id: 2 },
          },
          nested: { ResponseType: { values: { SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 } } },
        },
        QueryResult: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        ReadResponse: { fields: { results: { rule: 'repeated', type: 'QueryResult', id: 1 } } },
        ChunkedReadResponse: {
          fields: { chunkedSeries: { rule: 'repeated', type: 'ChunkedSeries', id: 1 }, queryIndex: { type: 'int64', id: 2 } },
        },
      },
    },
  },
};

interface ReflectedTypes {
  WriteRequest: protobuf.Type;
  ReadRequest: protobuf.Type;
  ReadResponse: protobuf.Type;
  ChunkedReadResponse: protobuf.Type;
}
let reflected: ReflectedTypes | undefined;
/** The schema's reflected types, built on first use: reflecting it is not on the way to ready. */
function reflect(): ReflectedTypes {
  if (reflected) return reflected;
  const root = Root.fromJSON(SCHEMA);
  reflected = {
    WriteRequest: root.lookupType('prometheus.WriteRequest'),
    ReadRequest: root.lookupType('prometheus.ReadRequest'),
    ReadResponse: root.lookupType('prometheus.ReadResponse'),
    ChunkedReadResponse: root.lookupType('prometheus.ChunkedReadResponse'),
  };
  return reflected;
}

/**
 * Reflected prompb message types (protobufjs `Type`s), for the read path and tests. The schema is
 * reflected on the first read of any of them (a few ms, kept off the server's startup).
 */
export const prompb: Readonly<ReflectedTypes> = {
  get WriteRequest() {
    return reflect().WriteRequest;
  },
  get ReadRequest() {
    return reflect().ReadRequest;
  },
  get ReadResponse() {
    return reflect().ReadResponse;
  },
  get ChunkedReadResponse() {
    return reflect().ChunkedReadResponse;
  },
};

/** `ReadRequest.ResponseType` values. */
export const ResponseType = { SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 } as const;
/** `LabelMatcher.Type` values. */
export const MatcherType = { EQ: 0, NEQ: 1, RE: 2, NRE: 3 } as const;
/** `Chunk.Encoding.XOR`. */
export const CHUNK_XOR = 1;

/** Options turning decoded messages into plain objects: int64 as numbers, enums as numbers. */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: true, arrays: true, bytes: Uint8Array as never };

/** Thrown for a body that is not a well-formed message; `message` is the decoder's reason. */
export class ProtoDecodeError extends Error {
  override name = 'ProtoDecodeError';
}

/**
 * A decoded `WriteRequest` in columns (samples of all series concatenated): series `i` has label
 * strings `labels[labelStart[i] … labelStart[i+1])` as name, value pairs in the order sent, and
 * samples `[sampleStart[i] … sampleStart[i+1])` of `ts` (ms) / `vs`.
 */
export interface DecodedWriteRequest {
  series: number;
  labels: string[];
  labelStart: number[];
  sampleStart: number[];
  ts: Float64Array;
  vs: Float64Array;
  samples: number;
  /** Exemplars and metadata entries present (not stored by Lookout). */
  exemplars: number;
  metadata: number;
}

/** Reads a varint int64 as a number (exact up to 2^53; two's complement negatives). */
function readInt64(r: protobuf.Reader): number {
  const buf = r.buf;
  let lo = 0;
  let hi = 0;
  let shift = 0;
  let pos = r.pos;
  for (let i = 0; i < 10; i++) {
    if (pos >= r.len) throw new ProtoDecodeError('unexpected EOF');
    const b = buf[pos++]!;
    if (shift < 28) lo |= (b & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >>> 4;
    } else hi |= (b & 0x7f) << (shift - 32);
    shift += 7;
    if ((b & 0x80) === 0) {
      r.pos = pos;
      return (hi | 0) * 4294967296 + (lo >>> 0);
    }
  }
  throw new ProtoDecodeError('varint overflows a 64-bit integer');
}

function readDouble(r: protobuf.Reader): number {
  if (r.pos + 8 > r.len) throw new ProtoDecodeError('unexpected EOF');
  return r.double();
}

/** Reads the two strings of a `Label` ending at `end`. */
function readLabel(r: protobuf.Reader, end: number, out: string[]): void {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a) name = r.string();
    else if (tag === 0x12) value = r.string();
    else r.skipType(tag & 7);
  }
  out.push(name, value);
}

/**
 * Decodes a (decompressed) `WriteRequest` into columns without an object per sample.
 * @throws {ProtoDecodeError} for a truncated or malformed message.
 */
export function decodeWriteRequest(buf: Uint8Array): DecodedWriteRequest {
  const out: DecodedWriteRequest = {
    series: 0,
    labels: [],
    labelStart: [0],
    sampleStart: [0],
    ts: new Float64Array(64),
    vs: new Float64Array(64),
    samples: 0,
    exemplars: 0,
    metadata: 0,
  };
  const r = Reader.create(buf);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 0x0a) {
        const end = r.uint32() + r.pos;
        if (end > r.len) throw new ProtoDecodeError('unexpected EOF');
        decodeTimeSeries(r, end, out);
      } else if (tag === 0x1a) {
        out.metadata++;
        r.skipType(2);
      } else r.skipType(tag & 7);
    }
  } catch (e) {
    if (e instanceof ProtoDecodeError) throw e;
    // protobufjs reports reads past the end as "index out of range"; Go's decoder says this.
    const msg = (e as Error).message;
    throw new ProtoDecodeError(msg.startsWith('index out of range') ? 'unexpected EOF' : msg);
  }
  return out;
}

function pushSample(out: DecodedWriteRequest, t: number, v: number): void {
  if (out.samples === out.ts.length) {
    const ts = new Float64Array(out.ts.length * 2);
    ts.set(out.ts);
    const vs = new Float64Array(out.vs.length * 2);
    vs.set(out.vs);
    out.ts = ts;
    out.vs = vs;
  }
  out.ts[out.samples] = t;
  out.vs[out.samples] = v;
  out.samples++;
}

function decodeTimeSeries(r: protobuf.Reader, end: number, out: DecodedWriteRequest): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a) {
      const e = r.uint32() + r.pos;
      if (e > end) throw new ProtoDecodeError('unexpected EOF');
      readLabel(r, e, out.labels);
    } else if (tag === 0x12) {
      const e = r.uint32() + r.pos;
      if (e > end) throw new ProtoDecodeError('unexpected EOF');
      let t = 0;
      let v = 0;
      while (r.pos < e) {
        const st = r.uint32();
        if (st === 0x09) v = readDouble(r);
        else if (st === 0x10) t = readInt64(r);
        else r.skipType(st & 7);
      }
      pushSample(out, t, v);
    } else if (tag === 0x1a) {
      out.exemplars++;
      r.skipType(2);
    } else r.skipType(tag & 7);
  }
  if (r.pos !== end) throw new ProtoDecodeError('unexpected EOF');
  out.series++;
  out.labelStart.push(out.labels.length);
  out.sampleStart.push(out.samples);
}

/**
 * Builds a `WriteRequest` one series at a time without intermediate objects:
 * `beginSeries(labels)`, then `sample(t, v)` for each sample, `endSeries()`; {@link finish}
 * returns the encoded message and resets the encoder.
 */
export class WriteRequestEncoder {
  private w = Writer.create();
  private open = false;

  /** Starts a `TimeSeries` with `labels` (name, value pairs; written in the order given). */
  beginSeries(labels: readonly string[]): void {
    const w = this.w;
    w.uint32(0x0a).fork();
    for (let i = 0; i < labels.length; i += 2) {
      w.uint32(0x0a).fork();
      w.uint32(0x0a).string(labels[i]!);
      w.uint32(0x12).string(labels[i + 1]!);
      w.ldelim();
    }
    this.open = true;
  }

  /** Adds a sample (t in ms) to the open series. */
  sample(t: number, v: number): void {
    const w = this.w;
    w.uint32(0x12).fork();
    w.uint32(0x09).double(v);
    w.uint32(0x10).int64(t);
    w.ldelim();
  }

  /** Closes the open series. */
  endSeries(): void {
    if (!this.open) return;
    this.w.ldelim();
    this.open = false;
  }

  /** Adds a `MetricMetadata` entry (type as {@link prompb} `MetricType` number). */
  metadata(type: number, family: string, help: string, unit: string): void {
    const w = this.w;
    w.uint32(0x1a).fork();
    if (type !== 0) w.uint32(0x08).int32(type);
    w.uint32(0x12).string(family);
    if (help) w.uint32(0x22).string(help);
    if (unit) w.uint32(0x2a).string(unit);
    w.ldelim();
  }

  /** The encoded `WriteRequest`; the encoder is empty afterwards. */
  finish(): Uint8Array {
    this.endSeries();
    const bytes = this.w.finish();
    this.w = Writer.create();
    return bytes;
  }
}
