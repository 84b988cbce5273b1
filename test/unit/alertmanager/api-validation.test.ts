/**
 * API v2 validation edges, against the answers of a real Alertmanager 0.25 (quoted): silences that
 * end too far in the future, `generatorURL` values that are not URIs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { protobufTimestampError } from '../../../src/alertmanager/silences.js';
import { isRequestURI } from '../../../src/alertmanager/uri.js';
import { post, startAm, type Harness } from './harness.js';

const CONFIG = "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n";
let h: Harness | null = null;
afterEach(async () => {
  await h?.am.stop();
  h = null;
});

const silence = (endsAt: string) => ({
  matchers: [{ name: 'a', value: 'b', isRegex: false }],
  startsAt: '2020-01-01T00:00:00Z',
  endsAt,
  createdBy: 'x',
  comment: 'y',
});

describe('POST /silences', () => {
  it('refuses a silence whose end plus the retention is past year 9999, with upstream text', async () => {
    h = await startAm(CONFIG, { start: Date.UTC(2026, 10, 30) });
    const call = (endsAt: string) => h!.am.handleApiV2({ method: 'POST', path: '/silences', query: new URLSearchParams(), body: silence(endsAt) });
    // AM 0.25 (retention 120h): 400 "timestamp: &types.Timestamp{Seconds: 253402732799,\nNanos: 0,\n} after 10000-01-01"
    expect(await call('9999-12-31T23:59:59Z')).toEqual({
      status: 400,
      body: 'timestamp: &types.Timestamp{Seconds: 253402732799,\nNanos: 0,\n} after 10000-01-01',
    });
    // 2262 (past Go's int64 nanoseconds) is still fine for AM.
    expect((await call('2262-04-11T23:47:17Z')).status).toBe(200);
    expect((await call('9999-12-26T23:59:59.999Z')).status).toBe(200);
    expect((await call('9999-12-27T00:00:00.5Z')).body).toBe('timestamp: &types.Timestamp{Seconds: 253402300800,\nNanos: 500000000,\n} after 10000-01-01');
  });

  it('formats timestamps below year 1 as gogo/protobuf does', () => {
    expect(protobufTimestampError(Date.UTC(2024, 0, 1))).toBeNull();
    expect(protobufTimestampError(-62135596800000 - 1)).toBe('timestamp: &types.Timestamp{Seconds: -62135596801,\nNanos: 999000000,\n} before 0001-01-01');
  });
});

describe('POST /alerts generatorURL', () => {
  it('answers 422 like upstream for a generatorURL that is not a URI, checked before labels', async () => {
    h = await startAm(CONFIG);
    expect(await post(h.am, [{ labels: { a: 'b' }, generatorURL: 'not a url' }])).toEqual({
      status: 422,
      body: { code: 601, message: '0.generatorURL in body must be of type uri: "not a url"' },
    });
    expect(await post(h.am, [{ generatorURL: 'not a url' }])).toEqual({
      status: 422,
      body: { code: 601, message: '0.generatorURL in body must be of type uri: "not a url"' },
    });
    expect(await post(h.am, [{ labels: { a: 'b' } }, { labels: { a: 'c' }, generatorURL: 'http://h/\u0001' }])).toEqual({
      status: 422,
      body: { code: 601, message: '1.generatorURL in body must be of type uri: "http://h/\\x01"' },
    });
    expect(await post(h.am, [{ labels: { a: 'b' }, generatorURL: 'http://prometheus:9090/graph?g0.expr=up' }])).toEqual({ status: 200, body: undefined });
  });

  // Each value was posted to Alertmanager 0.25: true where it answered 200, false where 422.
  it.each([
    ['http://prometheus:9090/graph?g0.expr=up%3D%3D0', true],
    ['/relative', true],
    ['mailto:x', true],
    ['*', true],
    ['http://[::1]:9090/x', true],
    ['http://user:pw@host/', true],
    ['not a url', false],
    ['a', false],
    [':foo', false],
    ['x y', false],
    ['%zz', false],
    ['http://x y', false],
    ['http://[::1', false],
    ['http://h:8a/', false],
    ['http://h:8/a b%', false],
    ['http://h{}/', false],
    ['http://a b@h/', false],
    ['http://h/\u0001', false],
  ])('isRequestURI(%j) → %s', (s, want) => {
    expect(isRequestURI(s)).toBe(want);
  });
});
