/** Go-compatible float formatting (parsing: test/unit/model/gofloat.test.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatOpenMetricsFloat, formatValue } from '../../../src/exposition/index.js';
import { formatGoFloat, parseFloatBytes } from '../../../src/model/gofloat.js';
import { SHARED } from '../../support/shared.js';

const parse = (s: string) => parseFloatBytes(Buffer.from(s, 'latin1'), 0, Buffer.byteLength(s, 'latin1'));

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
