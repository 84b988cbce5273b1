/**
 * The data directory lock: exclusive within and across processes, stale locks (dead owner) taken
 * over, released on exit, and a stale lock taken over by exactly one of several processes starting
 * at the same instant (the race of a check-then-delete takeover).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockError } from '../../../src/tsdb/lock.js';

const LOCK_MODULE = resolve(import.meta.dirname, '../../../src/tsdb/lock.ts');
/** A pid that is not running (above the kernel's pid_max default of 4194304). */
const DEAD_PID = 9_999_999;

function run(script: string, args: string[] = []): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => done({ code: code ?? -1, out }));
  });
}

describe('acquireLock', () => {
  it('is exclusive, also within one process, and release frees it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const lock = acquireLock(dir);
    expect(readFileSync(join(dir, 'lock'), 'utf8').split('\n')[0]).toBe(String(process.pid));
    expect(() => acquireLock(dir)).toThrow(LockError);
    expect(() => acquireLock(dir)).toThrow(/already locked by this process/);
    lock.release();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    acquireLock(dir).release();
  });

  it('takes over a lock whose owner is gone, and leaves no temporary files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, 'lock'), `${DEAD_PID}\n123\n`);
    const lock = acquireLock(dir);
    expect(readFileSync(join(dir, 'lock'), 'utf8').split('\n')[0]).toBe(String(process.pid));
    lock.release();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    expect(existsSync(join(dir, 'lock.takeover'))).toBe(false);
  });

  it('clears a takeover lock left by a process that died in the middle of a takeover', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, 'lock'), `${DEAD_PID}\n1\n`);
    writeFileSync(join(dir, 'lock.takeover'), `${DEAD_PID}\n2\n`);
    acquireLock(dir).release();
    expect(existsSync(join(dir, 'lock.takeover'))).toBe(false);
  });

  it('does not remove a lock file that another process has taken over since', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const lock = acquireLock(dir);
    writeFileSync(join(dir, 'lock'), `1\n\n`);
    lock.release();
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe('1\n\n');
  });

  it('is released when the process exits without releasing it (a failed startup)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const r = await run(`import { acquireLock } from ${JSON.stringify(LOCK_MODULE)}; acquireLock(process.argv[1]); console.log('held'); process.exit(1);`, [dir]);
    expect(r).toEqual({ code: 1, out: 'held\n' });
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('lets exactly one of several processes starting at once take over a stale lock', async () => {
    const script = `
      import { acquireLock } from ${JSON.stringify(LOCK_MODULE)};
      const [dir, at] = process.argv.slice(1);
      while (Date.now() < Number(at)) {}
      try { acquireLock(dir); console.log('won'); setTimeout(() => {}, 1500); }
      catch (e) { console.log(e.name); }`;
    for (let round = 0; round < 2; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'lock-race-'));
      writeFileSync(join(dir, 'lock'), `${DEAD_PID}\n1\n`);
      const at = String(Date.now() + 2500);
      const results = await Promise.all(Array.from({ length: 4 }, () => run(script, [dir, at])));
      const outs = results.map((r) => r.out.trim()).sort();
      expect(outs).toEqual(['LockError', 'LockError', 'LockError', 'won']);
    }
  }, 30_000);
});
