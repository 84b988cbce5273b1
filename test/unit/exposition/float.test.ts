/** Go-compatible float parsing and formatting. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoFloat, formatOpenMetricsFloat, formatValue, parseFloatBytes, parseGoFloat } from '../../../src/exposition/index.js';
import { SHARED } from '../../support/shared.js';

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
    ['+Inf', Infinity], ['1', 1],
  ])('%j → %d', (s, v) => {
    expect(parseGoFloat(s)).toBe(v);
  });
  it.each(['0x10', '0x1', '0xp1', '1__0', '_1', '1_', '1_.5', '0x1p', '0x1p+', 'abc', '1e400'])('rejects %j', (s) => {
    expect(parseGoFloat(s)).toBeUndefined();
  });
});

describe('formatGoFloat / formatValue / formatOpenMetricsFloat', () => {
  it.each([
    [0, '0', '0', '0.0'], [-0, '-0', '0', '0.0'], [1, '1', '1', '1.0'], [-1, '-1', '-1', '-1.0'], [0.5, '0.5', '0.5', '0.5'],
    [123456, '123456', '123456', '123456.0'], [1234567, '1.234567e+06', '1.234567e+06', '1.234567e+06'],
    [1e6, '1e+06', '1e+06', '1e+06'], [100000, '100000', '100000', '100000.0'], [0.0001, '0.0001', '0.0001', '0.0001'],
    [0.00001, '1e-05', '1e-05', '1e-05'], [1.5e-7, '1.5e-07', '1.5e-07', '1.5e-07'], [1e21, '1e+21', '1e+21', '1e+21'],
    [1e100, '1e+100', '1e+100', '1e+100'], [5e-324, '5e-324', '5e-324', '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308', '1.7976931348623157e+308', '1.7976931348623157e+308'],
    [0.1 + 0.2, '0.30000000000000004', '0.30000000000000004', '0.30000000000000004'], [-2.5e-5, '-2.5e-05', '-2.5e-05', '-2.5e-05'],
    [NaN, 'NaN', 'NaN', 'NaN'], [Infinity, '+Inf', '+Inf', '+Inf'], [-Infinity, '-Inf', '-Inf', '-Inf'],
  ])('%d → %s / %s / %s', (v, go, value, om) => {
    expect(formatGoFloat(v)).toBe(go);
    expect(formatValue(v)).toBe(value);
    expect(formatOpenMetricsFloat(v)).toBe(om);
  });

  it('renders every value and le/quantile of a Go-written exposition exactly as Go did', () => {
    const text = readFileSync(`${SHARED}/conformance/exposition/alltypes.237mfs.prom.txt`, 'utf8');
    let checked = 0;
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const raw = line.slice(line.lastIndexOf(' ') + 1);
      expect(formatValue(parse(raw)!)).toBe(raw);
      const le = /[{,](?:le|quantile)="([^"]+)"/.exec(line);
      if (le) expect(formatGoFloat(parse(le[1]!)!)).toBe(le[1]);
      checked++;
    }
    expect(checked).toBe(1857);
  });
});
