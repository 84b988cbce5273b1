/** Go `strconv.ParseFloat` / `ParseInt(s, 0, _)` parsing shared by exposition, PromQL and templates. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoFloat, parseFloatBytes, parseGoFloat } from '../../../src/model/gofloat.js';
import { parseGoIntLiteral, underscoreOK } from '../../../src/model/goint.js';

const parse = (s: string) => parseFloatBytes(Buffer.from(s, 'latin1'), 0, Buffer.byteLength(s, 'latin1'));

describe('parseFloatBytes', () => {
  it.each([
    ['0', 0], ['-0', -0], ['+1', 1], ['1.', 1], ['.5', 0.5], ['-.5', -0.5], ['1e3', 1000], ['1E+3', 1000], ['1e-3', 0.001],
    ['0.1', 0.1], ['123.456', 123.456], ['4.9351e-05', 4.9351e-5], ['7.424100000000001e-05', 7.424100000000001e-5],
    ['9007199254740993', 9007199254740992], ['123456789012345678901234567890', 1.2345678901234568e29],
    ['0.000000000000000000000000000001', 1e-30], ['1e22', 1e22], ['1e23', 1e23], ['2.2250738585072014e-308', 2.2250738585072014e-308],
    ['4.9e-324', 5e-324], ['1e-400', 0], ['1.7976931348623157e308', 1.7976931348623157e308],
    ['inf', Infinity], ['+Inf', Infinity], ['-INF', -Infinity], ['infinity', Infinity], ['-Infinity', -Infinity],
    ['NaN', NaN], ['nan', NaN], ['nAn', NaN], ['0e999999999', 0], ['00000.00001', 0.00001],
  ])('%j → %d', (s, v) => {
    expect(parse(s)).toBe(v);
  });

  it.each(['', '+', '-', '.', 'e1', '1e', '1e+', '1.2.3', '0x1', '0x1p0', '0X1P-3', '1_0', '1p3', '+nan', '-nan', 'inff', 'infinit', 'Inf ',
    ' 1', '1 ', '1e400', '-1e309', '0b1', '0o7', '∞', '1,0', '1e1.5'])('rejects %j', (s) => {
    expect(parse(s)).toBeUndefined();
  });

  it('reads only the given byte range', () => {
    const b = Buffer.from('xx12.5yy');
    expect(parseFloatBytes(b, 2, 6)).toBe(12.5);
    expect(parseFloatBytes(b.subarray(1), 1, 5)).toBe(12.5);
  });

  it('round-trips every double through its JS and Go renderings', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (d) => {
        expect(parse(formatGoFloat(d))).toBe(d);
        if (Object.is(d, -0)) return; // JS renders -0 as "0"
        expect(parse(String(d))).toBe(d);
        expect(parse(d.toExponential())).toBe(d);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with correctly rounded decimal conversion on random decimal text', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 25 });
    fc.assert(
      fc.property(digits, fc.option(digits), fc.option(fc.integer({ min: -330, max: 330 })), (int, frac, exp) => {
        const s = `${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `e${exp}`}`;
        const want = Number(s);
        expect(parse(s)).toBe(Number.isFinite(want) ? want : undefined);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseGoFloat (full Go syntax, for label normalisation)', () => {
  it.each([
    ['0x1p-3', 0.125], ['0X1.8P1', 3], ['-0x.8p1', -1], ['0x_1p0', 1], ['1_000', 1000], ['1_000.5_5', 1000.55], ['1e1_0', 1e10],
    ['+Inf', Infinity], ['1', 1], ['08', 8], ['nan', NaN], ['0x1p1_0', 1024],
    // Correctly rounded hex mantissas longer than 53 bits, and exponents that alone under/overflow.
    ['0x1.ffffffffffffe801p0', 1.9999999999999998], ['0x1.ffffffffffffe8p0', 1.9999999999999996],
    ['0x1p-1074', 5e-324], ['0x1000p-1080', 3.16e-322], ['0x0p99999', 0], ['0x1p-99999', 0],
  ])('%j → %d', (s, v) => {
    expect(parseGoFloat(s)).toBe(v);
  });
  it.each(['0x10', '0x1', '0xp1', '1__0', '_1', '1_', '1_.5', '0x1p', '0x1p+', 'abc', '1e400', '0x1p1024', '+nan', '\u0131', '1\u0130'])(
    'rejects %j',
    (s) => {
      expect(parseGoFloat(s)).toBeUndefined();
    },
  );
});

describe('parseGoIntLiteral / underscoreOK (Go ParseInt(s, 0, _) syntax)', () => {
  it.each([
    ['0', 0n], ['00', 0n], ['0755', 493n], ['0o17', 15n], ['0B101', 5n], ['0x1F', 31n], ['-0x_1f', -31n], ['+5', 5n],
    ['1_000', 1000n], ['0_7', 7n], ['9223372036854775808', 9223372036854775808n],
  ])('%j → %d', (s, v) => {
    expect(parseGoIntLiteral(s)).toBe(v);
  });
  it.each(['', '-', '08', '0x', '0b2', '1__0', '1_', '_1', '1.5', '1e3', ' 1', 'Inf'])('rejects %j', (s) => {
    expect(parseGoIntLiteral(s)).toBeUndefined();
  });
  it.each([['1_000', true], ['0x_1f', true], ['0_7', true], ['1__0', false], ['_1', false], ['1_', false], ['1_.5', false]])(
    'underscoreOK(%j) → %s',
    (s, ok) => {
      expect(underscoreOK(s)).toBe(ok);
    },
  );
});
