/**
 * `npm run bench:logs`: the log store's ingest rate through the push path (body decoding +
 * validation + WAL + heads + chunk cutting), bytes on disk per raw byte for typical JSON logs,
 * reopen time, and LogQL query latency over what was ingested (cold: first run after reopening,
 * chunks read and decoded; warm: decoded chunks cached).
 *
 * Size: `--lines=N` (default 200,000 lines ≈ 50 MB of JSON; the issue's 1 GB is
 * `--lines=4500000`, several minutes here). `--streams=N` instances (× 3 levels) streams.
 * Prints figures; asserts nothing. No Loki binary is packaged here, so Loki's published figures
 * are printed beside ours for context only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryRange } from '../src/logs/logql/api.js';
import { decodePush } from '../src/logs/push/decode.js';
import { pushRequestType } from '../src/logs/push/proto.js';
import { LogStore } from '../src/logs/store/store.js';
import type { Logger } from '../src/log.js';

const snappy = createRequire(import.meta.url)('snappyjs') as { compress(b: Uint8Array): Uint8Array };
const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const LINES = arg('lines', 200_000);
const INSTANCES = arg('streams', 10);
const BATCH = arg('batch', 2000);
const quiet = { warn() {}, info() {}, error() {}, debug() {}, with() { return this; } } as unknown as Logger;

const LEVELS = ['info', 'info', 'info', 'info', 'info', 'info', 'info', 'warn', 'info', 'error'];
const PATHS = ['/api/orders', '/api/orders/{id}', '/api/cart', '/api/checkout', '/healthz', '/api/users/{id}'];
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');

/** One access-log style JSON line as the demo app or a typical Node service writes it. */
function line(ms: number, level: string): string {
  const status = level === 'error' ? 500 : level === 'warn' ? 429 : rand() < 0.9 ? 200 : 201;
  return JSON.stringify({
    time: new Date(ms).toISOString(),
    level,
    msg: level === 'error' ? 'request failed' : 'request completed',
    method: rand() < 0.7 ? 'GET' : 'POST',
    path: PATHS[Math.floor(rand() * PATHS.length)],
    status,
    duration_ms: Math.round(rand() * 250 * 10) / 10,
    request_id: hex(16),
    user_id: `u${Math.floor(rand() * 5000)}`,
    bytes: Math.floor(rand() * 20_000),
  });
}

const end = Date.now();
const start = end - 50 * 60_000;
interface Batch {
  json: Buffer;
  proto: Buffer;
  rawBytes: number;
  lines: number;
}

/** Push bodies (JSON and protobuf of the same lines), built one batch at a time so any size fits in memory. */
function* batches(total: number, job: string): Generator<Batch> {
  for (let done = 0; done < total; ) {
    const n = Math.min(BATCH, total - done);
    const streams = new Map<string, { labels: Record<string, string>; values: [string, string][] }>();
    let raw = 0;
    for (let i = 0; i < n; i++) {
      const k = done + i;
      const ms = start + Math.floor((k / total) * (end - start - 1000));
      const level = LEVELS[k % LEVELS.length]!;
      const instance = `orders-${k % INSTANCES}`;
      const key = `${instance}/${level}`;
      let s = streams.get(key);
      if (!s) streams.set(key, (s = { labels: { job, instance, level }, values: [] }));
      const l = line(ms, level);
      raw += Buffer.byteLength(l);
      s.values.push([`${ms}000000`, l]);
    }
    const json = Buffer.from(JSON.stringify({ streams: [...streams.values()].map((s) => ({ stream: s.labels, values: s.values })) }));
    const msg = pushRequestType().fromObject({
      streams: [...streams.values()].map((s) => ({
        labels: `{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`,
        entries: s.values.map(([ns, l]) => ({ timestamp: { seconds: Math.floor(Number(ns.slice(0, -6)) / 1000), nanos: (Number(ns.slice(0, -6)) % 1000) * 1e6 }, line: l })),
      })),
    });
    yield { json, proto: Buffer.from(snappy.compress(pushRequestType().encode(msg).finish())), rawBytes: raw, lines: n };
    done += n;
  }
}

/** Pushes every batch; only decoding and storing are timed (CPU and wall), not building bodies. */
async function ingest(store: LogStore, source: Iterable<Batch>, kind: 'json' | 'proto'): Promise<{ lines: number; raw: number; cpu: number; wall: number }> {
  let lines = 0;
  let raw = 0;
  let cpu = 0;
  let wall = 0;
  for (const b of source) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const d = kind === 'json' ? decodePush(b.json, 'application/json', undefined) : decodePush(b.proto, 'application/x-protobuf', undefined);
    const r = await store.push(d.streams);
    wall += performance.now() - t0;
    const c = process.cpuUsage(cpu0);
    cpu += (c.user + c.system) / 1e6;
    if (r.rejected > 0) throw new Error(`bench push rejected: ${r.errors[0]}`);
    lines += b.lines;
    raw += b.rawBytes;
  }
  return { lines, raw, cpu, wall: wall / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** First run (chunks read from disk and decoded) and the median of three more (decoded chunks cached). */
function timeQuery(store: LogStore, params: Record<string, string>): { cold: number; ms: number; result: Record<string, unknown> } {
  const times: number[] = [];
  let result: Record<string, unknown> = {};
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    result = queryRange(store, new URLSearchParams(params), end);
    times.push(performance.now() - t0);
  }
  return { cold: times[0]!, ms: median(times.slice(1)), result };
}

const fmt = (n: number, d = 1) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-logs-'));
  try {
    console.log(`bench:logs — ${LINES.toLocaleString()} JSON lines over 50 min, ${INSTANCES * 3} streams, ${BATCH} lines per push, data in ${dir}`);
    const protoLines = Math.max(BATCH, Math.floor(LINES / 4));
    const store = LogStore.open({ dir, log: quiet, background: false });
    const j = await ingest(store, batches(LINES, 'orders-api'), 'json');
    const p = await ingest(store, batches(protoLines, 'orders-proto'), 'proto');
    for (const [name, r] of [['JSON push', j], ['protobuf+snappy push', p]] as const) {
      console.log(
        `ingest ${name.padEnd(21)} ${fmt(r.lines / r.cpu, 0).padStart(9)} lines/s and ${fmt(r.raw / r.cpu / 1e6)} MB/s per CPU core ` +
          `(wall ${fmt(r.wall, 2)} s, ${fmt(r.raw / 1e6)} MB raw)`,
      );
    }
    const t0 = performance.now();
    store.flush();
    const flushMs = performance.now() - t0;
    const raw = j.raw + p.raw;
    const disk = store.diskBytes();
    console.log(`disk     ${fmt(disk / 1e6, 2)} MB for ${fmt(raw / 1e6, 1)} MB of lines: ${fmt(disk / raw, 3)} bytes on disk per raw byte (goal ≤ 0.15); final flush ${fmt(flushMs, 0)} ms`);
    store.close();
    const o0 = performance.now();
    const reopened = LogStore.open({ dir, log: quiet, background: false });
    console.log(`reopen   ${fmt(performance.now() - o0, 0)} ms (chunk headers scanned, WAL empty after close)`);

    const range = { start: `${start}000000`, end: `${end}000000` };
    const queries: [string, Record<string, string>][] = [
      ['line filter, 100 newest matches', { ...range, query: '{job="orders-api"} |= "\\"status\\":500"', limit: '100' }],
      ['line filter matching nothing (full scan)', { ...range, query: '{job="orders-api"} |= "no-such-needle"', limit: '100' }],
      ['sum by (level) (count_over_time([1m]))', { ...range, query: 'sum by (level) (count_over_time({job="orders-api"}[1m]))', step: '60' }],
    ];
    for (const [name, params] of queries) {
      const { cold, ms, result } = timeQuery(reopened, params);
      const data = (result as { data: { result: unknown[]; stats?: { summary?: { totalBytesProcessed?: number; totalLinesProcessed?: number } } } }).data;
      const summary = data.stats?.summary;
      const scanned = summary?.totalBytesProcessed ?? 0;
      console.log(
        `query    ${name.padEnd(42)} ${fmt(cold, 0).padStart(6)} ms cold, ${fmt(ms, 0).padStart(5)} ms warm  ${data.result.length} result(s)` +
          (scanned > 0 ? `, ${fmt(scanned / 1e6)} MB / ${(summary?.totalLinesProcessed ?? 0).toLocaleString()} lines processed = ${fmt(scanned / 1e6 / (ms / 1000), 0)} MB/s` : ''),
      );
    }
    reopened.close();
    console.log(
      '\nLoki, published, for context only (not measured here): Grafana\'s Enterprise Logs "small" Helm values\n' +
        '(github.com/grafana/helm-charts, charts/enterprise-logs/small.yaml) size ~11 MiB/s of ingest with 3 distributors\n' +
        '(0.5 CPU requested each) and 4 ingesters (1 CPU requested, 2 limit) — about 2 MiB/s per requested core with\n' +
        'replication factor 3 (each line is ingested three times).',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
