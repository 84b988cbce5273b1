/**
 * The circular exemplar storage (ring, per-series order, validation, resize, self-metrics), the WAL
 * exemplars record, and exemplars surviving a TSDB restart (WAL and checkpoint).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Logger } from '../../../src/log.js';
import { Matcher } from '../../../src/model/matcher.js';
import { TSDB } from '../../../src/tsdb/db.js';
import { Encbuf } from '../../../src/tsdb/encoding.js';
import { ExemplarResult, ExemplarStorage } from '../../../src/tsdb/exemplars.js';
import { Head } from '../../../src/tsdb/head.js';
import { CheckpointEncoder } from '../../../src/tsdb/head_wal.js';
import { decodeExemplars, encodeExemplars, RecordType } from '../../../src/tsdb/wal/record.js';

class QuietLogger extends Logger {
  override info(): void {}
  override warn(): void {}
  override error(): void {}
}

const A = ['__name__', 'req_total', 'path', '/a'];
const B = ['__name__', 'req_total', 'path', '/b'];
const C = ['__name__', 'other'];
const tr = (id: string): string[] => ['trace_id', id];
const all = [[new Matcher('=~', '__name__', '.+')]];

/** select() as [series path or name, [trace id, value, t]…] rows. */
function rows(s: ExemplarStorage, mint = -Infinity, maxt = Infinity, sets = all): [string, [string, number, number][]][] {
  return s.select(mint, maxt, sets).map((x) => [x.seriesLabels[3] ?? x.seriesLabels[1]!, x.exemplars.map((e) => [e.labels[1]!, e.value, e.ts])]);
}

describe('ExemplarStorage', () => {
  it('keeps the newest exemplars of all series in one ring; each series reads oldest first', () => {
    const s = new ExemplarStorage(4);
    expect(s.add(1, A, tr('a1'), 1, 100)).toBe(ExemplarResult.Ok);
    expect(s.add(2, B, tr('b1'), 2, 100)).toBe(ExemplarResult.Ok);
    expect(s.add(1, A, tr('a2'), 3, 200)).toBe(ExemplarResult.Ok);
    expect(s.add(3, C, tr('c1'), 4, 150)).toBe(ExemplarResult.Ok);
    expect(rows(s)).toEqual([
      ['other', [['c1', 4, 150]]],
      ['/a', [['a1', 1, 100], ['a2', 3, 200]]],
      ['/b', [['b1', 2, 100]]],
    ]);
    // Full: each add overwrites the globally oldest (a1, then b1 — series B is left without any).
    s.add(1, A, tr('a3'), 5, 300);
    s.add(3, C, tr('c2'), 6, 300);
    expect(s.size).toBe(4);
    expect(rows(s)).toEqual([
      ['other', [['c1', 4, 150], ['c2', 6, 300]]],
      ['/a', [['a2', 3, 200], ['a3', 5, 300]]],
    ]);
    // Range and matchers.
    expect(rows(s, 200, 299)).toEqual([['/a', [['a2', 3, 200]]]]);
    expect(rows(s, 0, Infinity, [[new Matcher('=', 'path', '/a')], [new Matcher('=', '__name__', 'nope')]])).toEqual([['/a', [['a2', 3, 200], ['a3', 5, 300]]]]);
  });

  it('rejects duplicates, out-of-order and too-long exemplars as upstream', () => {
    const s = new ExemplarStorage(10);
    expect(s.add(1, A, tr('x'), 1, 100)).toBe(ExemplarResult.Ok);
    expect(s.validate(1, tr('x'), 1, 100)).toBe(ExemplarResult.Duplicate);
    expect(s.validate(1, tr('y'), 1, 100)).toBe(ExemplarResult.OutOfOrder);
    expect(s.validate(1, tr('x'), 1, 99)).toBe(ExemplarResult.OutOfOrder);
    expect(s.validate(1, tr('x'), 1, 101)).toBe(ExemplarResult.Ok);
    // Without its own timestamp, the same labels and value are a duplicate at any scrape time.
    expect(s.add(2, B, tr('n'), 7, 100, false)).toBe(ExemplarResult.Ok);
    expect(s.validate(2, tr('n'), 7, 5000, false)).toBe(ExemplarResult.Duplicate);
    expect(s.validate(2, tr('n'), 8, 5000, false)).toBe(ExemplarResult.Ok);
    // 128 characters of names and values (runes, not bytes) at most.
    const ok = ['trace_id', 'é'.repeat(120)];
    expect(s.validate(3, ok, 1, 1)).toBe(ExemplarResult.Ok);
    expect(s.validate(3, ['trace_id', 'é'.repeat(121)], 1, 1)).toBe(ExemplarResult.LabelSetTooLong);
    expect(new ExemplarStorage(0).validate(1, tr('x'), 1, 1)).toBe(ExemplarResult.Disabled);
  });

  it('resizes keeping the newest exemplars', () => {
    const s = new ExemplarStorage(3);
    s.add(1, A, tr('a1'), 1, 100);
    s.add(2, B, tr('b1'), 2, 110);
    s.add(1, A, tr('a2'), 3, 120);
    s.add(2, B, tr('b2'), 4, 130);
    expect(s.resize(2)).toBe(2);
    expect(rows(s)).toEqual([
      ['/a', [['a2', 3, 120]]],
      ['/b', [['b2', 4, 130]]],
    ]);
    expect(s.resize(5)).toBe(2);
    s.add(1, A, tr('a3'), 5, 140);
    expect(rows(s)[0]).toEqual(['/a', [['a2', 3, 120], ['a3', 5, 140]]]);
    expect(s.resize(0)).toBe(0);
    expect(rows(s)).toEqual([]);
  });

  it('exports the prometheus_tsdb_exemplar_* self-metrics', async () => {
    const reg = new Registry();
    const s = new ExemplarStorage(2, reg);
    s.add(1, A, tr('a1'), 1, 1_700_000_000_123);
    s.add(1, A, tr('a2'), 1, 1_700_000_001_000);
    s.add(1, A, tr('a0'), 1, 1_600_000_000_000);
    s.add(2, B, tr('b1'), 1, 1_700_000_002_000);
    const text = await reg.metrics();
    const value = (name: string): string => new RegExp(`^${name} (.+)$`, 'm').exec(text)![1]!;
    expect(value('prometheus_tsdb_exemplar_exemplars_appended_total')).toBe('3');
    expect(value('prometheus_tsdb_exemplar_exemplars_in_storage')).toBe('2');
    expect(value('prometheus_tsdb_exemplar_series_with_exemplars_in_storage')).toBe('2');
    expect(value('prometheus_tsdb_exemplar_last_exemplars_timestamp_seconds')).toBe('1700000001');
    expect(value('prometheus_tsdb_exemplar_max_exemplars')).toBe('2');
    expect(value('prometheus_tsdb_exemplar_out_of_order_exemplars_total')).toBe('1');
  });
});

describe('exemplars in the WAL', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('encodes the exemplars record byte-compatibly with upstream and decodes it back', () => {
    const enc = new Encbuf();
    encodeExemplars(enc, [5, 3], [tr('ab'), ['a', 'b', 'c', 'd']], [1.5, -2], [1000, 990], 2);
    const b = enc.bytes();
    // type 4 | ref 5 <8> | t 1000 <8> | Δref 0, Δt 0, 1.5 <8>, 1 label "trace_id" "ab" | Δref −2 (03), Δt −10 (13), −2 <8>, 2 labels
    expect(Buffer.from(b).toString('hex')).toBe(
      '04' + '0000000000000005' + '00000000000003e8' + '00' + '00' + '3ff8000000000000' + '01' + '08' + Buffer.from('trace_id').toString('hex') + '02' + Buffer.from('ab').toString('hex') +
        '03' + '13' + 'c000000000000000' + '02' + '0161' + '0162' + '0163' + '0164',
    );
    expect(b[0]).toBe(RecordType.Exemplars);
    const got: unknown[] = [];
    decodeExemplars(b, (ref, ls, v, t) => got.push([ref, ls, v, t]));
    expect(got).toEqual([
      [5, tr('ab'), 1.5, 1000],
      [3, ['a', 'b', 'c', 'd'], -2, 990],
    ]);
  });

  it('restores exemplars after a restart; a TSDB without exemplar storage refuses them', () => {
    // Recent times: replay skips WAL records older than the retention.
    const N = Date.now() - 3600_000;
    const dir = mkdtempSync(join(tmpdir(), 'lookout-exemplars-'));
    dirs.push(dir);
    let db = TSDB.open({ dir, log: new QuietLogger(), maxExemplars: 10 });
    const app = db.appender();
    const ref = app.seriesRef(A);
    app.append(ref, N + 1000, 1);
    expect(app.appendExemplar!(ref, tr('t1'), 0.5, N + 900)).toBe(ExemplarResult.Ok);
    app.commit();
    const app2 = db.appender();
    expect(app2.appendExemplar!(ref, tr('t0'), 0.5, N + 800)).toBe(ExemplarResult.OutOfOrder);
    expect(app2.appendExemplar!(ref, ['trace_id', 't2', 'empty', ''], 0.7, N + 2000, false)).toBe(ExemplarResult.Ok);
    app2.rollback();
    expect(db.selectExemplars(N, N + 5000, all)[0]!.exemplars).toEqual([{ labels: tr('t1'), value: 0.5, ts: N + 900 }]);
    const app3 = db.appender();
    app3.appendExemplar!(ref, ['empty', '', 'trace_id', 't2'], 0.7, N + 2000, false);
    app3.commit();
    db.close();
    db = TSDB.open({ dir, log: new QuietLogger(), maxExemplars: 10 });
    expect(db.selectExemplars(N, N + 5000, all)).toEqual([
      {
        seriesLabels: A,
        exemplars: [
          { labels: tr('t1'), value: 0.5, ts: N + 900 },
          { labels: tr('t2'), value: 0.7, ts: N + 2000 },
        ],
      },
    ]);
    db.close();
    db = TSDB.open({ dir, log: new QuietLogger() });
    expect(db.selectExemplars(N, N + 5000, all)).toEqual([]);
    expect(db.appender().appendExemplar!(ref, tr('x'), 1, N + 3000)).toBe(ExemplarResult.Disabled);
    db.close();
  });

  it('checkpoints keep the exemplars of live series', () => {
    const head = new Head({ exemplars: new ExemplarStorage(10) });
    const app = head.appender();
    const ref = app.seriesRef(A);
    app.append(ref, 1000, 1);
    app.appendExemplar!(ref, tr('t1'), 0.5, 900);
    app.commit();
    const records: Uint8Array[] = [];
    const enc = new CheckpointEncoder(head);
    enc.encodeNext(100, (r) => records.push(r.slice()));
    expect(records.map((r) => r[0])).toEqual([RecordType.Series, RecordType.Exemplars]);
    const got: unknown[] = [];
    decodeExemplars(records[1]!, (r, ls, v, t) => got.push([r, ls, v, t]));
    expect(got).toEqual([[ref, tr('t1'), 0.5, 900]]);
  });
});
