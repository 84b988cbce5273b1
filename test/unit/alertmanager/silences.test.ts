import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SilenceError, Silences, silenceState, validateSilence, type Silence } from '../../../src/alertmanager/silences.js';
import { NotificationLog } from '../../../src/alertmanager/nflog.js';

const H = 3600_000;
const m = (name: string, value: string, isRegex = false, isEqual = true) => ({ name, value, isRegex, isEqual });
const input = (over: Partial<Silence> = {}) => ({
  id: '',
  matchers: [m('alertname', 'Web')],
  startsAt: 0,
  endsAt: 10 * H,
  createdBy: 'me',
  comment: 'c',
  ...over,
});

describe('silences', () => {
  it('creates with a new id, clamping the start to now, and reports state', () => {
    let now = 5 * H;
    const s = new Silences({ now: () => now });
    const id = s.set(input());
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.get(id)).toMatchObject({ startsAt: 5 * H, endsAt: 10 * H, updatedAt: 5 * H });
    expect(silenceState(s.get(id)!, now)).toBe('active');
    const pending = s.set(input({ startsAt: 6 * H }));
    expect(s.countByState()).toEqual({ active: 1, pending: 1, expired: 0 });
    expect(s.matching({ alertname: 'Web', job: 'x' })).toEqual({ active: [id], pending: [pending] });
    expect(s.matching({ alertname: 'Other' })).toEqual({ active: [], pending: [] });
    now = 10 * H;
    expect(silenceState(s.get(id)!, now)).toBe('expired');
  });

  it('updates in place only when upstream canUpdate allows it', () => {
    const now = 5 * H;
    const s = new Silences({ now: () => now });
    const id = s.set(input());
    const same = s.get(id)!;
    expect(s.set({ ...same, endsAt: 20 * H, comment: 'longer' })).toBe(id);
    expect(s.get(id)!.comment).toBe('longer');
    const moved = s.set({ ...same, matchers: [m('alertname', 'Other')] });
    expect(moved).not.toBe(id);
    expect(silenceState(s.get(id)!, now)).toBe('expired');
    expect(() => s.set(input({ id: 'nope' }))).toThrow(new SilenceError('silence not found', true));
  });

  it('expires active and pending silences', () => {
    const now = 5 * H;
    const s = new Silences({ now: () => now });
    const a = s.set(input());
    const p = s.set(input({ startsAt: 8 * H }));
    s.expire(a);
    s.expire(p);
    expect(s.get(a)).toMatchObject({ endsAt: now });
    expect(s.get(p)).toMatchObject({ startsAt: now, endsAt: now });
    expect(s.list(['expired']).length).toBe(2);
    expect(() => s.expire('x')).toThrow('silence not found');
  });

  it('validates as upstream', () => {
    const base: Silence = { ...input(), id: 'x', updatedAt: 1 };
    expect(validateSilence(base)).toBeNull();
    expect(validateSilence({ ...base, matchers: [] })).toBe('at least one matcher required');
    expect(validateSilence({ ...base, matchers: [m('a', '')] })).toBe('at least one matcher must not match the empty string');
    expect(validateSilence({ ...base, matchers: [m('a', '.*', true)] })).toBe('at least one matcher must not match the empty string');
    expect(validateSilence({ ...base, matchers: [m('a', '', false, false)] })).toBeNull();
    expect(validateSilence({ ...base, matchers: [m('a-b', 'x')] })).toBe('invalid label matcher 0: invalid label name "a-b"');
    expect(validateSilence({ ...base, matchers: [m('a', '(', true)] })).toBe(
      'invalid label matcher 0: invalid regular expression "(": error parsing regexp: missing closing ): `(`',
    );
    const s = new Silences({ now: () => 0 });
    expect(() => s.set(input({ matchers: [m('a', '')] }))).toThrow('silence invalid: at least one matcher must not match the empty string');
  });

  it('persists across restarts and garbage-collects after the retention', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sil-')), 'silences.json');
    let now = 5 * H;
    const a = new Silences({ now: () => now, file, retention: 2 * H });
    const id = a.set(input());
    expect(new Silences({ now: () => now, file }).list()).toEqual([]);
    a.persist();
    const b = new Silences({ now: () => now, file, retention: 2 * H });
    expect(b.get(id)).toEqual(a.get(id));
    now = 12 * H - 1;
    expect(b.gc()).toBe(0);
    now = 12 * H;
    expect(b.gc()).toBe(1);
    b.persist();
    expect(new Silences({ now: () => now, file }).list()).toEqual([]);
  });
});

describe('notification log', () => {
  it('logs, queries, expires and persists entries', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nflog-')), 'nflog.json');
    let now = 1000;
    const log = new NotificationLog({ now: () => now, file, retention: 10 * H });
    const r = { groupName: 'team', integration: 'webhook', idx: 0 };
    log.log(r, '{}:{a="1"}', ['f1'], ['f2'], 2 * H);
    expect(log.query('{}:{a="1"}', r)).toEqual({
      groupKey: '{}:{a="1"}',
      receiver: r,
      timestamp: 1000,
      firingAlerts: ['f1'],
      resolvedAlerts: ['f2'],
      expiresAt: 1000 + 2 * H,
    });
    expect(log.query('{}:{a="1"}', { ...r, idx: 1 })).toBeUndefined();
    log.persist();
    const reloaded = new NotificationLog({ now: () => now, file });
    expect(reloaded.query('{}:{a="1"}', r)?.firingAlerts).toEqual(['f1']);
    now = 1000 + 2 * H;
    expect(reloaded.gc()).toBe(1);
    expect(reloaded.size).toBe(0);
  });
});
