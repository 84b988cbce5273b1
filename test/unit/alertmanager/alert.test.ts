import { describe, expect, it } from 'vitest';
import {
  ZERO_TIME,
  formatRFC3339Millis,
  formatRFC3339Nano,
  makeAlert,
  mergeAlerts,
  parseRFC3339,
  resolvedAt,
  validateAlert,
  type Alert,
} from '../../../src/alertmanager/alert.js';
import { fingerprint } from '../../../src/alertmanager/fingerprint.js';
import { compareAlertLabels, labelSetBefore, labelSetString } from '../../../src/alertmanager/labelset.js';
import { groupKeyHash } from '../../../src/alertmanager/notify/pagerduty.js';

const alert = (over: Partial<Alert> & { labels: Record<string, string> }): Alert =>
  makeAlert({ annotations: {}, startsAt: 1000, endsAt: 5000, updatedAt: 1000, generatorURL: '', timeout: false, ...over });

describe('fingerprints and label sets', () => {
  it('gives the fingerprints a real Alertmanager 0.25 reports', () => {
    expect(fingerprint({ alertname: 'A<b>&', job: 'api', severity: 'warn', tags: 'gum,latency' })).toBe('183e1f4d68fb6c93');
    expect(fingerprint({ alertname: 'A<b>&', severity: 'page' })).toBe('f1f49a5e4415ab9d');
    expect(fingerprint({ alertname: 'Web', instance: 'a:1', job: 'api' })).toBe('fe59bfe13ba44d92');
    expect(fingerprint({ alertname: 'Web', instance: 'b:1', job: 'api' })).toBe('dc8ebc4de7bb1a0d');
    expect(fingerprint({})).toBe('cbf29ce484222325');
  });

  it('hashes group keys as upstream for PagerDuty dedup keys', () => {
    expect(groupKeyHash('{}:{alertname="Disk", cluster="c1"}')).toBe('843be1a89cabb7e7ff393d42eea0ed691e1356bf856007c3808dbd406d325770');
  });

  it('renders label sets as Go does', () => {
    expect(labelSetString({ b: '2', a: 'x"y' })).toBe('{a="x\\"y", b="2"}');
    expect(labelSetString({})).toBe('{}');
    expect(labelSetString({ a: 'a\tb\u0001\u007f\u0085é' })).toBe('{a="a\\tb\\x01\\x7f\\u0085é"}');
  });

  it('orders alerts by job, instance, then label set', () => {
    const sets: Record<string, string>[] = [{ job: 'b' }, { instance: 'x' }, { job: 'a', instance: '2' }, { job: 'a', instance: '1' }, { a: '1' }];
    expect(sets.sort(compareAlertLabels)).toEqual([{ job: 'a', instance: '1' }, { job: 'a', instance: '2' }, { job: 'b' }, { instance: 'x' }, { a: '1' }]);
    expect(labelSetBefore({ a: '1' }, { a: '1', b: '1' })).toBe(true);
    expect(labelSetBefore({ a: '2' }, { b: '1' })).toBe(false);
    expect(labelSetBefore({ b: '1' }, { a: '2' })).toBe(true);
    expect(labelSetBefore({ a: '1' }, { a: '1' })).toBe(false);
  });
});

describe('alerts', () => {
  it('validates as model.Alert.Validate', () => {
    const base = { labels: { a: 'b' }, annotations: {}, startsAt: 1, endsAt: ZERO_TIME };
    expect(validateAlert(base)).toBeNull();
    expect(validateAlert({ ...base, startsAt: ZERO_TIME })).toBe('start time missing');
    expect(validateAlert({ ...base, endsAt: 0 })).toBe('start time must be before end time');
    expect(validateAlert({ ...base, labels: { 'a-b': 'x' } })).toBe('invalid label set: invalid name "a-b"');
    expect(validateAlert({ ...base, labels: {} })).toBe('at least one label pair required');
    expect(validateAlert({ ...base, annotations: { '1x': 'y' } })).toBe('invalid annotations: invalid name "1x"');
  });

  it('merges a re-sent alert as upstream: earliest start, explicit end wins over a timeout', () => {
    const old = alert({ labels: { a: '1' }, startsAt: 1000, endsAt: 9000, updatedAt: 1000 });
    const renewed = alert({ labels: { a: '1' }, startsAt: 2000, endsAt: 6000, updatedAt: 2000, timeout: true });
    expect(mergeAlerts(old, renewed, 3000)).toMatchObject({ startsAt: 1000, endsAt: 9000, updatedAt: 2000 });
    const timedOut = { ...old, timeout: true };
    expect(mergeAlerts(timedOut, renewed, 3000)).toMatchObject({ startsAt: 1000, endsAt: 6000 });
    const resolvedNow = alert({ labels: { a: '1' }, startsAt: 2000, endsAt: 2500, updatedAt: 2000 });
    expect(mergeAlerts(old, resolvedNow, 3000)).toMatchObject({ endsAt: 2500 });
    expect(resolvedAt(resolvedNow, 2500)).toBe(true);
    expect(resolvedAt(resolvedNow, 2499)).toBe(false);
    expect(resolvedAt({ ...resolvedNow, endsAt: ZERO_TIME }, 1e15)).toBe(false);
  });

  it('formats and parses timestamps as Go and go-openapi do', () => {
    expect(formatRFC3339Nano(ZERO_TIME)).toBe('0001-01-01T00:00:00Z');
    expect(formatRFC3339Nano(Date.UTC(2024, 0, 2, 3, 4, 5, 500))).toBe('2024-01-02T03:04:05.5Z');
    expect(formatRFC3339Nano(Date.UTC(2024, 0, 2, 3, 4, 5, 0))).toBe('2024-01-02T03:04:05Z');
    expect(formatRFC3339Millis(Date.UTC(2024, 0, 2, 3, 4, 5, 0))).toBe('2024-01-02T03:04:05.000Z');
    expect(parseRFC3339('2026-11-29T22:00:00.123456Z')).toBe(Date.UTC(2026, 10, 29, 22, 0, 0, 123));
    expect(parseRFC3339('2026-11-29T23:00:00+01:00')).toBe(Date.UTC(2026, 10, 29, 22, 0, 0));
    expect(parseRFC3339('0001-01-01T00:00:00Z')).toBe(ZERO_TIME);
    expect(parseRFC3339('yesterday')).toBeNull();
  });
});
