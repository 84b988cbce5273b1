import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Logger } from '../../../src/log.js';
import { Matcher } from '../../../src/model/matcher.js';
import { LogStore } from '../../../src/logs/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'lookout-logs-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { warn() {}, info() {}, error() {}, debug() {}, with() { return this; } } as unknown as Logger;

/** Runs the child until it acknowledged at least `minAcks` pushes, then SIGKILLs it; returns the acked ids. */
function runAndKill(firstId: number, minAcks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'store-crash-child.ts'), dir, String(firstId)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let buf = '';
    let err = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (m && !killed) for (let i = Number(m[1]); i <= Number(m[2]); i++) acked.push(i);
      }
      if (!killed && acked.length >= minAcks * 6) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`child exited without being killed: ${err}`))));
  });
}

function storedIds(): number[] {
  const s = LogStore.open({ dir, log: quiet, background: false });
  const ids: number[] = [];
  for (const sel of s.select([new Matcher('=', 'job', 'crash')], { ms: 0, nanos: 0 }, { ms: Date.now() + 3600_000, nanos: 0 }, 'forward')) {
    while (sel.entries.next()) {
      const id = Number(/"id":(\d+)/.exec(sel.entries.line)![1]);
      expect(sel.entries.metadata).toEqual(['id', String(id)]);
      ids.push(id);
    }
  }
  // A clean close flushes the replayed heads into chunks: the next run then also checks that WAL
  // records already in chunks are not replayed twice.
  s.close();
  return ids.sort((a, b) => a - b);
}

describe('log store crash safety', () => {
  it('keeps every acknowledged entry exactly once across kill -9, twice in a row', { timeout: 120_000 }, async () => {
    const first = await runAndKill(0, 300);
    const afterFirst = storedIds();
    const counts = new Map<number, number>();
    for (const id of afterFirst) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const id of first) expect(counts.get(id), `entry ${id}`).toBe(1);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);

    const second = await runAndKill(1_000_000, 200);
    const afterSecond = storedIds();
    const counts2 = new Map<number, number>();
    for (const id of afterSecond) counts2.set(id, (counts2.get(id) ?? 0) + 1);
    for (const id of [...first, ...second]) expect(counts2.get(id), `entry ${id}`).toBe(1);
    expect([...counts2.values()].every((c) => c === 1)).toBe(true);
  });
});
