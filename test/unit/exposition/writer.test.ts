/** Text format writer: output as Go expfmt renders it, and round trips through the parser. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromObject } from '../../../src/model/labels.js';
import { TextWriter } from '../../../src/exposition/index.js';
import { escapeLabelValue } from '../../../src/model/labels.js';
import { seriesOf } from './helpers.js';

describe('TextWriter', () => {
  it('writes families and samples as expfmt', () => {
    const w = new TextWriter();
    w.family('node_cpu_seconds_total', 'counter', 'Seconds the CPUs spent in each mode.');
    w.sample('node_cpu_seconds_total', fromObject({ cpu: '0', mode: 'idle' }), 12345.67);
    w.sample('node_cpu_seconds_total', { mode: 'user', cpu: '0' }, 1e6, 1700000000123);
    w.family('up', 'unknown', 'Help with \\ and\nnewline and "quotes".');
    w.sample('up', [], 1);
    w.sample('up', ['__name__', 'ignored', 'job', 'x'], 0);
    w.family('h', 'gaugehistogram', '');
    w.sample('h_bucket', { le: '+Inf' }, NaN);
    w.family('i', 'info', 'x');
    w.family('s', 'stateset', 'x');
    w.family('q', 'summary', 'x');
    w.sample('q', { quantile: '0.5' }, -Infinity);
    expect(w.toString()).toBe(
      [
        '# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.',
        '# TYPE node_cpu_seconds_total counter',
        'node_cpu_seconds_total{cpu="0",mode="idle"} 12345.67',
        'node_cpu_seconds_total{mode="user",cpu="0"} 1e+06 1700000000123',
        '# HELP up Help with \\\\ and\\nnewline and "quotes".',
        '# TYPE up untyped',
        'up 1',
        'up{job="x"} 0',
        '# HELP h ',
        '# TYPE h histogram',
        'h_bucket{le="+Inf"} NaN',
        '# HELP i x',
        '# TYPE i gauge',
        '# HELP s x',
        '# TYPE s gauge',
        '# HELP q x',
        '# TYPE q summary',
        'q{quantile="0.5"} -Inf',
        '',
      ].join('\n'),
    );
  });

  it('quotes names that are not legacy-valid, inside the braces', () => {
    const w = new TextWriter();
    w.family('my.metric', 'gauge', 'h');
    w.sample('my.metric', {}, 1);
    w.sample('my.metric', { 'la.bel': 'v', ok: 'w' }, 2);
    w.sample('plain', { 'we"ird': 'v' }, 3);
    expect(w.toString()).toBe(
      [
        '# HELP "my.metric" h',
        '# TYPE "my.metric" gauge',
        '{"my.metric"} 1',
        '{"my.metric","la.bel"="v",ok="w"} 2',
        'plain{"we\\"ird"="v"} 3',
        '',
      ].join('\n'),
    );
    expect(seriesOf(w.toString(), 'text').map((s) => s.labels)).toEqual([
      ['__name__', 'my.metric'],
      ['__name__', 'my.metric', 'la.bel', 'v', 'ok', 'w'],
      ['__name__', 'plain', 'we"ird', 'v'],
    ]);
  });

  it('escapes label values', () => {
    expect(escapeLabelValue('plain')).toBe('plain');
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it('round-trips label sets and values through the text parser', () => {
    const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => n !== '__name__');
    fc.assert(
      fc.property(
        fc.dictionary(name, fc.string({ unit: 'grapheme', maxLength: 12 }), { maxKeys: 5 }),
        fc.double(),
        fc.option(fc.integer({ min: 0, max: 4102444800000 })),
        (labels, value, ts) => {
          const w = new TextWriter();
          w.sample('metric_name', labels, value, ts ?? undefined);
          const [s] = seriesOf(w.toString(), 'text');
          expect(s!.labels).toEqual(fromObject({ ...labels, __name__: 'metric_name' }));
          expect(s!.value).toBe(value === 0 ? 0 : value);
          expect(s!.ts).toBe(ts ?? undefined);
        },
      ),
      { numRuns: 500 },
    );
  });
});
