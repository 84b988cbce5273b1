/**
 * Child processes for the TSDB crash tests: fixture scripts (test/unit/tsdb/fixtures/) run with tsx,
 * their stdout read line by line, and killed after each test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../support/processes.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const children: ChildProcess[] = [];

/** Spawns fixture `script` with tsx; calls `onLine` with each stdout line (without the newline). */
export function spawnFixture(script: string, args: string[], onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(FIXTURES, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  return child;
}

/** Resolves once `child` has exited (at once when it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** SIGKILLs every fixture still running; for `afterEach`. */
export function killFixtures(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
