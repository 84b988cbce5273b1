/**
 * Remote-write sender throughput (`npm run bench:remote`), printed, never asserted.
 *
 * A. Burst: 300,000 samples (10,000 series × 30 commits) are written to a TSDB's WAL at once; the
 *    in-process sender (WAL watcher → queue → protobuf + snappy → HTTP) sends them to a local sink
 *    (a child process answering 204 without decoding). Reports samples/s from the first commit to
 *    the last sample acknowledged.
 * B. Side by side (when /usr/bin/prometheus is installed): the built `lookout server` and the real
 *    Prometheus 2.42 scrape the same 5,000-series target every second for 15 s and remote-write to
 *    sinks of the same kind; reports samples sent and CPU seconds each process used (scrape,
 *    ingest and sending together) per million samples sent.
 * C. Receiver, side by side: the same 100 write requests (2,000 series × 1 sample each, as
 *    Prometheus's sender batches them) are POSTed one after the other to `lookout server
 *    --web.enable-remote-write-receiver` and to Prometheus 2.42 with the same flag; reports
 *    samples/s and CPU seconds per million samples.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parsePrometheusConfig } from '../src/config/prometheus.js';
import { Logger } from '../src/log.js';
import { WriteRequestEncoder } from '../src/remote/proto.js';
import { snappyEncode } from '../src/remote/snappy.js';
import { RemoteStorage } from '../src/remote/storage.js';
import { TSDB } from '../src/tsdb/db.js';

class QuietLogger extends Logger {
  override info(): void {}
  override warn(): void {}
  override error(): void {}
}

const ROOT = join(import.meta.dirname, '..');
const LOOKOUT_BIN = join(ROOT, 'dist', 'lookout', 'main.cjs');
const PROMETHEUS = '/usr/bin/prometheus';
const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-rw-'));
const children: ChildProcess[] = [];

const SINK = `const http = require('node:http');
const s = http.createServer((q, r) => { q.resume(); q.on('end', () => r.writeHead(204).end()); });
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

/** Starts a sink child process; resolves with its URL. */
function startSink(): Promise<string> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(`http://127.0.0.1:${d.toString().trim()}/api/v1/write`)));
}

function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name + '{') || line.startsWith(name + ' ')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function burst(): Promise<void> {
  const sink = await startSink();
  const db = TSDB.open({ dir: join(dir, 'burst'), log: new QuietLogger() });
  const registry = new Registry();
  const cfg = parsePrometheusConfig('bench.yml', `remote_write: [{url: "${sink}", name: bench}]\n`);
  const rs = new RemoteStorage({ walDir: join(dir, 'burst', 'wal'), registry, log: new QuietLogger(), userAgent: 'bench', pollMs: 5 });
  await rs.applyConfig(cfg.remoteWrite, []);
  const SERIES = 10_000;
  const COMMITS = 30;
  const app = db.appender();
  const refs = Array.from({ length: SERIES }, (_, i) => app.seriesRef(['__name__', 'bench_metric', 'instance', `host-${i % 100}`, 'series', String(i)]));
  app.commit();
  const t0 = Date.now() - COMMITS * 15_000;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (let c = 0; c < COMMITS; c++) {
    for (let i = 0; i < SERIES; i++) app.append(refs[i]!, t0 + c * 15_000, i * c);
    app.commit();
  }
  const total = SERIES * COMMITS;
  for (;;) {
    const sent = metric(await registry.metrics(), 'prometheus_remote_storage_samples_total');
    if (sent >= total) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const sec = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const text = await registry.metrics();
  console.log(
    `A. burst: ${total} samples sent in ${sec.toFixed(2)} s = ${Math.round(total / sec).toLocaleString('en')} samples/s; ` +
      `${(metric(text, 'prometheus_remote_storage_bytes_total') / 1e6).toFixed(1)} MB sent; shards ${metric(text, 'prometheus_remote_storage_shards')}; ` +
      `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (this process, incl. WAL writes)`,
  );
  await rs.close();
  db.close();
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready`);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function sideBySide(): Promise<void> {
  if (!existsSync(PROMETHEUS) || !existsSync(LOOKOUT_BIN)) {
    console.log('B. side by side: skipped (needs /usr/bin/prometheus and npm run build)');
    return;
  }
  let body = '# TYPE bench_gauge gauge\n';
  for (let i = 0; i < 5000; i++) body += `bench_gauge{series="${i}"} ${i}\n`;
  let scrapes = 0;
  const target = createServer((_q, r) => {
    scrapes++;
    r.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body.replace(/ (\d+)\n/g, (_m, v: string) => ` ${Number(v) + scrapes}\n`));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const targetAddr = `127.0.0.1:${(target.address() as AddressInfo).port}`;
  const rows: string[] = [];
  for (const who of ['lookout', 'prometheus'] as const) {
    const sink = await startSink();
    const port = await freePort();
    const cfgFile = join(dir, `${who}.yml`);
    writeFileSync(
      cfgFile,
      `global: {scrape_interval: 1s}\nscrape_configs: [{job_name: bench, static_configs: [{targets: ["${targetAddr}"]}]}]\nremote_write: [{url: "${sink}", name: bench}]\n`,
    );
    const args = [`--config.file=${cfgFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(dir, `${who}-data`)}`];
    const child =
      who === 'lookout'
        ? spawn(process.execPath, [LOOKOUT_BIN, 'server', ...args, '--hostmetrics.enable=false'], { stdio: 'ignore' })
        : spawn(PROMETHEUS, args, { stdio: 'ignore' });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url);
    await new Promise((r) => setTimeout(r, 3000));
    const m0 = await (await fetch(`${url}/metrics`)).text();
    await new Promise((r) => setTimeout(r, 15_000));
    const m1 = await (await fetch(`${url}/metrics`)).text();
    const sent = metric(m1, 'prometheus_remote_storage_samples_total') - metric(m0, 'prometheus_remote_storage_samples_total');
    const cpu = metric(m1, 'process_cpu_seconds_total') - metric(m0, 'process_cpu_seconds_total');
    rows.push(`${who.padEnd(10)} ${String(sent).padStart(9)} samples sent in 15 s, CPU ${cpu.toFixed(2)} s = ${((cpu / sent) * 1e6).toFixed(2)} CPU s per million samples (scrape + ingest + send)`);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  target.close();
  console.log('B. side by side, 5,000 series scraped every 1 s, remote-written to a local sink:');
  for (const r of rows) console.log(`   ${r}`);
}

async function receivers(): Promise<void> {
  if (!existsSync(PROMETHEUS) || !existsSync(LOOKOUT_BIN)) {
    console.log('C. receivers: skipped (needs /usr/bin/prometheus and npm run build)');
    return;
  }
  const REQUESTS = 100;
  const SERIES = 2000;
  const t0 = Date.now() - REQUESTS * 1000;
  const bodies: Uint8Array[] = [];
  for (let r = 0; r < REQUESTS; r++) {
    const enc = new WriteRequestEncoder();
    for (let i = 0; i < SERIES; i++) {
      enc.beginSeries(['__name__', 'bench_rw', 'instance', `host-${i % 50}`, 'job', 'bench', 'series', String(i)]);
      enc.sample(t0 + r * 1000, i + r);
      enc.endSeries();
    }
    bodies.push(snappyEncode(enc.finish()));
  }
  const rows: string[] = [];
  for (const who of ['lookout', 'prometheus'] as const) {
    const port = await freePort();
    const cfgFile = join(dir, `recv-${who}.yml`);
    writeFileSync(cfgFile, 'global: {}\n');
    const args = [`--config.file=${cfgFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(dir, `recv-${who}-data`)}`, '--web.enable-remote-write-receiver'];
    const child =
      who === 'lookout'
        ? spawn(process.execPath, [LOOKOUT_BIN, 'server', ...args, '--hostmetrics.enable=false'], { stdio: 'ignore' })
        : spawn(PROMETHEUS, args, { stdio: 'ignore' });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url);
    const cpu0 = metric(await (await fetch(`${url}/metrics`)).text(), 'process_cpu_seconds_total');
    const start = performance.now();
    for (const b of bodies) {
      const res = await fetch(`${url}/api/v1/write`, { method: 'POST', body: b, headers: { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' } });
      if (res.status !== 204) throw new Error(`${who} answered ${res.status}: ${await res.text()}`);
    }
    const sec = (performance.now() - start) / 1000;
    const cpu = metric(await (await fetch(`${url}/metrics`)).text(), 'process_cpu_seconds_total') - cpu0;
    const total = REQUESTS * SERIES;
    rows.push(`${who.padEnd(10)} ${Math.round(total / sec).toLocaleString('en').padStart(9)} samples/s, ${((cpu / total) * 1e6).toFixed(2)} CPU s per million samples`);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  console.log(`C. receivers, ${REQUESTS} requests × ${SERIES} series (new series in the first request, then one sample each):`);
  for (const r of rows) console.log(`   ${r}`);
}

try {
  await burst();
  await sideBySide();
  await receivers();
} finally {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
