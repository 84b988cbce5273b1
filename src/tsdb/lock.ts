/**
 * The data directory lock (upstream: `<dir>/lock`, held with flock). Node has no flock, so the lock
 * is a file created exclusively (`O_EXCL`) holding the owner's pid and process start time. A lock
 * whose owner is gone — killed with `kill -9`, crashed — is stale and taken over, so a crash never
 * blocks the next start; a lock whose owner is alive (another process, or this one opening the
 * directory twice) is refused with {@link LockError}.
 *
 * The start time (from `/proc/<pid>/stat` on Linux) guards against a recycled pid: a live process
 * with the same pid but a different start time does not hold the lock.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Thrown when another live process (or this one) holds the directory lock. */
export class LockError extends Error {
  override name = 'LockError';
}

/** A held directory lock. */
export interface DirLock {
  /** Path of the lock file. */
  readonly path: string;
  /** Removes the lock file. Idempotent. */
  release(): void;
}

/** Start time of process `pid` in clock ticks since boot, or '' when unknown. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 22 (starttime); the command name (field 2) is parenthesised and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the owner recorded in a lock file's content is a running process. */
function ownerAlive(content: string): { pid: number; alive: boolean } {
  const [pidText, started] = content.split('\n');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, alive: false };
  if (!alive(pid)) return { pid, alive: false };
  if (started && started !== '' && startTime(pid) !== '' && startTime(pid) !== started) return { pid, alive: false };
  return { pid, alive: true };
}

/**
 * Takes the lock of directory `dir` (which must exist).
 * @throws {LockError} when a live process holds it.
 * @throws {Error} (fs errors) when the lock file cannot be created.
 */
export function acquireLock(dir: string): DirLock {
  const path = join(dir, 'lock');
  const content = `${process.pid}\n${startTime(process.pid)}\n`;
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new LockError(`lock DB directory ${dir}: lock file ${path} was taken concurrently`);
        throw e;
      }
      let held = '';
      try {
        held = readFileSync(path, 'utf8');
      } catch {
        // Removed between open and read: retry.
      }
      const owner = ownerAlive(held);
      if (owner.alive) {
        const who = owner.pid === process.pid ? 'this process' : `process ${owner.pid}`;
        throw new LockError(`lock DB directory ${dir}: already locked by ${who} (lock file ${path}); is another instance running on this directory?`);
      }
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path,
      release(): void {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      },
    };
  }
}
