/**
 * Alertmanager under many aggregation groups: posts N alerts (default 100,000) in one batch to an
 * in-process Alertmanager whose route groups by every label (`group_by: ['...']`, group_wait 1s)
 * and whose only receiver is a webhook on 127.0.0.1 answering 500 — the attack-report scenario
 * (another status, e.g. 200, as third argument; group_interval, which also bounds each flush's
 * retries, as fourth).
 *
 * Runs for a bounded time (default 30 s) and prints: time to accept the batch, the worst
 * event-loop stall seen by a 50 ms probe timer (what `/-/healthy` would wait), webhook requests
 * and connections received, peak RSS, GC pauses, the bytes / lines logged (stderr is captured,
 * not printed), and the time of a config reload (which rebuilds every group) and of `stop()`.
 * Under `tsx` every function carries a `name` property (esbuild's keepNames), which inflates
 * memory; compile with `tsc` for figures that match `node dist/…`.
 *
 * Run: `npx tsx bench/alertmanager-groups.ts [alerts] [seconds] [status] [group_interval]`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { Alertmanager } from '../src/alertmanager/alertmanager.js';
import type { PostableAlert } from '../src/alertmanager/types.js';

const N = Number(process.argv[2] ?? 100_000);
const SECONDS = Number(process.argv[3] ?? 30);
const STATUS = Number(process.argv[4] ?? 500);
const GROUP_INTERVAL = process.argv[5] ?? '5m';

let logBytes = 0;
let logLines = 0;
const lineCounts = new Map<string, number>();
process.stderr.write = ((chunk: string | Uint8Array) => {
  const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  logBytes += s.length;
  for (const line of s.split('\n')) {
    if (line === '') continue;
    logLines++;
    const msg = /msg=("(?:[^"\\]|\\.)*"|\S+)/.exec(line)?.[1] ?? '?';
    lineCounts.set(msg, (lineCounts.get(msg) ?? 0) + 1);
  }
  return true;
}) as typeof process.stderr.write;

let requests = 0;
const hook = createServer((req, res) => {
  requests++;
  req.resume();
  req.on('end', () => {
    res.statusCode = STATUS;
    res.end(STATUS === 200 ? '' : 'failing on purpose');
  });
});
let connections = 0;
let openConnections = 0;
let maxOpenConnections = 0;
hook.on('connection', (c) => {
  connections++;
  maxOpenConnections = Math.max(maxOpenConnections, ++openConnections);
  c.on('close', () => openConnections--);
});
await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

const dir = mkdtempSync(join(tmpdir(), 'am-bench-'));
const configFile = join(dir, 'am.yml');
writeFileSync(
  configFile,
  `route:
  receiver: hook
  group_by: ['...']
  group_wait: 1s
  group_interval: ${GROUP_INTERVAL}
receivers:
  - name: hook
    webhook_configs: [{url: '${url}'}]
`,
);
const am = await Alertmanager.start({ configFile, storagePath: join(dir, 'data') });

const alerts: PostableAlert[] = [];
for (let i = 0; i < N; i++) alerts.push({ labels: { alertname: 'Bench', instance: `host-${i}`, job: 'bench' }, annotations: { summary: `alert ${i}` } });

let gcMax = 0;
let gcTotal = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMax = Math.max(gcMax, e.duration);
    gcTotal += e.duration;
  }
}).observe({ entryTypes: ['gc'] });
const t0 = performance.now();
let maxStall = 0;
let peakRss = 0;
let last = performance.now();
const stalls: string[] = [];
const probe = setInterval(() => {
  const now = performance.now();
  if (now - last - 50 > 200) stalls.push(`${((now - t0) / 1000).toFixed(1)}s:${(now - last - 50).toFixed(0)}ms`);
  maxStall = Math.max(maxStall, now - last - 50);
  last = now;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

await am.postAlerts(alerts);
const accepted = performance.now() - t0;
await new Promise((r) => setTimeout(r, SECONDS * 1000));
clearInterval(probe);
// A config reload rebuilds every aggregation group.
const reloadStart = performance.now();
await am.reload();
const reloadMs = performance.now() - reloadStart;
let reloadStall = 0;
let tick = performance.now();
await new Promise<void>((done) => {
  let n = 0;
  const t = setInterval(() => {
    const now = performance.now();
    reloadStall = Math.max(reloadStall, now - tick - 10);
    tick = now;
    if (++n === 300) {
      clearInterval(t);
      done();
    }
  }, 10);
});
const stopStart = performance.now();
await am.stop();
const stopMs = performance.now() - stopStart;
hook.close();

const top = [...lineCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
console.log(`alerts: ${N}, run: ${SECONDS}s, webhook status: ${STATUS}, group_interval: ${GROUP_INTERVAL}`);
console.log(`  postAlerts: ${accepted.toFixed(0)} ms`);
console.log(`  worst event-loop stall (post included): ${maxStall.toFixed(0)} ms; stalls over 200 ms (time since the post began: length): ${stalls.join(' ') || 'none'}`);
console.log(`  webhook requests received: ${requests}; connections opened: ${connections}, at most ${maxOpenConnections} at once`);
console.log(`  peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB; GC: longest pause ${gcMax.toFixed(0)} ms, total ${gcTotal.toFixed(0)} ms`);
console.log(`  log: ${logLines} lines, ${(logBytes / 2 ** 20).toFixed(1)} MiB; top: ${top.map(([m, n]) => `${m} ×${n}`).join('; ')}`);
console.log(`  reload(): ${reloadMs.toFixed(0)} ms, then worst stall ${reloadStall.toFixed(0)} ms in 3 s`);
console.log(`  stop(): ${stopMs.toFixed(0)} ms`);
process.exit(0);
