import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../../../src/model/value.js';
import { BitReader, BitWriter } from '../../../src/tsdb/chunkenc/bstream.js';
import { fromBits, highBits, lowBits, sameBits } from '../../../src/tsdb/chunkenc/floatbits.js';
import { XorChunk, XorIterator } from '../../../src/tsdb/chunkenc/xor.js';

/** Decodes every sample of a chunk as [t, hi, lo] triples. */
function samples(bytes: Uint8Array): [number, number, number][] {
  const it = new XorIterator().reset(bytes, 0, bytes.length);
  const out: [number, number, number][] = [];
  while (it.next()) out.push([it.t, it.vHi, it.vLo]);
  return out;
}

/** Chunks written by promtool 2.42 (`tsdb create-blocks-from openmetrics`), taken from the block's chunk file. */
const PROMETHEUS_CHUNKS = {
  // Series with ±Inf, NaN, -0, 0, 1e-300 and delta-of-deltas at every bucket boundary (±8191/8192, ±65535/65536, ±524287/524288).
  specials:
    '000b80a0abfef9623ff0000000000000c0cf24c26fff58befff0000000000006800200200000000000068007003c2001c25fffde000c00f400033f3a56e1fc2f8f359d0001c3fc038012b968500efe1000180cab79a2a3ef9db7780000',
  // A counter at a 10 s interval, 128 samples.
  counter:
    '008080a0abfef9620000000000000000904ec26400a0026a17a8a869c84d827a546d237edc1f6d1352236c17a8e9a868ad637ede1f6e1351a56d17e8a98868ad837e8541a35089f42a0d1a876a23f5013885b789a9db85ea1a2a623b68dea0d0a8f42a71068547a1506d83fd4110f41503475074350440d3d41d0d40d054710743503415ac9fea02a06201a02a0fa02a01a06a0221fa02a01a06a03a0ea02201a06a03a3ea01a02a06203a0ea01a02a07a02a1e201a02a07a02a01a0ea02207a02a01a7ea03a06a0220180',
  // Random floats.
  gauge:
    '0007d08bb180fa62408ed1a4bf83a55e9875c1fc06fe87eecbd047740022561527fa28810064e5c5cc0dbd14400027a4fd116ca59007dbbac598d1f544001d98c17b1636f0',
  // Ends in Go bstream's empty trailing byte (its last value write was whole bytes at a byte boundary).
  tail: '0007acf5a285fa624008000000000000c5cf24c005f24f596b3002c1af8000000000040000d7ca3d65acc00b06bffffffffffff00001000200000000000027fe400000000000080019ffd0000000000002fffe3ffc00000000000100',
};

describe('BitWriter / BitReader', () => {
  it('round-trips arbitrary bit fields of 0..32 bits, most significant bit first', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 200 }), (fields) => {
        const buf = new Uint8Array(fields.length * 4 + 8);
        const w = new BitWriter().reset(buf, 0);
        for (const [n, v] of fields) w.writeBits(v, n);
        const r = new BitReader().reset(buf, 0, buf.length);
        for (const [n, v] of fields) {
          const mask = n === 32 ? 0xffffffff : (1 << n) - 1;
          expect(r.readBits(n)).toBe((v & mask) >>> 0);
        }
        expect(r.pos).toBe(w.pos);
      }),
    );
  });

  it('writes MSB-first as Go bstream: 0b101 then 0x1f in 5 bits gives 0xbf', () => {
    const buf = new Uint8Array(2);
    const w = new BitWriter().reset(buf, 0);
    w.writeBits(0b101, 3);
    w.writeBits(0x1f, 5);
    expect(buf[0]).toBe(0b10111111);
  });

  it('round-trips varints and 64-bit integers without BigInt', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 1_700_000_000_000, -1, -1_700_000_000_000, 2 ** 53 - 1, -(2 ** 52)];
    const buf = new Uint8Array(400);
    const w = new BitWriter().reset(buf, 3);
    for (const v of values) {
      w.writeVarint(v);
      w.writeInt64(v);
      if (v >= 0) w.writeUvarint(v);
    }
    const r = new BitReader().reset(buf, 0, buf.length);
    r.pos = 3;
    for (const v of values) {
      expect(r.readVarint()).toBe(v);
      expect(r.readInt64()).toBe(v);
      if (v >= 0) expect(r.readUvarint()).toBe(v);
    }
  });

  it('reads zeros and flags an overrun past the end instead of throwing', () => {
    const r = new BitReader().reset(new Uint8Array([0xff]), 0, 1);
    expect(r.readBits(4)).toBe(0xf);
    expect(r.readBits(8)).toBe(0xf0);
    expect(r.overrun).toBe(true);
  });
});

const special = [0, -0, 1, -1, Infinity, -Infinity, NaN, STALE_NAN, Number.MIN_VALUE, Number.MAX_VALUE, 1e-300, 0.1, 2 ** 53];
const anyValue = fc.oneof(
  fc.constantFrom(...special),
  fc.double(),
  fc.integer({ min: -1e6, max: 1e6 }),
  // Arbitrary bit patterns, including NaNs with payloads.
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })).map(([h, l]) => fromBits(h, l)),
);
const anyDelta = fc.oneof(
  fc.constantFrom(1, 15_000, 8192, 8193, 65_536, 65_537, 524_288, 524_289, 2 ** 31, 2 ** 40),
  fc.integer({ min: 1, max: 600_000 }),
);

describe('XOR chunk', () => {
  it('round-trips random timestamps and values bit-exactly (NaN payloads, ±Inf, -0, STALE_NAN)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), fc.array(fc.tuple(anyDelta, anyValue), { minLength: 1, maxLength: 300 }), (t0, pts) => {
        const c = new XorChunk();
        const want: [number, number, number][] = [];
        let t = t0;
        for (const [d, v] of pts) {
          t += d;
          c.append(t, v);
          want.push([t, highBits(v), lowBits(v)]);
        }
        expect(c.numSamples()).toBe(pts.length);
        expect(samples(c.bytes())).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the staleness marker distinguishable from an ordinary NaN', () => {
    const c = new XorChunk();
    c.append(1000, NaN);
    c.append(2000, STALE_NAN);
    c.append(3000, NaN);
    const it = c.iterator();
    const got: boolean[] = [];
    while (it.next()) got.push(sameBits(it.v, STALE_NAN));
    expect(got).toEqual([false, true, false]);
  });

  it('continues a chunk loaded from bytes (same samples; same bytes once an XOR window exists)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyDelta, anyValue), { minLength: 1, maxLength: 60 }), fc.nat(60), (pts, cut) => {
        const whole = new XorChunk();
        const first = new XorChunk();
        let t = 1_700_000_000_000;
        const k = Math.min(cut, pts.length);
        const ts = pts.map(([d]) => (t += d));
        pts.forEach(([, v], i) => {
          whole.append(ts[i]!, v);
          if (i < k) first.append(ts[i]!, v);
        });
        const resumed = new XorChunk(first.bytes());
        pts.forEach(([, v], i) => {
          if (i >= k) resumed.append(ts[i]!, v);
        });
        expect(samples(resumed.bytes())).toEqual(samples(whole.bytes()));
        // Until a value differs from its predecessor no XOR window exists; upstream's resumed
        // appender then starts from the iterator's zero window (leading = trailing = 0) rather than
        // "no window": valid, but a different encoding from appending in one go.
        const bits = new Float64Array(pts.map(([, v]) => v));
        const words = new BigUint64Array(bits.buffer);
        let windowSet = false;
        for (let i = 1; i < k; i++) if (words[i] !== words[i - 1]) windowSet = true;
        if (windowSet || k === 0 || k === pts.length) {
          expect(Buffer.from(resumed.bytes()).toString('hex')).toBe(Buffer.from(whole.bytes()).toString('hex'));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reuses one iterator across chunks', () => {
    const a = new XorChunk();
    const b = new XorChunk();
    a.append(1, 1);
    a.append(2, 2);
    b.append(10, 5);
    const it = a.iterator();
    expect(it.next() && it.next() && !it.next()).toBe(true);
    expect(b.iterator(it)).toBe(it);
    expect(it.next()).toBe(true);
    expect([it.t, it.v]).toEqual([10, 5]);
    expect(it.next()).toBe(false);
  });

  it('stops at the end of truncated bytes and reports corruption', () => {
    const c = new XorChunk();
    for (let i = 0; i < 20; i++) c.append(i * 1000, Math.random());
    const cut = c.bytes().slice(0, 40);
    const it = new XorIterator().reset(cut, 0, cut.length);
    let n = 0;
    while (it.next()) n++;
    expect(n).toBeLessThan(20);
    expect(it.corrupt).toBe(true);
    expect(() => new XorChunk(cut)).toThrow(/corrupt XOR chunk/);
  });

  describe('byte compatibility with Prometheus chunks', () => {
    for (const [name, hex] of Object.entries(PROMETHEUS_CHUNKS)) {
      it(`decodes and re-encodes the ${name} chunk to identical bytes`, () => {
        const bytes = Buffer.from(hex, 'hex');
        const decoded = samples(bytes);
        expect(decoded.length).toBe((bytes[0]! << 8) | bytes[1]!);
        const c = new XorChunk();
        for (const [t, hi, lo] of decoded) c.append(t, fromBits(hi, lo));
        expect(Buffer.from(c.bytes()).toString('hex')).toBe(hex);
      });
    }

    it('reads the special values of the specials chunk exactly', () => {
      const decoded = samples(Buffer.from(PROMETHEUS_CHUNKS.specials, 'hex'));
      expect(decoded[0]![0]).toBe(1_700_000_000_000);
      const values = decoded.map(([, hi, lo]) => fromBits(hi, lo));
      expect(values.slice(0, 9)).toEqual([1, 2.5, NaN, Infinity, -Infinity, -0, 0, 1e-300, 123456789.123]);
      expect(Object.is(values[5], -0)).toBe(true);
      // Go's math.NaN() bit pattern.
      expect([decoded[2]![1], decoded[2]![2]]).toEqual([0x7ff80000, 1]);
    });
  });
});
