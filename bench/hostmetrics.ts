/**
 * Host collector cost: time per `collect()` on this host (all collectors), the bytes one
 * `collect()` allocates on the JS heap (heap growth over a collection during which no GC ran), and,
 * when Debian's `prometheus-node-exporter` is installed, the time of one `/metrics` request to it
 * with the same collectors for reference. Run: `npx tsx bench/hostmetrics.ts [iterations]`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { COLLECTOR_NAMES, DEFAULT_MOUNT_POINTS_EXCLUDE, HostCollector } from '../src/hostmetrics/index.js';

const iterations = Number(process.argv[2] ?? 200);
const BINARY = '/usr/bin/prometheus-node-exporter';

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `mean ${mean.toFixed(2)} ms, p50 ${s[Math.floor(s.length / 2)]!.toFixed(2)} ms, p99 ${s[Math.floor(s.length * 0.99)]!.toFixed(2)} ms`;
}

async function timeEach(n: number, f: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return out;
}

const collector = new HostCollector();
const body = await collector.collect();
const samples = body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
const cpuBefore = process.cpuUsage();
const ours = await timeEach(iterations, () => collector.collect());
const cpu = process.cpuUsage(cpuBefore);
console.log(`lookout hostmetrics: ${samples} samples, ${body.length} bytes per scrape`);
console.log(`  collect(): ${stats(ours)}; CPU ${((cpu.user + cpu.system) / 1000 / iterations).toFixed(2)} ms per scrape`);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const gcStarts: number[] = [];
const observer = new PerformanceObserver((list) => gcStarts.push(...list.getEntries().map((e) => e.startTime)));
observer.observe({ entryTypes: ['gc'] });
const windows: { from: number; to: number; grown: number }[] = [];
for (let i = 0; i < 30; i++) {
  gc();
  const from = performance.now();
  const before = process.memoryUsage().heapUsed;
  await collector.collect();
  const grown = process.memoryUsage().heapUsed - before;
  windows.push({ from, to: performance.now(), grown });
}
await new Promise((r) => setTimeout(r, 100));
observer.disconnect();
const allocated = windows.filter((w) => !gcStarts.some((t) => t >= w.from && t <= w.to)).map((w) => w.grown);
allocated.sort((a, b) => a - b);
console.log(
  allocated.length > 0
    ? `  allocation per collect(): p50 ${(allocated[Math.floor(allocated.length / 2)]! / 1024).toFixed(0)} KiB (${allocated.length} of 30 collections ran without a GC)`
    : '  allocation per collect(): not measured (every collection ran a GC)',
);

if (existsSync(BINARY)) {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  const child = spawn(
    BINARY,
    [
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      ...COLLECTOR_NAMES.map((c) => `--collector.${c}`),
      '--collector.netdev.device-exclude=',
      '--collector.textfile.directory=',
      `--collector.filesystem.mount-points-exclude=${DEFAULT_MOUNT_POINTS_EXCLUDE}`,
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}/metrics`;
  try {
    for (;;) {
      try {
        await (await fetch(url)).text();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const theirs = await timeEach(iterations, async () => (await fetch(url)).text());
    const ourHttp = await timeEach(iterations, async () => collector.collect());
    console.log(`node_exporter 1.5 (same collectors), one HTTP /metrics request: ${stats(theirs)}`);
    console.log(`lookout collect() again, for the same time window: ${stats(ourHttp)}`);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
