/**
 * Fuzzing remote-write bodies: protobuf `WriteRequest` decoding (mutated valid messages and random
 * bytes) throws only `ProtoDecodeError`, and bounded decompression of snappy/gzip bodies throws
 * only `DecompressError`, never allocating past its bound.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWriteRequest, ProtoDecodeError, WriteRequestEncoder } from '../../src/remote/proto.js';
import { snappyDecode, snappyEncode, SnappyError } from '../../src/remote/snappy.js';
import { DecompressError, decompressBounded } from '../../src/web/limits.js';
import { expectTypedOutcome, mutatedBytes, runs, FUZZ_TIMEOUT_MS } from './support.js';

function seeds(): Uint8Array[] {
  const e = new WriteRequestEncoder();
  e.beginSeries(['__name__', 'up', 'instance', 'localhost:9090', 'job', 'prometheus']);
  e.sample(1700000000000, 1);
  e.sample(1700000015000, NaN);
  e.endSeries();
  e.beginSeries(['__name__', 'http_requests_total', 'code', '200']);
  e.sample(-1, 1e308);
  e.endSeries();
  e.metadata(1, 'http_requests_total', 'Requests.', '');
  const full = e.finish();
  e.beginSeries([]);
  const empty = e.finish();
  return [full, empty, new Uint8Array(0)];
}

describe('remote write fuzzing', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const messages = seeds();

  it('decodeWriteRequest', () => {
    fc.assert(
      fc.property(mutatedBytes(messages), (b) => expectTypedOutcome(b, decodeWriteRequest, (e) => e instanceof ProtoDecodeError)),
      runs(600),
    );
  });

  it('snappy decoding inverts snappyjs encoding', () => {
    const data = fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.constantFrom(0, 1, 97), { maxLength: 3000 }).map((a) => Uint8Array.from(a)));
    fc.assert(
      fc.property(data, (b) => {
        expect(Array.from(snappyDecode(snappyEncode(b), b.length))).toEqual(Array.from(b));
      }),
      runs(300),
    );
  });

  it('a corrupt snappy literal that made snappyjs loop for seconds is refused at once', () => {
    const body = new Uint8Array([39, 252, 81, 50, 209, 208, 165, 203, 198]);
    expectTypedOutcome(body, (b) => snappyDecode(b, 4096), (e) => e instanceof SnappyError);
    expect(() => snappyDecode(body, 4096)).toThrow('snappy: corrupt input');
  });

  it('decompressBounded (snappy and gzip)', () => {
    const bodies = [...messages.map((m) => snappyEncode(m)), ...messages.map((m) => new Uint8Array(gzipSync(m)))];
    fc.assert(
      fc.property(mutatedBytes(bodies), fc.constantFrom('snappy', 'gzip'), (b, enc) =>
        expectTypedOutcome(b, (x) => decompressBounded(x, enc, 4096), (e) => e instanceof DecompressError),
      ),
      runs(600),
    );
  });
});
