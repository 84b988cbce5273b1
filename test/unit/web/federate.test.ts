/** `/federate` over a head: latest sample per series within the lookback, upstream's text layout. */
import { describe, expect, it } from 'vitest';
import { fromObject } from '../../../src/model/labels.js';
import { STALE_NAN } from '../../../src/model/value.js';
import { federate, FederateError } from '../../../src/web/federate.js';
import { Head } from '../../../src/tsdb/head.js';

const NOW = 1_700_000_600_000;
const M = 60_000;

function head(): Head {
  const h = new Head();
  const app = h.appender();
  const put = (labels: Record<string, string>, points: [number, number][]) => {
    const ref = app.seriesRef(fromObject(labels));
    for (const [t, v] of points) app.append(ref, t, v);
  };
  put({ __name__: 'up', job: 'node', instance: 'a:9100' }, [[NOW - 2 * M, 1], [NOW - M, 0]]);
  put({ __name__: 'up', job: 'node', instance: 'b:9100' }, [[NOW - M, 1]]);
  put({ __name__: 'up', job: 'app', instance: 'c:5000' }, [[NOW - 10 * M, 1]]);
  put({ __name__: 'gone', job: 'node' }, [[NOW - 2 * M, 5]]);
  // Appended directly: V8 may canonicalise a NaN kept in a number array, losing the marker's payload.
  app.append(app.seriesRef(fromObject({ __name__: 'gone', job: 'node' })), NOW - M, STALE_NAN);
  put({ __name__: 'job:rate5m', job: 'node', region: 'eu' }, [[NOW - 30_000, 0.25]]);
  put({ __name__: 'future', job: 'node' }, [[NOW + M, 7]]);
  app.commit();
  return h;
}

const opts = (externalLabels: Record<string, string> = {}) => ({ storage: head(), nowMs: NOW, lookbackMs: 5 * M, externalLabels });

describe('federate', () => {
  it('gives the latest sample of each matching series, families by name, untyped, with timestamps', () => {
    expect(federate(['{job="node"}'], opts())).toBe(
      [
        '# TYPE job:rate5m untyped',
        `job:rate5m{job="node",region="eu",instance=""} 0.25 ${NOW - 30_000}`,
        '# TYPE up untyped',
        `up{instance="a:9100",job="node"} 0 ${NOW - M}`,
        `up{instance="b:9100",job="node"} 1 ${NOW - M}`,
        '',
      ].join('\n'),
    );
  });

  it('appends missing external labels in name order, and never overrides the series own', () => {
    expect(federate(['up{instance="a:9100"}', 'job:rate5m'], opts({ region: 'us', zone: 'z1', cluster: 'c' }))).toBe(
      [
        '# TYPE job:rate5m untyped',
        `job:rate5m{job="node",region="eu",cluster="c",instance="",zone="z1"} 0.25 ${NOW - 30_000}`,
        '# TYPE up untyped',
        `up{instance="a:9100",job="node",cluster="c",region="us",zone="z1"} 0 ${NOW - M}`,
        '',
      ].join('\n'),
    );
  });

  it('merges overlapping selectors without repeating series, and drops stale and old series', () => {
    const body = federate(['up', '{instance=~".+"}', 'gone', 'future'], opts());
    expect(body.split('\n').filter((l) => !l.startsWith('#') && l !== '')).toEqual([
      `up{instance="a:9100",job="node"} 0 ${NOW - M}`,
      `up{instance="b:9100",job="node"} 1 ${NOW - M}`,
    ]);
  });

  it('answers nothing without match[] and refuses a bad selector with the parse error', () => {
    expect(federate([], opts())).toBe('');
    expect(() => federate(['{job=""}'], opts())).toThrow(FederateError);
    expect(() => federate(['up{'], opts())).toThrow(/parse error/);
  });
});
