/** Dashboards folder store and its Grafana-compatible HTTP subset. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setLogLevel } from '../../../src/log.js';
import { DashboardError, DashboardStore, formatDashboard, slugify, unwrapDashboard } from '../../../src/web/dashboards.js';
import { buildApp } from '../../../src/web/server.js';

let dir: string;
// Skipped files are logged (warn); keep the test output clean.
beforeAll(() => setLogLevel('error'));
afterAll(() => setLogLevel('info'));
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-dash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (rel: string, v: unknown) => {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), typeof v === 'string' ? v : JSON.stringify(v));
};

describe('formatDashboard', () => {
  it('writes 2-space JSON with sorted keys at every level and a trailing newline', () => {
    expect(formatDashboard({ title: 'T', b: [{ z: 1, a: 2 }], a: { y: null, x: 'v' } })).toBe(
      '{\n  "a": {\n    "x": "v",\n    "y": null\n  },\n  "b": [\n    {\n      "a": 2,\n      "z": 1\n    }\n  ],\n  "title": "T"\n}\n',
    );
  });
  it('is stable: formatting a parsed formatted value gives the same text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const once = formatDashboard(v);
        expect(formatDashboard(JSON.parse(once))).toBe(once);
      }),
    );
  });
});

describe('unwrapDashboard', () => {
  it('accepts a plain dashboard and the {dashboard} wrapper, rejects other bodies', () => {
    expect(unwrapDashboard({ title: 'a', panels: [] })).toEqual({ title: 'a', panels: [] });
    expect(unwrapDashboard({ dashboard: { title: 'b', rows: [] }, overwrite: true })).toEqual({ title: 'b', rows: [] });
    expect(() => unwrapDashboard([1])).toThrow(DashboardError);
    expect(() => unwrapDashboard({ foo: 1 })).toThrow('not a Grafana dashboard');
    expect(() => unwrapDashboard({ title: 'x', uid: 'a/b' })).toThrow('invalid uid "a/b"');
  });
  it('slugs titles as Grafana', () => expect(slugify('Node Exporter Full!')).toBe('node-exporter-full'));
});

describe('DashboardStore', () => {
  it('lists dashboards with folder from the sub-folder, skipping broken files and duplicate uids', () => {
    write('b.json', { uid: 'b', title: 'Beta', tags: ['x'], panels: [] });
    write('team/a.json', { dashboard: { uid: 'a', title: 'Alpha', panels: [] } });
    write('bad.json', '{nope');
    write('dup.json', { uid: 'b', title: 'Again', panels: [] });
    write('notes.txt', 'ignored');
    const store = new DashboardStore(dir);
    expect(store.list()).toEqual([
      { uid: 'b', title: 'Beta', tags: ['x'], folder: '', file: 'b.json' },
      { uid: 'a', title: 'Alpha', tags: [], folder: 'team', file: 'team/a.json' },
    ]);
    expect(store.problems.map((p) => p.file)).toEqual(['bad.json', 'dup.json']);
  });

  it('saves back into the same file, formatted, with version incremented; refuses stale versions', () => {
    write('x/host.json', { uid: 'h', title: 'Host', version: 3, panels: [{ id: 1 }] });
    const store = new DashboardStore(dir);
    const got = store.get('h')!.dashboard;
    const res = store.save({ ...got, title: 'Host 2' });
    expect(res).toEqual({ uid: 'h', title: 'Host 2', tags: [], folder: 'x', file: 'x/host.json', version: 4 });
    expect(readFileSync(join(dir, 'x/host.json'), 'utf8')).toBe(formatDashboard({ uid: 'h', title: 'Host 2', version: 4, panels: [{ id: 1 }] }));
    expect(() => store.save({ ...got, title: 'stale' })).toThrow(expect.objectContaining({ status: 412, reason: 'version-mismatch' }));
    expect(store.save({ ...got, title: 'forced' }, { overwrite: true }).version).toBe(5);
  });

  it('creates new files from the title, with a uid when missing, refusing a same-name dashboard in the folder', () => {
    const store = new DashboardStore(join(dir, 'new'));
    const a = store.save({ title: 'My Board', panels: [] }, { folder: 'ops' });
    expect(a.file).toBe('ops/my-board.json');
    expect(a.uid).toMatch(/^[A-Za-z0-9]{14}$/);
    expect(() => store.save({ title: 'my board', panels: [] }, { folder: 'ops' })).toThrow(expect.objectContaining({ status: 412, reason: 'name-exists' }));
    const b = store.save({ title: 'My Board', uid: 'other', panels: [] });
    expect(b.file).toBe('my-board.json');
    expect(() => store.save({ title: 'x' }, { folder: '../up' })).toThrow('invalid folder');
    expect(store.delete('other')).toBe(true);
    expect(store.list().map((s) => s.uid)).toEqual([a.uid]);
  });

  it('sees files edited on disk', () => {
    write('a.json', { uid: 'a', title: 'One', panels: [] });
    const store = new DashboardStore(dir);
    expect(store.list()[0]!.title).toBe('One');
    write('a.json', { uid: 'a', title: 'Two changed', panels: [] });
    expect(store.list()[0]!.title).toBe('Two changed');
  });
});

describe('dashboards HTTP API', () => {
  const app = async () => buildApp({ name: 'lookout', listenAddress: '127.0.0.1:0', enableLifecycle: false, isReady: () => true, dashboards: new DashboardStore(dir) });

  it('imports a wrapped Grafana export, finds it by search and uid, saves and deletes it', async () => {
    const a = await app();
    const imp = await a.inject({ method: 'POST', url: '/api/dashboards/import', payload: { dashboard: { id: 7, uid: 'nef', title: 'Node Full', tags: ['linux'], version: 9, panels: [] } } });
    expect(imp.statusCode).toBe(200);
    expect(imp.json()).toEqual({ status: 'success', uid: 'nef', url: '/dashboards/nef', slug: 'node-full', version: 1, file: 'node-full.json' });
    const again = await a.inject({ method: 'POST', url: '/api/dashboards/import', payload: { title: 'node full', panels: [] } });
    expect(again.statusCode).toBe(412);
    expect(again.json()).toEqual({ message: 'A dashboard with the same name in the folder already exists', status: 'name-exists' });
    // The same uid under another title is refused too, unless overwriting: the stored one is kept.
    const sameUid = await a.inject({ method: 'POST', url: '/api/dashboards/import', payload: { dashboard: { uid: 'nef', title: 'Other', panels: [] }, overwrite: false } });
    expect(sameUid.statusCode).toBe(400);
    expect(sameUid.json().message).toBe('A dashboard with the same uid already exists');
    expect(JSON.parse(readFileSync(join(dir, 'node-full.json'), 'utf8')).title).toBe('Node Full');
    const replaced = await a.inject({ method: 'POST', url: '/api/dashboards/import', payload: { dashboard: { uid: 'nef', title: 'Node Full', tags: ['linux'], panels: [] }, overwrite: true } });
    expect(replaced.json().version).toBe(2);

    const search = await a.inject({ method: 'GET', url: '/api/search?query=node&tag=linux' });
    expect(search.json()).toEqual([{ uid: 'nef', title: 'Node Full', uri: 'db/node-full', url: '/dashboards/nef', slug: 'node-full', type: 'dash-db', tags: ['linux'], isStarred: false, file: 'node-full.json' }]);
    expect((await a.inject({ method: 'GET', url: '/api/search?tag=nope' })).json()).toEqual([]);

    const got = await a.inject({ method: 'GET', url: '/api/dashboards/uid/nef' });
    expect(got.json().dashboard).toEqual({ uid: 'nef', title: 'Node Full', tags: ['linux'], version: 2, panels: [] });
    expect(got.json().meta.folderTitle).toBe('General');

    const put = await a.inject({ method: 'PUT', url: '/api/dashboards/uid/nef', payload: { ...got.json().dashboard, title: 'Renamed' } });
    expect(put.json().version).toBe(3);
    expect(JSON.parse(readFileSync(join(dir, 'node-full.json'), 'utf8')).title).toBe('Renamed');
    expect((await a.inject({ method: 'PUT', url: '/api/dashboards/uid/nef', payload: { uid: 'x', title: 'y' } })).statusCode).toBe(400);
    expect((await a.inject({ method: 'PUT', url: '/api/dashboards/uid/zz', payload: { title: 'y' } })).statusCode).toBe(404);

    const db = await a.inject({ method: 'POST', url: '/api/dashboards/db', payload: { dashboard: { title: 'Fresh', panels: [] }, folderUid: 'team' } });
    expect(db.json().file).toBe('team/fresh.json');

    expect((await a.inject({ method: 'POST', url: '/api/dashboards/import', headers: { 'content-type': 'application/json' }, payload: '{bad' })).statusCode).toBe(400);
    const link = await a.inject({ method: 'GET', url: '/d/nef/node-full?var-job=node&from=now-1h' });
    expect(link.statusCode).toBe(302);
    expect(link.headers.location).toBe('/dashboards/nef?var-job=node&from=now-1h');
    expect((await a.inject({ method: 'DELETE', url: '/api/dashboards/uid/nef' })).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: '/api/dashboards/uid/nef' })).statusCode).toBe(404);
    await a.close();
  });
});
