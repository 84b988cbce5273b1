/**
 * The data directory lock (upstream: `<dir>/lock`, held with flock). Node has no flock, so the lock
 * is a file holding the owner's pid and process start time, created atomically: the content is
 * written to a private temporary file which is then hard-linked to `lock` (`link(2)` fails if
 * `lock` exists), so nobody ever sees a half-written lock. A lock whose owner is gone — killed
 * with `kill -9`, crashed — is stale and taken over, so a crash never blocks the next start; a lock
 * whose owner is alive (another process, or this one opening the directory twice) is refused with
 * {@link LockError}. Locks still held when the process exits (e.g. a startup that failed after
 * opening the TSDB) are removed by an `exit` handler.
 *
 * The start time (from `/proc/<pid>/stat` on Linux) guards against a recycled pid: a live process
 * with the same pid but a different start time does not hold the lock.
 *
 * Taking over a stale lock is the racy part: two starting processes may both find the same stale
 * lock, and the slower one must not delete the lock the faster one has just created. So a stale
 * lock is removed only by the holder of a second, short-lived lock (`lock.takeover`, created the
 * same way), and only if it still holds the stale content read before. What is left: a process
 * that dies inside the takeover (a few system calls) leaves `lock.takeover` behind, and its
 * removal by the next starters is itself unguarded — a race that needs a crash in that window and
 * two simultaneous starts right after.
 */
import { closeSync, linkSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Thrown when another live process (or this one) holds the directory lock. */
export class LockError extends Error {
  override name = 'LockError';
}

/** A held directory lock. */
export interface DirLock {
  /** Path of the lock file. */
  readonly path: string;
  /** Removes the lock file if it is still this lock's. Idempotent. */
  release(): void;
}

/**
 * How often a lock held by a process in the middle of a takeover is looked at again, and for how
 * long in all: the takeover itself takes microseconds, so waiting means another start is racing.
 */
const RETRY_WAIT_MS = 5;
const MAX_ATTEMPTS = 100;

/** Locks held by this process, released when it exits. */
const held = new Set<DirLock>();
let exitHandlerInstalled = false;

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

/** The file's content, or null when it does not exist (any other error propagates). */
function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Creates `path` with `content` atomically; false when it already exists.
 * @throws {Error} (fs errors) other than "exists"
 */
function createExclusive(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createWithoutLink(path, content);
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** For file systems without hard links: `O_EXCL` create, then write (a reader may see it empty). */
function createWithoutLink(path: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes the lock at `path` if it still holds `stale`, under the takeover lock. Returns without
 * doing anything when another process is taking over (the caller looks again).
 */
function removeStale(path: string, stale: string, content: string): void {
  const guard = `${path}.takeover`;
  if (!createExclusive(guard, content)) {
    const other = readOrNull(guard);
    // A takeover lock whose owner died mid-takeover: clear it so the next attempt can proceed.
    if (other !== null && !ownerAlive(other).alive && readOrNull(guard) === other) rmSync(guard, { force: true });
    return;
  }
  try {
    if (readOrNull(path) === stale) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

/**
 * Takes the lock of directory `dir` (which must exist).
 * @throws {LockError} when a live process holds it, or when it stays contended (another process
 *   kept taking it over) for about half a second.
 * @throws {Error} (fs errors) when the lock file cannot be created.
 */
export function acquireLock(dir: string): DirLock {
  const path = join(dir, 'lock');
  const content = `${process.pid}\n${startTime(process.pid)}\n`;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createExclusive(path, content)) return hold(path, content);
    const current = readOrNull(path);
    if (current === null) continue; // Released meanwhile: try again.
    const owner = ownerAlive(current);
    if (owner.alive) {
      const who = owner.pid === process.pid ? 'this process' : `process ${owner.pid}`;
      throw new LockError(`lock DB directory ${dir}: already locked by ${who} (lock file ${path}); is another instance running on this directory?`);
    }
    removeStale(path, current, content);
    if (attempt > 0) sleepSync(RETRY_WAIT_MS);
  }
  throw new LockError(`lock DB directory ${dir}: lock file ${path} was taken concurrently`);
}

function hold(path: string, content: string): DirLock {
  let released = false;
  const lock: DirLock = {
    path,
    release(): void {
      if (released) return;
      released = true;
      held.delete(lock);
      try {
        if (readOrNull(path) === content) rmSync(path, { force: true });
      } catch {
        // Unreadable now: leave it; the next start sees this process gone and takes it over.
      }
    },
  };
  held.add(lock);
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}
