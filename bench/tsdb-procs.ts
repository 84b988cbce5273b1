/**
 * Child processes of the TSDB benchmark (`bench/tsdb.ts`): the Lookout server, Prometheus and
 * VictoriaMetrics started on loopback ports, timed to readiness, and all stopped at the end —
 * also when the benchmark fails or is interrupted (SIGINT/SIGTERM, uncaught errors, exit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the parent of `bench/`). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The built Lookout CLI (`npm run build`); `LOOKOUT_CLI` overrides it. */
export const LOOKOUT_CLI = process.env.LOOKOUT_CLI ?? join(ROOT, 'dist/lookout/main.cjs');
export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';
export const VICTORIA = '/usr/bin/victoria-metrics';

/** A server started by {@link startServer}. */
export interface Server {
  readonly name: string;
  readonly child: ChildProcess;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Milliseconds from spawn until the readiness URL answered 200. */
  readonly readyMs: number;
  /** File holding the process's stdout and stderr. */
  readonly logFile: string;
}

const live = new Set<ChildProcess>();

function killAllNow(): void {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  live.clear();
}
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAllNow();
    process.exit(130);
  });
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `cmd args` (stdout and stderr to `logFile`), then polls `url + readyPath` every 5 ms until
 * it answers 200. `args` receives the port to listen on.
 * @throws {Error} when the process exits or is not ready within `timeoutMs` (the log's tail is in the message).
 */
export async function startServer(
  name: string,
  cmd: string,
  args: (port: number) => string[],
  readyPath: string,
  logFile: string,
  timeoutMs = 60_000,
): Promise<Server> {
  const port = await freePort();
  const fd = openSync(logFile, 'a');
  const began = performance.now();
  const child = spawn(cmd, args(port), { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  live.add(child);
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    try {
      const r = await fetch(url + readyPath);
      await r.arrayBuffer();
      if (r.status === 200) return { name, child, url, readyMs: performance.now() - began, logFile };
    } catch {
      // Not listening yet.
    }
    if (performance.now() - began > timeoutMs) {
      await stopServer({ name, child, url, readyMs: 0, logFile });
      throw new Error(`${name} not ready after ${timeoutMs} ms; see ${logFile}`);
    }
    await sleep(5);
  }
}

/** Stops a server: SIGTERM, then SIGKILL if it has not exited within 10 s. */
export async function stopServer(s: Server): Promise<void> {
  const c = s.child;
  if (c.exitCode === null && c.signalCode === null) {
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  live.delete(c);
}

/**
 * The three servers: label, how to install a missing one, and command line (given its data
 * directory, config file and port).
 */
export const SERVERS = {
  lookout: {
    label: 'Lookout',
    install: 'run `npm run build`',
    installed: () => existsSync(LOOKOUT_CLI),
    cmd: process.execPath,
    readyPath: '/-/ready',
    args: (dir: string, config: string) => (port: number) => [
      LOOKOUT_CLI,
      'server',
      `--config.file=${config}`,
      `--storage.tsdb.path=${dir}`,
      '--storage.tsdb.retention.time=10y',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
  },
  prometheus: {
    label: 'Prometheus 2.42',
    install: '`apt-get install prometheus` (Debian/Ubuntu)',
    // promtool loads the data set.
    installed: () => existsSync(PROMETHEUS) && existsSync(PROMTOOL),
    cmd: PROMETHEUS,
    readyPath: '/-/ready',
    args: (dir: string, config: string) => (port: number) => [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dir}`,
      '--storage.tsdb.retention.time=10y',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
  },
  victoria: {
    label: 'VictoriaMetrics',
    install: '`apt-get install victoria-metrics` (Debian/Ubuntu)',
    installed: () => existsSync(VICTORIA),
    cmd: VICTORIA,
    readyPath: '/health',
    // No result cache and no latency offset (the data's newest samples are queried); long retention.
    args: (dir: string) => (port: number) => [
      `-storageDataPath=${dir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-retentionPeriod=10y',
      '-search.disableCache',
      '-search.latencyOffset=0s',
    ],
  },
} as const;

/** Keys of {@link SERVERS}. */
export type ServerKind = keyof typeof SERVERS;
