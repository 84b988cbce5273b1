/**
 * `XorIterator.decodeRange` decodes most samples in a loop of its own (state in locals, no bit
 * reader calls). It must give exactly what stepping the iterator with `next()` gives: the same
 * timestamps and value bits (NaN payloads included) for any chunk and any [mint, maxt].
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HI } from '../../../src/tsdb/chunkenc/floatbits.js';
import { XorChunk, XorIterator } from '../../../src/tsdb/chunkenc/xor.js';
import { STALE_NAN } from '../../../src/model/value.js';

/** Samples in [mint, maxt] by next(), stopping after the first past maxt: [ts, value words]. */
function byNext(bytes: Uint8Array, mint: number, maxt: number): [number[], number[]] {
  const it = new XorIterator().reset(bytes, 0, bytes.length);
  const ts: number[] = [];
  const words: number[] = [];
  while (it.next()) {
    if (it.t < mint) continue;
    if (it.t > maxt) break;
    ts.push(it.t);
    words.push(it.vHi, it.vLo);
  }
  return [ts, words];
}

function byRange(bytes: Uint8Array, mint: number, maxt: number): [number[], number[]] {
  const it = new XorIterator().reset(bytes, 0, bytes.length);
  const ts = new Float64Array(it.numSamples + 1);
  const vs = new Float64Array(it.numSamples + 1);
  const bits = new Uint32Array(vs.buffer);
  const n = it.decodeRange(mint, maxt, ts, bits, 0, HI);
  const words: number[] = [];
  for (let i = 0; i < n; i++) words.push(bits[2 * i + HI]!, bits[2 * i + 1 - HI]!);
  return [[...ts.subarray(0, n)], words];
}

const value = fc.oneof(
  fc.double(),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.constantFrom(0, -0, 1, 1.5, STALE_NAN, NaN, Infinity, 2 ** 60, 1e-300),
);
/** Deltas between samples: regular scrapes, jitter, and the 14/17/20/64-bit delta-of-delta cases. */
const delta = fc.oneof(fc.constant(15_000), fc.integer({ min: 14_990, max: 15_010 }), fc.integer({ min: 1, max: 2 ** 21 }), fc.integer({ min: 1, max: 2 ** 40 }));

describe('XorIterator.decodeRange', () => {
  it('equals stepping with next() for any chunk and range', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(delta, value), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.nat(),
        fc.nat(),
        (samples, t0, a, b) => {
          const c = new XorChunk();
          let t = t0;
          for (const [d, v] of samples) {
            c.append(t, v);
            t += d;
          }
          const bytes = c.bytes().slice();
          const span = t - t0 + 1;
          const mint = t0 + (a % span) - 1;
          const maxt = mint + (b % span);
          expect(byRange(bytes, mint, maxt)).toEqual(byNext(bytes, mint, maxt));
          expect(byRange(bytes, -Infinity, Infinity)).toEqual(byNext(bytes, -Infinity, Infinity));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes a truncated chunk as far as next() does', () => {
    const c = new XorChunk();
    for (let i = 0; i < 120; i++) c.append(i * 15_000, Math.sin(i) * 1000);
    const whole = c.bytes().slice();
    for (const cut of [10, 50, 200, whole.length - 3]) {
      const bytes = whole.slice(0, cut);
      expect(byRange(bytes, -Infinity, Infinity)).toEqual(byNext(bytes, -Infinity, Infinity));
    }
  });
});
