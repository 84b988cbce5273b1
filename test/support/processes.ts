/**
 * Test helpers that run real processes on 127.0.0.1: the built `lookout` CLI and the demo app.
 * Every process started here is killed by `stopAll()` (call it in `afterAll`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const LOOKOUT_BIN = join(ROOT, 'dist', 'lookout', 'main.cjs');
export const ORDERS_API_BIN = join(ROOT, 'dist', 'examples', 'orders-api', 'main.js');
/** `--alertmanager.config.file` for test servers that must not notify anyone (see the file). */
export const QUIET_ALERTMANAGER_FLAG = `--alertmanager.config.file=${join(ROOT, 'test', 'support', 'alertmanager-quiet.yml')}`;

const running = new Set<ChildProcess>();

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  /** Everything the process wrote so far (stdout + stderr). */
  output(): string;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `node <script> <args>`; fails fast with a clear message when the build is missing. */
export function startNode(script: string, args: string[]): Proc {
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build first`);
  return startProgram(process.execPath, [script, ...args]);
}

/** Starts a program (e.g. the real `/usr/bin/prometheus`) with `args`, from the repository root. */
export function startProgram(program: string, args: string[]): Proc {
  const child = spawn(program, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  return {
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Polls `check` every 100 ms until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills every process still running. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/** GETs JSON from `url`. */
export async function getJson<T = any>(url: string): Promise<T> {
  const res = await fetch(url);
  return (await res.json()) as T;
}

/** Runs an instant query and returns the Prometheus API response body. */
export async function query(base: string, q: string, time?: number): Promise<any> {
  const p = new URLSearchParams({ query: q });
  if (time !== undefined) p.set('time', String(time));
  return getJson(`${base}/api/v1/query?${p}`);
}

/** Whether a program is on PATH; tests needing it fail (LOOKOUT_REQUIRE_INTEROP=1) or skip without it. */
export function haveProgram(path: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.LOOKOUT_REQUIRE_INTEROP === '1') throw new Error(`${path} is required (LOOKOUT_REQUIRE_INTEROP=1)`);
  return false;
}
