import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../../../src/model/value.js';
import { CorruptionError } from '../../../src/tsdb/block/fileread.js';
import { BitIn, BitOut, bitLength, readIntSeq, writeIntSeq } from '../../../src/tsdb/chunkenc/bitpack.js';
import { BlockChunkDecoder, parseBlockChunkEncoding } from '../../../src/tsdb/chunkenc/blockchunk.js';
import { chunkSampleCount, Encoding } from '../../../src/tsdb/chunkenc/chunk.js';
import { HI } from '../../../src/tsdb/chunkenc/floatbits.js';
import { encodeLookoutChunk, LOOKOUT_MAX_SAMPLES, LookoutDecoder, LookoutIterator } from '../../../src/tsdb/chunkenc/lookout.js';

const T0 = 1_700_000_000_000;

/** The value bits of `vs[0…n)` as one array of words. */
function words(vs: Float64Array, n: number): number[] {
  return Array.from(new Uint32Array(vs.buffer, vs.byteOffset, 2 * n));
}

/** Encodes and decodes `ts`/`vs`; returns the chunk bytes, or null when the encoder declined. */
function roundTrip(ts: number[], vs: number[]): Uint8Array | null {
  const t = Float64Array.from(ts);
  const v = Float64Array.from(vs);
  // Float64Array.from canonicalises nothing, but STALE_NAN must keep its payload: write its bits.
  const bits = new Uint32Array(v.buffer);
  const src = new Uint32Array(new Float64Array(vs).buffer);
  for (let i = 0; i < vs.length; i++) if (Number.isNaN(vs[i]!)) bits.set(src.subarray(2 * i, 2 * i + 2), 2 * i);
  const bytes = encodeLookoutChunk(t, v, 0, ts.length);
  if (bytes === null) return null;
  const copy = bytes.slice();
  expect(chunkSampleCount(copy, 0)).toBe(ts.length);
  const d = new LookoutDecoder();
  expect(d.decode(copy, 0, copy.length)).toBe(ts.length);
  expect(Array.from(d.ts.subarray(0, ts.length))).toEqual(ts);
  expect(words(d.vs, ts.length)).toEqual(words(v, ts.length));
  return copy;
}

/** Strictly increasing integer timestamps from positive gaps. */
const timestamps = (n: fc.Arbitrary<number>) =>
  fc.tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 42 }), fc.array(n, { minLength: 0, maxLength: 300 })).map(([t0, gaps]) => {
    const out = [t0];
    for (const g of gaps) out.push(out[out.length - 1]! + g);
    return out;
  });

describe('integer sequences (bitpack)', () => {
  it('round-trips any safe integers below 2^49 in magnitude, whichever order and method is chosen', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -(2 ** 49), max: 2 ** 49 }), fc.constant(0)), { minLength: 1, maxLength: 400 }),
          // Mostly flat: the sparse method.
          fc.array(fc.oneof({ weight: 30, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) }), { minLength: 1, maxLength: 400 }).map((ds) => {
            let v = 0;
            return ds.map((d) => (v += d));
          }),
          // Counters and random walks: deltas in one range (frame of reference) or around 0 (Rice).
          fc
            .tuple(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), fc.integer({ min: -(2 ** 33), max: 2 ** 33 }), fc.array(fc.integer({ min: 0, max: 2 ** 34 }), { minLength: 0, maxLength: 400 }))
            .map(([x0, lo, ds]) => {
              let v = x0;
              return [x0, ...ds.map((d) => (v += lo + d))];
            }),
        ),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (xs, frac) => {
          const w = new BitOut();
          w.put(5, 3);
          writeIntSeq(w, Float64Array.from(xs), xs.length);
          const r = new BitIn().reset(w.buf, 0, w.byteLength());
          expect(r.get(3)).toBe(5);
          const out = new Float64Array(xs.length);
          readIntSeq(r, xs.length, out);
          r.check();
          expect(Array.from(out)).toEqual(xs);
          // Reading only the first `stop` terms gives the same prefix.
          const stop = Math.round(frac * xs.length);
          const part = new Float64Array(xs.length);
          r.reset(w.buf, 0, w.byteLength()).get(3);
          readIntSeq(r, xs.length, part, stop);
          r.check();
          expect(Array.from(part.subarray(0, stop))).toEqual(xs.slice(0, stop));
          // The same prefix into out[at…at + stop), and nothing written around it.
          const at = 1 + Math.round(frac * 7);
          const placed = new Float64Array(at + xs.length + 2).fill(-7);
          r.reset(w.buf, 0, w.byteLength()).get(3);
          readIntSeq(r, xs.length, placed, stop, at);
          r.check();
          expect(Array.from(placed)).toEqual([...Array<number>(at).fill(-7), ...xs.slice(0, stop), ...Array<number>(xs.length - stop + 2).fill(-7)]);
        },
      ),
    );
  });

  it('reads frame-of-reference deltas of every code width at every bit offset, inside a stream or ending it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.noBias(fc.double({ min: 0, max: 1, noNaN: true })),
        fc.integer({ min: 0, max: 2 ** 20 }),
        fc.integer({ min: 2, max: 200 }),
        fc.integer(),
        fc.boolean(),
        (offset, spanFrac, lo, n, seed, trailing) => {
          // Uniform draws (fast-check's own favour the ends of a range, which the encoder then
          // codes another way).
          let state = seed;
          const uniform = Array.from({ length: n }, () => {
            state = (Math.imul(state, 1664525) + 1013904223) | 0;
            return (state >>> 0) / 2 ** 32;
          });
          for (let width = 1; width <= 30; width++) {
            // A counter's deltas spanning [lo, lo + span], both ends present, span of bit length
            // `width`: codes of width − 1 and width bits (truncated binary), all of width bits at
            // span 2^width − 1.
            const span = Math.min(2 ** width - 1, 2 ** (width - 1) + Math.floor(spanFrac * 2 ** (width - 1)));
            let v = 2 ** 30;
            const xs = [v, (v += lo), (v += lo + span), ...uniform.map((u) => (v += lo + Math.floor(u * (span + 1))))];
            const w = new BitOut();
            w.put(0, offset);
            writeIntSeq(w, Float64Array.from(xs), xs.length);
            const end = w.pos;
            if (trailing) w.put(0xabcdef, 24);
            const r = new BitIn().reset(w.buf, 0, w.byteLength());
            r.pos = offset;
            const out = new Float64Array(xs.length);
            readIntSeq(r, xs.length, out);
            r.check();
            expect(Array.from(out)).toEqual(xs);
            expect(r.pos).toBe(end);
            if (trailing) expect(r.get(24)).toBe(0xabcdef);
          }
        },
      ),
    );
  });

  it('writes a constant step in a few bytes, whatever the length', () => {
    const w = new BitOut();
    writeIntSeq(
      w,
      Float64Array.from({ length: 1000 }, (_, i) => T0 + i * 15_000),
      1000,
    );
    expect(w.byteLength()).toBeLessThanOrEqual(12);
  });
});

describe('rising integer sequences (bitpack)', () => {
  /** Writes `xs` and reads them back: [terms, what readIntSeq says of them]. */
  function readBack(xs: number[]): [number[], boolean] {
    const w = new BitOut();
    writeIntSeq(w, Float64Array.from(xs), xs.length);
    const bytes = w.buf.subarray(0, w.byteLength());
    const out = new Float64Array(xs.length);
    const rising = readIntSeq(new BitIn().reset(bytes, 0, bytes.length), xs.length, out);
    return [Array.from(out), rising];
  }

  it('are told apart only when every delta is positive (regular timestamps)', () => {
    expect(readBack([5, 20, 35, 50])).toEqual([[5, 20, 35, 50], true]);
    expect(readBack([5, 5, 5, 5])).toEqual([[5, 5, 5, 5], false]);
    expect(readBack([5, 5, 7, 9])).toEqual([[5, 5, 7, 9], false]);
    expect(readBack([9, 7, 5, 3])).toEqual([[9, 7, 5, 3], false]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: 1, maxLength: 200 }), (xs) => {
        const [got, rising] = readBack(xs);
        expect(got).toEqual(xs);
        if (rising) for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!);
      }),
    );
  });
});

describe('Lookout chunks', () => {
  it('round-trips decimals with up to 9 digits after the point, at any timestamps', () => {
    fc.assert(
      fc.property(
        timestamps(fc.integer({ min: 1, max: 100_000 })),
        fc.integer({ min: 0, max: 9 }),
        fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: 301, maxLength: 301 }),
        (ts, k, ms) => {
          const vs = ts.map((_, i) => ms[i]! / 10 ** k);
          expect(roundTrip(ts, vs)).not.toBeNull();
        },
      ),
    );
  });

  it('round-trips every float64 bit pattern: random doubles, NaN payloads, ±Inf, -0, the staleness marker', () => {
    const special = fc.constantFrom(NaN, STALE_NAN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, -(2 ** 60));
    fc.assert(
      fc.property(
        timestamps(fc.integer({ min: 1, max: 2 ** 31 })),
        fc.array(fc.oneof(fc.double(), special, fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }).map((m) => m / 1000)), { minLength: 301, maxLength: 301 }),
        (ts, pool) => {
          roundTrip(ts, ts.map((_, i) => pool[i]!));
        },
      ),
    );
  });

  it('round-trips slowly drifting floats with odd values among them (float-bits form)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e300, max: 1e300, noNaN: true }),
        fc.array(fc.oneof({ weight: 20, arbitrary: fc.double({ min: -1e-6, max: 1e-6, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(NaN, STALE_NAN, -0, Infinity) }), {
          minLength: 1,
          maxLength: 600,
        }),
        (start, steps) => {
          let v = start;
          const vs = steps.map((d) => (Number.isFinite(d) && d !== 0 ? (v = v * (1 + d) + d) : d));
          roundTrip(
            vs.map((_, i) => T0 + i * 1000),
            vs,
          );
        },
      ),
    );
  });

  it('keeps a few exceptions (staleness markers, -0, NaN) inside a decimal chunk', () => {
    const ts = Array.from({ length: 200 }, (_, i) => T0 + i * 15_000);
    const vs = ts.map((_, i) => 12.5 + i / 10);
    vs[0] = -0;
    vs[57] = STALE_NAN;
    vs[199] = NaN;
    expect(roundTrip(ts, vs)).not.toBeNull();
  });

  it('round-trips huge counters (up to 2^49, then beyond: exceptions or XOR)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 49 - 1e9 }), fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 500 }), (start, incs) => {
        const vs: number[] = [];
        let v = start;
        for (const d of incs) vs.push((v += d));
        expect(roundTrip(incs.map((_, i) => T0 + i * 15_000), vs)).not.toBeNull();
      }),
    );
    // Beyond 2^49 the values are no decimals the sequences hold: the float-bits form takes them.
    const big = Array.from({ length: 100 }, (_, i) => 2 ** 60 + i * 2 ** 20);
    expect(roundTrip(big.map((_, i) => T0 + i), big)).not.toBeNull();
  });

  it('stores slowly changing floats (a histogram _sum) as differences of their bit patterns', () => {
    const ts = Array.from({ length: 480 }, (_, i) => T0 + i * 15_000);
    let sum = 0;
    const sums = ts.map((_, i) => (sum += Math.sqrt(i + 2) * 0.37));
    const bytes = roundTrip(ts, sums)!;
    expect(bytes.length).toBeLessThan(480 * 7);
    // With a staleness marker and a jump to a negative value among them.
    sums[100] = STALE_NAN;
    sums[200] = -sums[200]!;
    expect(roundTrip(ts, sums)).not.toBeNull();
  });

  it('stores regular scrapes of a counter in about a byte a sample, a near-constant gauge in much less', () => {
    const n = 480;
    const ts = Array.from({ length: n }, (_, i) => T0 + i * 15_000);
    let v = 1e6;
    const counter = ts.map((_, i) => (v += 7 + ((i * 7919) % 150)));
    expect(roundTrip(ts, counter)!.length).toBeLessThan(n * 1.1);
    const flat = ts.map((_, i) => (i < 300 ? 42.5 : 17.25));
    expect(roundTrip(ts, flat)!.length).toBeLessThan(24);
  });

  it('declines samples that are mostly neither short decimals nor slowly changing floats, and timestamps beyond ±2^49 ms', () => {
    const ts = Array.from({ length: 50 }, (_, i) => T0 + i);
    expect(encodeLookoutChunk(Float64Array.from(ts), Float64Array.from(ts, (_, i) => Math.PI * (i + 1) * (i % 2 === 0 ? 1 : -1)), 0, 50)).toBeNull();
    expect(encodeLookoutChunk(Float64Array.of(2 ** 50, 2 ** 50 + 1), Float64Array.of(1, 2), 0, 2)).toBeNull();
    expect(() => encodeLookoutChunk(new Float64Array(LOOKOUT_MAX_SAMPLES + 1), new Float64Array(LOOKOUT_MAX_SAMPLES + 1), 0, LOOKOUT_MAX_SAMPLES + 1)).toThrow(RangeError);
  });

  it('encodes a slice [from, to) of longer arrays', () => {
    const ts = Float64Array.from({ length: 10 }, (_, i) => T0 + i * 1000);
    const vs = Float64Array.from({ length: 10 }, (_, i) => i * 2);
    const bytes = encodeLookoutChunk(ts, vs, 3, 7)!.slice();
    const it = new LookoutIterator().reset(bytes, 0, bytes.length);
    const got: [number, number][] = [];
    while (it.next()) got.push([it.t, it.v]);
    expect(got).toEqual([
      [T0 + 3000, 6],
      [T0 + 4000, 8],
      [T0 + 5000, 10],
      [T0 + 6000, 12],
    ]);
  });

  it('decodes the samples of any [mint, maxt] (decodeRange) as the whole chunk filtered, in either word order', () => {
    const value = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: -1e9, max: 1e9 }).map((m) => m / 1000) },
      { weight: 1, arbitrary: fc.double() },
      { weight: 1, arbitrary: fc.constantFrom(STALE_NAN, NaN, -0, Infinity) },
    );
    const drift = fc.array(fc.double({ min: -1e-6, max: 1e-6, noNaN: true }), { minLength: 1, maxLength: 300 }).map((ds) => {
      let v = 1234.5678;
      return ds.map((d) => (v = v * (1 + d) + d));
    });
    fc.assert(
      fc.property(timestamps(fc.integer({ min: 1, max: 60_000 })), fc.oneof(fc.array(value, { minLength: 301, maxLength: 301 }), drift), fc.double({ min: -0.1, max: 1.1, noNaN: true }), fc.double({ min: -0.1, max: 1.1, noNaN: true }), fc.boolean(), (ts, pool, a, b, swap) => {
        const n = Math.min(ts.length, pool.length);
        const t = Float64Array.from(ts.slice(0, n));
        const v = Float64Array.from(pool.slice(0, n));
        const bytes = encodeLookoutChunk(t, v, 0, n);
        if (bytes === null) return;
        const chunk = bytes.slice();
        const span = t[n - 1]! - t[0]!;
        const mint = Math.round(t[0]! + Math.min(a, b) * span);
        const maxt = Math.round(t[0]! + Math.max(a, b) * span);
        const hiIdx = swap ? 1 - HI : HI;
        const outTs = new Float64Array(n + 2);
        const outBits = new Uint32Array(2 * (n + 2));
        const d = new LookoutDecoder();
        const end = d.decodeRange(chunk, 0, chunk.length, mint, maxt, outTs, outBits, 2, hiIdx);
        const wantTs: number[] = [];
        const wantBits: number[] = [];
        const vb = new Uint32Array(v.buffer);
        for (let i = 0; i < n; i++) {
          if (t[i]! < mint || t[i]! > maxt) continue;
          wantTs.push(t[i]!);
          wantBits.push(vb[2 * i + HI]!, vb[2 * i + 1 - HI]!);
        }
        expect(end).toBe(2 + wantTs.length);
        expect(Array.from(outTs.subarray(2, end))).toEqual(wantTs);
        const got: number[] = [];
        for (let i = 2; i < end; i++) got.push(outBits[2 * i + hiIdx]!, outBits[2 * i + 1 - hiIdx]!);
        expect(got).toEqual(wantBits);
      }),
    );
  });

  it('reports malformed bytes with a CorruptionError, never a crash or a hang', () => {
    const ts = Float64Array.from({ length: 100 }, (_, i) => T0 + i * 15_000);
    const vs = Float64Array.from({ length: 100 }, (_, i) => i * 3);
    const good = encodeLookoutChunk(ts, vs, 0, 100)!.slice();
    const d = new LookoutDecoder();
    expect(() => d.decode(good, 0, 1)).toThrow(CorruptionError);
    expect(() => d.decode(Uint8Array.of(0, 0), 0, 2)).toThrow(/Lookout chunk: no samples/);
    expect(() => d.decode(good, 0, good.length - 3)).toThrow(CorruptionError);
    const repeated = encodeLookoutChunk(Float64Array.of(T0, T0 + 15_000, T0 + 15_000, T0 + 30_000), Float64Array.of(1, 2, 3, 4), 0, 4)!.slice();
    expect(() => d.decode(repeated, 0, repeated.length)).toThrow(new CorruptionError('Lookout chunk: timestamps not increasing'));
    fc.assert(
      fc.property(fc.integer({ min: 2, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, flip) => {
        const bad = good.slice();
        bad[pos]! ^= flip;
        for (const read of [() => d.decode(bad, 0, bad.length), () => d.decodeRange(bad, 0, bad.length, T0 + 50 * 15_000, T0 + 60 * 15_000, new Float64Array(100), new Uint32Array(200), 0, HI)]) {
          try {
            read();
          } catch (e) {
            expect(e).toBeInstanceOf(CorruptionError);
          }
        }
      }),
    );
  });
});

describe('block chunk dispatch', () => {
  it('decodes XOR and Lookout chunks by their encoding code, and names an unknown code', () => {
    const ts = Float64Array.from({ length: 5 }, (_, i) => T0 + i * 15_000);
    const vs = Float64Array.of(1, 2, 3, 4, 5);
    const bytes = encodeLookoutChunk(ts, vs, 0, 5)!.slice();
    const out = new Float64Array(5);
    const dec = new BlockChunkDecoder();
    const outTs = new Float64Array(5);
    expect(dec.decodeRange(Encoding.Lookout, bytes, 0, bytes.length, T0 + 15_000, T0 + 45_000, outTs, new Uint32Array(out.buffer), 0, HI)).toBe(3);
    expect(Array.from(out.subarray(0, 3))).toEqual([2, 3, 4]);
    expect(() => dec.decodeRange(0x41, bytes, 0, bytes.length, 0, Infinity, outTs, new Uint32Array(out.buffer), 0, HI)).toThrow(
      new CorruptionError('unsupported chunk encoding unknown (0x41): this Lookout reads XOR (1) and Lookout (0x40) chunks'),
    );
    expect(() => BlockChunkDecoder.check(2)).toThrow(/unsupported chunk encoding unknown \(0x02\)/);
    expect(() => BlockChunkDecoder.check(Encoding.Lookout)).not.toThrow();
  });

  it('parses --storage.tsdb.block-chunk-encoding', () => {
    expect(parseBlockChunkEncoding('xor')).toBe('xor');
    expect(parseBlockChunkEncoding('lookout')).toBe('lookout');
    expect(() => parseBlockChunkEncoding('gorilla')).toThrow('invalid value for --storage.tsdb.block-chunk-encoding: "gorilla" (must be one of xor, lookout)');
  });
});

describe('encoder fast paths', () => {
  it('bit writer: any run of n-bit fields (0…53 bits, at any bit offset) reads back exactly', () => {
    const field = fc.integer({ min: 0, max: 53 }).chain((n) => fc.tuple(fc.constant(n), n <= 32 ? fc.integer({ min: 0, max: 2 ** n - 1 }) : fc.double({ min: 0, max: 2 ** n - 1, noNaN: true }).map(Math.floor)));
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 200 }), (fields) => {
        const w = new BitOut();
        for (const [n, v] of fields) {
          if (n <= 32) w.put(v, n);
          else w.putBig(v, n);
          w.putVar(v);
        }
        const r = new BitIn().reset(w.buf, 0, w.byteLength());
        for (const [n, v] of fields) {
          expect(n <= 32 ? r.get(n) : r.getBig(n)).toBe(v);
          expect(r.getVar()).toBe(v);
        }
        r.check();
        const bits = fields.reduce((a, [n, v]) => a + n + 6 + bitLength(v), 0);
        expect(w.byteLength()).toBe(Math.ceil(bits / 8));
      }),
    );
  });

  it('round-trips any doubles at any timestamps bit-exactly, mixing decimals of every length and magnitude with odd values', () => {
    const special = fc.constantFrom(NaN, STALE_NAN, Infinity, -Infinity, -0, 0, 2 ** 49, -(2 ** 49), 2 ** 49 + 1, 5e5, 562_949.953_421_312);
    const decimal = fc.tuple(fc.integer({ min: -(2 ** 49), max: 2 ** 49 }), fc.integer({ min: 0, max: 11 })).map(([m, k]) => m / 10 ** k);
    // Around the 5·10^5 bound below which a 9-place test decides every shorter length.
    const nearBound = fc.tuple(fc.double({ min: 3e5, max: 8e5, noNaN: true }), fc.integer({ min: 0, max: 10 })).map(([v, k]) => Math.round(v * 10 ** k) / 10 ** k);
    const value = fc.oneof(fc.double(), special, decimal, nearBound);
    fc.assert(
      fc.property(timestamps(fc.integer({ min: 1, max: 2 ** 20 })), fc.array(value, { minLength: 301, maxLength: 301 }), fc.integer({ min: 0, max: 3 }), (ts, vs0, shape) => {
        // Shapes: as drawn, one value repeated, sorted (counters), decimals drifting by one unit.
        const vs = ts.map((_, i) => (shape === 0 ? vs0[i]! : shape === 1 ? vs0[i % 3]! : shape === 2 ? vs0[i]! : vs0[0]! + i / 1000));
        if (shape === 2) vs.sort((a, b) => a - b);
        const t = Float64Array.from(ts);
        const v = Float64Array.from(vs);
        const bits = new Uint32Array(v.buffer);
        for (let i = 0; i < vs.length; i++) if (Object.is(vs[i], STALE_NAN) || Number.isNaN(vs[i]!)) bits.set(new Uint32Array(new Float64Array([vs[i]!]).buffer), 2 * i);
        const bytes = encodeLookoutChunk(t, v, 0, ts.length);
        if (bytes === null) return;
        const d = new LookoutDecoder();
        d.decode(bytes.slice(), 0, bytes.length);
        expect(Array.from(d.ts.subarray(0, ts.length))).toEqual(ts);
        expect(words(d.vs, ts.length)).toEqual(words(v, ts.length));
      }),
    );
  });

  /** Data set B's kinds of series (counters, 3- and 1-decimal gauges, bucket counts, drifting and random floats, odd values, long decimals near 5·10^5), 120 × 480 samples. */
  function goldenSeries(): [Float64Array, Float64Array][] {
    let seed = 7;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const out: [Float64Array, Float64Array][] = [];
    const n = 480;
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    for (let s = 0; s < 120; s++) {
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      const kind = s % 8;
      let v = Math.floor(rnd() * 1e6);
      for (let i = 0; i < n; i++) {
        ts[i] = 1_700_000_000_000 + i * 15_000 + (s % 5 === 4 ? Math.floor(rnd() * 3) : 0);
        if (kind === 0) vs[i] = v += Math.floor(rnd() * 200);
        else if (kind === 1) vs[i] = Number((50 + 40 * Math.sin(i / 30 + s) + rnd()).toFixed(3));
        else if (kind === 2) vs[i] = Number((rnd() < 0.02 ? (v = rnd() * 100) : v % 100).toFixed(1));
        else if (kind === 3) vs[i] = v += rnd() < 0.3 ? Math.floor(rnd() * 4) : 0;
        else if (kind === 4) vs[i] = v += rnd() * 0.37;
        else if (kind === 5) {
          u[0] = rnd() * 4294967296;
          u[1] = rnd() * 4294967296;
          vs[i] = f[0]!;
        } else if (kind === 6) vs[i] = i % 37 === 5 ? [NaN, -0, Infinity, -Infinity][i % 4]! : Math.round(rnd() * 1e8) / 1e4;
        else vs[i] = Math.round((4e5 + rnd() * 2e5) * 10 ** (i % 10)) / 10 ** (i % 10);
      }
      out.push([ts, vs]);
    }
    return out;
  }

  it('writes exactly the bytes the encoder wrote before its fast paths (same choices, same sizes)', () => {
    // Figures of the encoder before the decimal hint, the Rice search cut-off and the word-wise
    // bit writer, on the same series: 86,186 bytes, FNV-1a 2976484537, 118 runs left to XOR.
    let bytes = 0;
    let hash = 2166136261;
    let declined = 0;
    for (const [ts, vs] of goldenSeries()) {
      for (let p = 0; p < 4; p++) {
        const b = encodeLookoutChunk(ts, vs, p * 120, p * 120 + 120);
        if (b === null) {
          declined++;
          continue;
        }
        bytes += b.length;
        for (let j = 0; j < b.length; j++) hash = Math.imul(hash ^ b[j]!, 16777619);
      }
    }
    expect({ bytes, hash: hash >>> 0, declined }).toEqual({ bytes: 86_186, hash: 2_976_484_537, declined: 118 });
  });
});
