/**
 * Cases 01–05 of shared/cases/README.md (tricky inputs with known right answers, cross-checked
 * upstream), each asserting the exact labels and values.
 */
import { describe, expect, it } from 'vitest';
import { toObject } from '../../../src/model/labels.js';
import { ALL_FEATURES, Engine, PromQLError } from '../../../src/promql/index.js';
import type { QueryValue } from '../../../src/promql/value.js';
import { Head } from '../../../src/tsdb/head.js';
import { loadHead } from './helpers.js';

const engine = new Engine({ features: ALL_FEATURES });

function vector(v: QueryValue): { labels: Record<string, string>; v: number }[] {
  if (v.type !== 'vector') throw new Error(`expected vector, got ${v.type}`);
  return v.samples.map((s) => ({ labels: toObject(s.labels), v: s.v }));
}

describe('case 01: absent() label inference', () => {
  const empty = new Head();
  it('drops a label constrained by two equality matchers', () => {
    const r = engine.instantQuery(empty, 'absent(nonexistent{job="testjob",job="testjob2",foo="bar"})', 60_000);
    expect(vector(r.value)).toEqual([{ labels: { foo: 'bar' }, v: 1 }]);
  });
  it('does not copy labels of regex matchers', () => {
    const r = engine.instantQuery(empty, 'absent(nonexistent{job="testjob", instance="testinstance", method=~".x"})', 60_000);
    expect(vector(r.value)).toEqual([{ labels: { instance: 'testinstance', job: 'testjob' }, v: 1 }]);
  });
  it('gives nothing when the series exists', () => {
    const head = loadHead(60_000, 'present{job="a"} 1 1');
    expect(vector(engine.instantQuery(head, 'absent(present)', 60_000).value)).toEqual([]);
  });
});

describe('case 02: rate()/increase() when the first sample in the window is 0', () => {
  const head = loadHead(15_000, 'x_total _ 0 6 9');
  it('extrapolates only to the right of a zero first sample', () => {
    expect(vector(engine.instantQuery(head, 'rate(x_total[1m])', 60_000).value)).toEqual([{ labels: {}, v: 0.225 }]);
    expect(vector(engine.instantQuery(head, 'increase(x_total[1m])', 60_000).value)).toEqual([{ labels: {}, v: 13.5 }]);
  });
});

describe('case 03: label_replace() with a regex not matching the whole value', () => {
  const head = loadHead(60_000, 'metric_name{labelName="vw-2000007201-sfvw"} 1 1');
  it('leaves the series unchanged when the anchored regex does not match', () => {
    const r = engine.instantQuery(
      head,
      'label_replace(metric_name{labelName="vw-2000007201-sfvw"}, "NewLabel", "$1", "labelName", "vw-([0-9]+)-")',
      60_000,
    );
    expect(vector(r.value)).toEqual([{ labels: { __name__: 'metric_name', labelName: 'vw-2000007201-sfvw' }, v: 1 }]);
  });
  it('adds the captured group when the regex matches the whole value', () => {
    const r = engine.instantQuery(
      head,
      'label_replace(metric_name{labelName="vw-2000007201-sfvw"}, "NewLabel", "$1", "labelName", "vw-([0-9]+)-.*")',
      60_000,
    );
    expect(vector(r.value)).toEqual([
      { labels: { __name__: 'metric_name', NewLabel: '2000007201', labelName: 'vw-2000007201-sfvw' }, v: 1 },
    ]);
  });
});

describe('case 04: numeric literal forms', () => {
  const empty = new Head();
  const scalar = (q: string) => {
    const r = engine.instantQuery(empty, q, 0).value;
    if (r.type !== 'scalar') throw new Error(`expected scalar, got ${r.type}`);
    return r.v;
  };
  it.each([
    ['0x8f', 143],
    ['1e3 + 0x10', 1016],
    ['0755', 493],
    ['08', 8],
    ['0755.0', 755],
    ['1_000', 1000],
    ['.5', 0.5],
    ['5m', 300],
    ['1h30m', 5400],
    ['-Inf', -Infinity],
  ])('%s → %d', (q, want) => {
    expect(scalar(q)).toBe(want);
  });
  it('reads NaN in any case', () => {
    expect(scalar('nAn')).toBeNaN();
  });
  it('rejects binary literals, as the upstream lexer does', () => {
    expect(() => scalar('0b101')).toThrow('1:1: parse error: bad number or duration syntax: "0"');
  });
});

describe('case 05: dropping __name__ over metrics with otherwise equal labels', () => {
  const head = loadHead(60_000, 'c_a{job="x"} 0 1 2 3\nc_b{job="x"} 0 0 5 5');
  it('fails with the duplicate labelset error', () => {
    let err: unknown;
    try {
      engine.instantQuery(head, 'changes({__name__=~"c_.+"}[1h])', 180_000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PromQLError);
    expect((err as PromQLError).type).toBe('execution');
    expect((err as PromQLError).message).toBe('vector cannot contain metrics with the same labelset');
  });
  it('works for a single metric', () => {
    expect(vector(engine.instantQuery(head, 'changes(c_a[1h])', 180_000).value)).toEqual([{ labels: { job: 'x' }, v: 3 }]);
  });
  it('fails in range queries too', () => {
    expect(() => engine.rangeQuery(head, 'changes({__name__=~"c_.+"}[1h])', 0, 180_000, 60_000)).toThrow(
      'vector cannot contain metrics with the same labelset',
    );
  });
});
