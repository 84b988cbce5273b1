/**
 * Marginal memory per active series, as issue 4 measures it (run: `npm run bench:tsdb-memory`,
 * which builds first; ~2–3 min). For Lookout, Prometheus (/usr/bin/prometheus) and
 * VictoriaMetrics (/usr/bin/victoria-metrics), each where installed, in the same run:
 *
 * 1. `../shared/bench/targets.mjs` serves TARGETS_MAX targets of ~10,000 series each on loopback;
 * 2. the server scrapes the first half of them (listed in a file_sd file) every INTERVAL until every
 *    target is up and has been scraped SETTLE_SCRAPES more times, then the resident set size (RSS,
 *    from /proc/<pid>/status) is sampled once a second and the median taken;
 * 3. the file_sd file is rewritten with all targets (twice the series) and step 2 repeats;
 * 4. marginal bytes per series = (RSS after − RSS before) / (series after − series before), where
 *    the series count is `sum(scrape_samples_scraped)` as the server itself reports it.
 *
 * Prints one line per figure and the ratios Lookout / peer. Environment: SERIES_PER_TARGET (10000),
 * TARGETS (10: the first step; the second doubles it), INTERVAL_S (2), SETTLE_SCRAPES (10),
 * SAMPLES (5), ONLY (comma-separated subset of lookout,prometheus,victoria-metrics).
 *
 * With SCALE_SERIES set (e.g. 1000000) it measures the scale point instead: that many
 * series (SCALE_SERIES / SERIES_PER_TARGET targets) scraped every SCALE_INTERVAL_S (15) seconds;
 * once all are up and SCALE_SETTLE_SCRAPES (20: 5 minutes at 15 s, the point) more scrapes
 * passed it prints RSS, the longest scrape duration of the last minute against the interval (scrape
 * lag) and CPU seconds per million samples over the following SCALE_WINDOW_SCRAPES (4) intervals.
 * The programs run one after another (about 6.5 minutes each).
 *
 * Loopback only; every child process is killed on exit, also on error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LOOKOUT_BIN = join(ROOT, 'dist/lookout/main.cjs');
const TARGETS_MJS = resolve(ROOT, '../shared/bench/targets.mjs');
const PROMETHEUS = '/usr/bin/prometheus';
const VICTORIA = '/usr/bin/victoria-metrics';

const SERIES_PER_TARGET = +(process.env.SERIES_PER_TARGET ?? 10_000);
const TARGETS = +(process.env.TARGETS ?? 10);
const INTERVAL_S = +(process.env.INTERVAL_S ?? 2);
const SETTLE_SCRAPES = +(process.env.SETTLE_SCRAPES ?? 10);
const SAMPLES = +(process.env.SAMPLES ?? 5);
const ONLY = process.env.ONLY?.split(',');
const SCALE_SERIES = +(process.env.SCALE_SERIES ?? 0);
const SCALE_INTERVAL_S = +(process.env.SCALE_INTERVAL_S ?? 15);
const SCALE_SETTLE_SCRAPES = +(process.env.SCALE_SETTLE_SCRAPES ?? 20);
const SCALE_WINDOW_SCRAPES = +(process.env.SCALE_WINDOW_SCRAPES ?? 4);

type Who = 'lookout' | 'prometheus' | 'victoria-metrics';

const children = new Set<ChildProcess>();
const dir = mkdtempSync(join(tmpdir(), 'lookout-mem-bench-'));

function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
}
process.on('exit', () => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A base port with `n` consecutive free ports after it (checked by binding each). */
async function freeRange(n: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = base; p < base + n && ok; p++) {
      const s = createServer();
      ok = await new Promise<boolean>((r) => {
        s.once('error', () => r(false));
        s.listen(p, '127.0.0.1', () => s.close(() => r(true)));
      });
    }
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

/** Resident set size of `pid` in bytes. */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** User + system CPU seconds of `pid` (clock ticks of 1/100 s, as Linux reports them). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Writes the file_sd file listing targets [0, n) atomically (write + rename, as the docs advise). */
function writeTargets(file: string, base: number, n: number): void {
  const targets = Array.from({ length: n }, (_, i) => `127.0.0.1:${base + i}`);
  writeFileSync(`${file}.tmp`, JSON.stringify([{ targets, labels: {} }]));
  renameSync(`${file}.tmp`, file);
}

/** Result of an instant query as one number (NaN when empty). */
async function scalarQuery(url: string, q: string): Promise<number> {
  try {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    const r = body.data?.result?.[0];
    return r ? Number(r.value[1]) : NaN;
  } catch {
    return NaN;
  }
}

async function waitReady(url: string, child: ChildProcess, who: Who): Promise<void> {
  const ready = who === 'victoria-metrics' ? `${url}/health` : `${url}/-/ready`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${who} exited with ${child.exitCode}`);
    try {
      if ((await fetch(ready)).ok) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${who} did not become ready`);
}

/**
 * Waits until `n` targets are up and scraped, then SETTLE_SCRAPES intervals more; returns the
 * median RSS over SAMPLES one-second samples and the series count the server reports.
 */
async function steady(url: string, pid: number, n: number, who: Who, intervalS = INTERVAL_S, settleScrapes = SETTLE_SCRAPES): Promise<{ rss: number; series: number; split: string }> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const up = await scalarQuery(url, 'count(up == 1)');
    const scraped = await scalarQuery(url, 'sum(scrape_samples_scraped)');
    if (up === n && scraped >= n * SERIES_PER_TARGET * 0.9) break;
    if (Date.now() > deadline) throw new Error(`${who}: ${n} targets not up after 180 s (up=${up}, samples=${scraped})`);
    await sleep(1000);
  }
  await sleep(settleScrapes * intervalS * 1000);
  const xs: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    xs.push(rss(pid));
    await sleep(1000);
  }
  const series = await scalarQuery(url, 'sum(scrape_samples_scraped)');
  return { rss: median(xs), series, split: who === 'lookout' ? await nodeSplit(url) : '' };
}

/** Lookout's own memory split (prom-client's default process metrics) as one line of text. */
async function nodeSplit(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return (
    `V8 heap used ${MB(get('nodejs_heap_size_used_bytes'))} of ${MB(get('nodejs_heap_size_total_bytes'))}, ` +
    `external (typed arrays, buffers) ${MB(get('nodejs_external_memory_bytes'))}`
  );
}

function start(who: Who, port: number, cfgFile: string, data: string): ChildProcess {
  const listen = `127.0.0.1:${port}`;
  if (who === 'lookout') {
    return spawn(
      process.execPath,
      [LOOKOUT_BIN, 'server', `--config.file=${cfgFile}`, `--storage.tsdb.path=${data}`, `--web.listen-address=${listen}`, '--hostmetrics.enable=false'],
      { stdio: 'ignore' },
    );
  }
  if (who === 'prometheus') {
    return spawn(PROMETHEUS, [`--config.file=${cfgFile}`, `--storage.tsdb.path=${data}`, `--web.listen-address=${listen}`], { stdio: 'ignore' });
  }
  return spawn(
    VICTORIA,
    [`-promscrape.config=${cfgFile}`, `-storageDataPath=${data}`, `-httpListenAddr=${listen}`, '-promscrape.fileSDCheckInterval=1s', '-loggerLevel=ERROR'],
    { stdio: 'ignore' },
  );
}

interface Result {
  rss1: number;
  series1: number;
  split1: string;
  rss2: number;
  series2: number;
  split2: string;
  marginal: number;
}

/**
 * Starts `who` scraping the targets of the file_sd file `sd` (first `n` targets from `base`) every
 * `intervalS`, runs `f` with its URL and pid, and kills it afterwards (also when `f` throws).
 */
async function withServer<T>(who: Who, base: number, n: number, intervalS: number, f: (url: string, pid: number, sd: string) => Promise<T>): Promise<T> {
  const sd = join(dir, `${who}-targets.json`);
  writeTargets(sd, base, n);
  const cfgFile = join(dir, `${who}.yml`);
  writeFileSync(
    cfgFile,
    `global: {scrape_interval: ${intervalS}s, scrape_timeout: ${intervalS}s}\n` +
      `scrape_configs: [{job_name: bench, file_sd_configs: [{files: ["${sd}"]}]}]\n`,
  );
  const port = await freePort();
  const data = join(dir, `${who}-data`);
  rmSync(data, { recursive: true, force: true });
  const child = start(who, port, cfgFile, data);
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, who);
    return await f(url, child.pid!, sd);
  } finally {
    child.kill('SIGKILL');
    children.delete(child);
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  }
}

async function measure(who: Who, base: number): Promise<Result> {
  return withServer(who, base, TARGETS, INTERVAL_S, async (url, pid, sd) => {
    const a = await steady(url, pid, TARGETS, who);
    writeTargets(sd, base, 2 * TARGETS);
    const b = await steady(url, pid, 2 * TARGETS, who);
    return { rss1: a.rss, series1: a.series, split1: a.split, rss2: b.rss, series2: b.series, split2: b.split, marginal: (b.rss - a.rss) / (b.series - a.series) };
  });
}

/** The scale point: RSS, scrape lag and CPU per million samples at SCALE_SERIES series. */
async function scalePoint(who: Who, base: number, n: number): Promise<void> {
  await withServer(who, base, n, SCALE_INTERVAL_S, async (url, pid) => {
    const s = await steady(url, pid, n, who, SCALE_INTERVAL_S, SCALE_SETTLE_SCRAPES);
    const cpu0 = cpuSeconds(pid);
    await sleep(SCALE_WINDOW_SCRAPES * SCALE_INTERVAL_S * 1000);
    const cpu = cpuSeconds(pid) - cpu0;
    const lagMax = await scalarQuery(url, 'max(max_over_time(scrape_duration_seconds[1m]))');
    const lagAvg = await scalarQuery(url, 'avg(avg_over_time(scrape_duration_seconds[1m]))');
    const samples = (s.series * SCALE_WINDOW_SCRAPES) / 1e6;
    console.log(`${who} scale point: ${K(s.series)} series every ${SCALE_INTERVAL_S} s, RSS ${MB(s.rss)}`);
    if (s.split) console.log(`${who} scale point: ${s.split}`);
    console.log(`${who} scale point: scrape duration max ${lagMax.toFixed(2)} s / avg ${lagAvg.toFixed(2)} s (interval ${SCALE_INTERVAL_S} s)`);
    console.log(`${who} scale point: ${(cpu / samples).toFixed(2)} CPU s per million samples (${cpu.toFixed(1)} CPU s over ${SCALE_WINDOW_SCRAPES} scrapes)`);
  });
}

const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const K = (n: number) => `${Math.round(n / 1000)}k`;

async function main(): Promise<void> {
  if (!existsSync(LOOKOUT_BIN)) throw new Error('run `npm run build` first');
  const nTargets = SCALE_SERIES > 0 ? Math.ceil(SCALE_SERIES / SERIES_PER_TARGET) : 2 * TARGETS;
  const base = await freeRange(nTargets);
  const targets = spawn(process.execPath, [TARGETS_MJS], {
    env: { ...process.env, BASE: String(base), TARGETS: String(nTargets), SERIES: String(SERIES_PER_TARGET) },
    stdio: 'ignore',
  });
  children.add(targets);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${base + nTargets - 1}/metrics`)).ok) break;
    } catch {
      if (i > 100) throw new Error('targets.mjs did not start');
      await sleep(100);
    }
  }
  const whos: Who[] = ['lookout', 'prometheus', 'victoria-metrics'];
  const bins: Record<Who, string> = { lookout: LOOKOUT_BIN, prometheus: PROMETHEUS, 'victoria-metrics': VICTORIA };
  if (SCALE_SERIES > 0) {
    for (const who of whos) if ((!ONLY || ONLY.includes(who)) && existsSync(bins[who])) await scalePoint(who, base, nTargets);
    return;
  }
  console.log(
    `memory per active series: ${TARGETS} → ${2 * TARGETS} targets × ~${SERIES_PER_TARGET} series (targets.mjs), ` +
      `scraped every ${INTERVAL_S} s, RSS = median of ${SAMPLES} samples after ${SETTLE_SCRAPES} settled scrapes`,
  );
  const results = new Map<Who, Result>();
  for (const who of whos) {
    if (ONLY && !ONLY.includes(who)) continue;
    if (!existsSync(bins[who])) {
      console.log(`${who}: skipped (${bins[who]} not installed)`);
      continue;
    }
    const r = await measure(who, base);
    results.set(who, r);
    console.log(`${who} RSS at ${K(r.series1)} series: ${MB(r.rss1)}`);
    if (r.split1) console.log(`${who} at ${K(r.series1)} series: ${r.split1}`);
    console.log(`${who} RSS at ${K(r.series2)} series: ${MB(r.rss2)}`);
    if (r.split2) console.log(`${who} at ${K(r.series2)} series: ${r.split2}`);
    console.log(`${who} marginal RSS per added series: ${r.marginal.toFixed(0)} B`);
  }
  const ours = results.get('lookout');
  if (ours) {
    for (const peer of ['prometheus', 'victoria-metrics'] as const) {
      const p = results.get(peer);
      if (p) console.log(`ratio marginal bytes/series Lookout / ${peer}: ${(ours.marginal / p.marginal).toFixed(2)}`);
    }
  }
}

main()
  .then(() => process.exit(0))
  .catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
