import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../src/log.js';
import { Matcher } from '../../../src/model/matcher.js';
import { STALE_NAN } from '../../../src/model/value.js';
import { decodeWriteRequest, prompb, ResponseType, TO_OBJECT, WriteRequestEncoder } from '../../../src/remote/proto.js';
import { DEFAULT_READ_OPTIONS, handleRemoteRead, withExternalLabels } from '../../../src/remote/read-handler.js';
import { snappyDecode, snappyEncode } from '../../../src/remote/snappy.js';
import { handleRemoteWrite } from '../../../src/remote/write-handler.js';
import { XorChunk } from '../../../src/tsdb/chunkenc/xor.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { crc32c } from '../../../src/tsdb/wal/crc32c.js';

class QuietLogger extends Logger {
  override info(): void {}
  override warn(): void {}
  override error(): void {}
}

const dirs: string[] = [];
const dbs: TSDB[] = [];
function openDB(): TSDB {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-remote-'));
  dirs.push(dir);
  const db = TSDB.open({ dir, log: new QuietLogger() });
  dbs.push(db);
  return db;
}
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Series = { labels: string[]; samples: [number, number][] };
function writeBody(series: Series[]): Uint8Array {
  const enc = new WriteRequestEncoder();
  for (const s of series) {
    enc.beginSeries(s.labels);
    for (const [t, v] of s.samples) enc.sample(t, v);
    enc.endSeries();
  }
  return snappyEncode(enc.finish());
}

const T0 = Date.now() - 60_000;

describe('WriteRequest encoding', () => {
  it('round-trips through the reflected prompb type and the column decoder', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            labels: fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 4 }),
            samples: fc.array(fc.tuple(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), fc.double()), { maxLength: 5 }),
          }),
          { maxLength: 5 },
        ),
        (raw) => {
          const series = raw.map((r) => ({ labels: r.labels.flat(), samples: r.samples }));
          const bytes = snappyDecode(writeBody(series), 1 << 20);
          const obj = prompb.WriteRequest.toObject(prompb.WriteRequest.decode(bytes), TO_OBJECT) as {
            timeseries: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[];
          };
          expect(obj.timeseries.map((s) => ({ labels: s.labels.flatMap((l) => [l.name, l.value]), samples: s.samples.map((x) => [x.timestamp, x.value]) }))).toEqual(
            series,
          );
          const cols = decodeWriteRequest(bytes);
          expect(cols.series).toBe(series.length);
          for (let i = 0; i < series.length; i++) {
            expect(cols.labels.slice(cols.labelStart[i], cols.labelStart[i + 1])).toEqual(series[i]!.labels);
            const got: [number, number][] = [];
            for (let k = cols.sampleStart[i]!; k < cols.sampleStart[i + 1]!; k++) got.push([cols.ts[k]!, cols.vs[k]!]);
            expect(got).toEqual(series[i]!.samples);
          }
        },
      ),
    );
  });

  it('rejects a truncated message', () => {
    const bytes = snappyDecode(writeBody([{ labels: ['__name__', 'up'], samples: [[1, 1]] }]), 1 << 20);
    expect(() => decodeWriteRequest(bytes.subarray(0, bytes.length - 3))).toThrow(/EOF|index out of range/);
  });
});

describe('handleRemoteWrite', () => {
  it('appends every sample, sorting labels and dropping empty ones, and answers 204', () => {
    const db = openDB();
    const res = handleRemoteWrite(
      db,
      writeBody([
        { labels: ['job', 'a', '__name__', 'm', 'empty', ''], samples: [[T0, 1], [T0 + 1000, 2]] },
        { labels: ['__name__', 'n'], samples: [[T0, STALE_NAN]] },
      ]),
    );
    expect(res).toEqual({ status: 204, headers: {}, body: '' });
    const got = db.querier(T0 - 1, T0 + 10_000).select([new Matcher('=~', '__name__', 'm|n')], T0 - 1, T0 + 10_000);
    expect(got.map((s) => [s.labels, Array.from(s.ts.subarray(0, s.count))])).toEqual([
      [['__name__', 'm', 'job', 'a'], [T0, T0 + 1000]],
      [['__name__', 'n'], [T0]],
    ]);
    expect(new Uint32Array(got[1]!.vs.buffer, 0, 2)).toEqual(new Uint32Array(new Float64Array([STALE_NAN]).buffer));
  });

  it('answers 400 for bodies that do not decode, as upstream', () => {
    const db = openDB();
    expect(handleRemoteWrite(db, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toMatchObject({ status: 400, body: 'snappy: corrupt input\n' });
    expect(handleRemoteWrite(db, snappyEncode(Uint8Array.from([0x0a, 0x05, 0x0a])))).toMatchObject({ status: 400 });
    // A tiny body announcing 1 GiB is refused from its header.
    expect(handleRemoteWrite(db, Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x04]), 1 << 20)).toMatchObject({
      status: 400,
      body: 'snappy: decoded block is too large\n',
    });
  });

  it('rolls the whole request back and answers 400 on an out-of-order sample', () => {
    const db = openDB();
    expect(handleRemoteWrite(db, writeBody([{ labels: ['__name__', 'm'], samples: [[T0 + 5000, 1]] }])).status).toBe(204);
    const res = handleRemoteWrite(
      db,
      writeBody([
        { labels: ['__name__', 'other'], samples: [[T0, 1]] },
        { labels: ['__name__', 'm'], samples: [[T0, 1]] },
      ]),
    );
    expect(res).toMatchObject({ status: 400, body: 'out of order sample\n' });
    expect(db.querier(T0 - 1, T0 + 10_000).select([new Matcher('=', '__name__', 'other')], T0 - 1, T0 + 10_000)).toEqual([]);
    expect(handleRemoteWrite(db, writeBody([{ labels: ['__name__', 'm'], samples: [[T0 + 5000, 2]] }]))).toMatchObject({
      status: 400,
      body: 'duplicate sample for timestamp\n',
    });
  });

  it('answers 500 for label sets the TSDB cannot hold, as upstream ErrInvalidSample', () => {
    const db = openDB();
    expect(handleRemoteWrite(db, writeBody([{ labels: ['a', ''], samples: [[T0, 1]] }]))).toMatchObject({ status: 500, body: 'empty labelset: invalid sample\n' });
    expect(handleRemoteWrite(db, writeBody([{ labels: ['a', 'x', 'a', 'y'], samples: [[T0, 1]] }]))).toMatchObject({
      status: 500,
      body: 'label name "a" is not unique: invalid sample\n',
    });
  });
});

function readBody(queries: { start: number; end: number; matchers: [number, string, string][] }[], types: number[]): Uint8Array {
  const msg = prompb.ReadRequest.fromObject({
    queries: queries.map((q) => ({
      startTimestampMs: q.start,
      endTimestampMs: q.end,
      matchers: q.matchers.map(([type, name, value]) => ({ type, name, value })),
    })),
    acceptedResponseTypes: types,
  });
  return snappyEncode(prompb.ReadRequest.encode(msg).finish());
}

/** Splits a streamed body into its frames, checking each frame's CRC. */
function frames(body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < body.length) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = body[pos++]!;
      len |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    const crc = ((body[pos]! << 24) | (body[pos + 1]! << 16) | (body[pos + 2]! << 8) | body[pos + 3]!) >>> 0;
    pos += 4;
    const msg = body.subarray(pos, pos + len);
    expect(crc32c(msg)).toBe(crc);
    out.push(msg);
    pos += len;
  }
  return out;
}

describe('handleRemoteRead', () => {
  function seeded(): TSDB {
    const db = openDB();
    const samples: [number, number][] = [];
    for (let i = 0; i < 250; i++) samples.push([T0 + i * 100, i]);
    handleRemoteWrite(
      db,
      writeBody([
        { labels: ['__name__', 'm', 'job', 'a'], samples },
        { labels: ['__name__', 'm', 'job', 'b'], samples: [[T0, 7]] },
      ]),
    );
    return db;
  }

  it('answers SAMPLES with external labels added and matchers on them dropped', () => {
    const db = seeded();
    const res = handleRemoteRead(db, readBody([{ start: T0, end: T0 + 150, matchers: [[0, '__name__', 'm'], [0, 'replica', 'x']] }], []), {
      ...DEFAULT_READ_OPTIONS,
      externalLabels: ['replica', 'r1'],
    });
    expect(res.status).toBe(200);
    expect(res.headers).toEqual({ 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' });
    const obj = prompb.ReadResponse.toObject(prompb.ReadResponse.decode(snappyDecode(res.body as Uint8Array, 1 << 24)), TO_OBJECT);
    expect(obj).toEqual({
      results: [
        {
          timeseries: [
            {
              labels: [
                { name: '__name__', value: 'm' },
                { name: 'job', value: 'a' },
                { name: 'replica', value: 'r1' },
              ],
              samples: [
                { value: 0, timestamp: T0 },
                { value: 1, timestamp: T0 + 100 },
              ],
              exemplars: [],
            },
            {
              labels: [
                { name: '__name__', value: 'm' },
                { name: 'job', value: 'b' },
                { name: 'replica', value: 'r1' },
              ],
              samples: [{ value: 7, timestamp: T0 }],
              exemplars: [],
            },
          ],
        },
      ],
    });
  });

  it('answers STREAMED_XOR_CHUNKS frames whose chunks decode to the stored samples', () => {
    const db = seeded();
    const res = handleRemoteRead(db, readBody([{ start: T0, end: T0 + 100_000, matchers: [[2, 'job', 'a|b']] }], [ResponseType.STREAMED_XOR_CHUNKS]));
    expect(res.headers['content-type']).toBe('application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse');
    const msgs = frames(res.body as Uint8Array).map(
      (f) => prompb.ChunkedReadResponse.toObject(prompb.ChunkedReadResponse.decode(f), TO_OBJECT) as {
        chunkedSeries: { labels: { name: string; value: string }[]; chunks: { minTimeMs: number; maxTimeMs: number; data: Uint8Array }[] }[];
        queryIndex: number;
      },
    );
    expect(msgs.length).toBe(1);
    const [a, b] = msgs[0]!.chunkedSeries;
    expect(a!.chunks.map((c) => [c.minTimeMs, c.maxTimeMs, new XorChunk(c.data).numSamples()])).toEqual([
      [T0, T0 + 11_900, 120],
      [T0 + 12_000, T0 + 23_900, 120],
      [T0 + 24_000, T0 + 24_900, 10],
    ]);
    expect(b!.labels).toEqual([
      { name: '__name__', value: 'm' },
      { name: 'job', value: 'b' },
    ]);
  });

  it('splits frames at maxBytesInFrame', () => {
    const db = seeded();
    const res = handleRemoteRead(db, readBody([{ start: T0, end: T0 + 100_000, matchers: [[0, '__name__', 'm']] }], [ResponseType.STREAMED_XOR_CHUNKS]), {
      ...DEFAULT_READ_OPTIONS,
      maxBytesInFrame: 10,
    });
    expect(frames(res.body as Uint8Array).length).toBe(4);
  });

  it('answers 400 for an unsupported response type, a bad body and the sample limit', () => {
    const db = seeded();
    expect(handleRemoteRead(db, readBody([], [7])).status).toBe(400);
    expect(handleRemoteRead(db, Uint8Array.from([1, 2, 3])).status).toBe(400);
    const res = handleRemoteRead(db, readBody([{ start: T0, end: T0 + 100_000, matchers: [[0, '__name__', 'm']] }], []), { ...DEFAULT_READ_OPTIONS, sampleLimit: 5 });
    expect(res).toMatchObject({ status: 400, body: 'exceeded sample limit (5)\n' });
  });

  it('merges external labels into a sorted label set', () => {
    expect(withExternalLabels(['__name__', 'm', 'z', '1'], ['a', 'x', 'z', 'ext'])).toEqual(['__name__', 'm', 'a', 'x', 'z', '1']);
  });
});
