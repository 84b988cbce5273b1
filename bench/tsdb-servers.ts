/**
 * The server figures of the TSDB benchmark (`bench/tsdb.ts`), side by side with Prometheus 2.42
 * and VictoriaMetrics in the same run (each peer where installed, else "not installed"):
 *
 *  - startup to ready on an empty data directory (ms from spawn until `/-/ready` — VictoriaMetrics:
 *    `/health` — answers 200; median of STARTUP_RUNS starts, default 3), and the CPU time the
 *    server had used by then, with an empty Node process's figures beside them;
 *  - query latency on data set B (`../shared/bench/gen-openmetrics.mjs`, JITTER_MS=0, ending at the
 *    last 2 h boundary before now): loaded into Lookout with `lookout tsdb create-blocks-from
 *    openmetrics`, into Prometheus with `promtool tsdb create-blocks-from openmetrics`, into
 *    VictoriaMetrics through `/api/v1/import/prometheus`; then the four queries timed over
 *    HTTP by `../shared/bench/query-bench.sh` (the median of ROUNDS medians of REPS calls, each
 *    after one untimed call, the servers taking turns round by round). Before
 *    the figures are printed, the answers are checked: the same number of series from every
 *    server, and Lookout's values equal to Prometheus's within 1e-9 (relative) on the same queries
 *    1 s earlier (off the samples' 15 s grid, where 2.42's left-closed range windows and Lookout's
 *    left-open ones, as Prometheus 3.x, hold the same samples), so the timings compare like with like.
 *    Each query's latency line is followed by the server's CPU time per call (user + system of all
 *    its threads, from /proc), which waiting for a core does not inflate;
 *  - disk bytes per sample of data set B as each server holds it: the block directories Lookout's
 *    and promtool's `create-blocks-from` wrote (index, chunks, meta.json, tombstones), and
 *    VictoriaMetrics's `data/` and `indexdb/` after `/internal/force_flush`, once their size stopped
 *    changing (its values are rounded to about 13 significant digits, so its figure is not lossless).
 *
 * Every server listens on 127.0.0.1 and is stopped before this returns (also on error).
 * Run alone (`npx tsx bench/tsdb-servers.ts`, after `npm run build`) it prints only these figures.
 * Env: REPS (timed calls), ROUNDS, CPU_REPS and CPU_WARMUP (see below), LOOKOUT_CLI (another build),
 * STARTUP_RUNS (starts per server for the startup figures, default 3), STARTUP_ONLY=1 (print the
 * startup figures only: a few seconds instead of loading data set B).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { LOOKOUT_CLI, PROMTOOL, ROOT, SERVERS, startServer, stopServer, type Server, type ServerKind } from './tsdb-procs.js';

const GEN = join(ROOT, '../shared/bench/gen-openmetrics.mjs');
const QUERY_BENCH = join(ROOT, '../shared/bench/query-bench.sh');
const KINDS: readonly ServerKind[] = ['lookout', 'prometheus', 'victoria'];
/** Timed calls per query (query-bench.sh's REPS). */
const REPS = Number(process.env.REPS ?? 7);
/**
 * Rounds of timed calls (default 3): every server gets REPS calls per query in each round, servers
 * taking turns round by round, and the figure is the median of its round medians (ROUNDS=1: one
 * block of REPS calls per server, one server after another).
 * This machine's speed drifts by up to 2x over minutes (the same pure-JS loop took 150 and 296 ms
 * a few minutes apart), which one block of calls per server turns into a difference between servers.
 */
const ROUNDS = Number(process.env.ROUNDS ?? 3);
/** Calls per query for the CPU figure. */
const CPU_REPS = Number(process.env.CPU_REPS ?? 10);
/**
 * Untimed calls per query before its CPU figure (default 0): Lookout's query code is still being
 * optimized by V8 during its first few dozen calls, so a warmed figure shows its steady state.
 */
const CPU_WARMUP = Number(process.env.CPU_WARMUP ?? 0);
/** Starts per server for the startup figures (their median is printed). */
const STARTUP_RUNS = Number(process.env.STARTUP_RUNS ?? 3);

/** The middle value of `xs` (the upper middle for an even count). */
function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** The queries, as query-bench.sh runs them (range: last hour at 15 s; instant: END − 60 s). */
const QUERIES: readonly { kind: 'range' | 'instant'; q: string }[] = [
  { kind: 'range', q: 'rate(bench_requests_0_total[5m])' },
  { kind: 'range', q: 'sum by (code) (rate(bench_requests_0_total[5m]))' },
  { kind: 'range', q: 'histogram_quantile(0.95, sum by (le) (rate(bench_latency_2_seconds_bucket[5m])))' },
  { kind: 'instant', q: 'count({__name__=~".+"})' },
];

type Figure = number | 'not installed' | 'failed';

/**
 * One line: `name: Lookout X unit, Prometheus 2.42 Y unit (ratio X/Y), VictoriaMetrics …`.
 * Ratios are Lookout's value over the peer's (below 1: Lookout is faster/smaller).
 */
function line(name: string, unit: string, figs: Record<ServerKind, Figure>, digits = 1): string {
  const show = (f: Figure, k: ServerKind): string =>
    typeof f === 'number' ? `${f.toFixed(digits)} ${unit}` : f === 'not installed' ? `not installed (${SERVERS[k].install})` : f;
  const ours = figs.lookout;
  const parts = [`Lookout ${show(ours, 'lookout')}`];
  for (const k of ['prometheus', 'victoria'] as const) {
    const f = figs[k];
    const ratio = typeof f === 'number' && typeof ours === 'number' && f > 0 ? ` (ratio ${(ours / f).toFixed(2)})` : '';
    parts.push(`${SERVERS[k].label} ${show(f, k)}${ratio}`);
  }
  return `${name}: ${parts.join(', ')}`;
}

function emptyFigures(): Record<ServerKind, Figure> {
  const f = {} as Record<ServerKind, Figure>;
  for (const k of KINDS) f[k] = SERVERS[k].installed() ? 'failed' : 'not installed';
  return f;
}

async function start(kind: ServerKind, dir: string, work: string): Promise<Server> {
  const s = SERVERS[kind];
  return startServer(s.label, s.cmd, s.args(dir, join(work, 'config.yml')), s.readyPath, join(work, `${kind}.log`));
}

/**
 * Startup to ready on an empty data directory: median of {@link STARTUP_RUNS} starts per server, as
 * wall time and as the CPU time the process had used when `/-/ready` first answered 200 (waiting
 * for a core on a busy machine inflates the first, not the second).
 */
async function startupFigures(work: string): Promise<void> {
  const figs = emptyFigures();
  const cpuFigs = emptyFigures();
  for (const kind of KINDS) {
    if (!SERVERS[kind].installed()) continue;
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < STARTUP_RUNS; i++) {
      const dir = join(work, `empty-${kind}-${i}`);
      const s = await start(kind, dir, work);
      times.push(s.readyMs);
      cpu.push(cpuSeconds(s.child.pid!) * 1000);
      await stopServer(s);
      rmSync(dir, { recursive: true, force: true });
    }
    figs[kind] = median(times);
    cpuFigs[kind] = median(cpu);
  }
  console.log(line(`startup to ready (empty data dir, median of ${STARTUP_RUNS})`, 'ms', figs, 0));
  console.log(line(`  CPU used by then (user + system, median of ${STARTUP_RUNS})`, 'ms', cpuFigs, 0));
  console.log(emptyNodeLine());
}

/**
 * The floor under Lookout's startup figures: an empty Node process started the same way (median
 * of 3), wall time from spawn to exit and the CPU it had used once its code ran. With
 * NODE_EXTRA_CA_CERTS in the environment Node parses those certificates at every start, before
 * any JavaScript runs (tens of ms of CPU on this machine), so the line says whether it is set.
 */
function emptyNodeLine(): string {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 3; i++) {
    const began = performance.now();
    const r = spawnSync(process.execPath, ['-e', 'const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000))'], { encoding: 'utf8' });
    walls.push(performance.now() - began);
    cpus.push(Number(r.stdout));
  }
  const certs = process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'not set';
  return `  an empty Node process (node -e, median of 3): ${median(walls).toFixed(0)} ms wall, ${median(cpus).toFixed(0)} ms CPU (NODE_EXTRA_CA_CERTS ${certs})`;
}

/** A result's series as `labels JSON → values` (range: one entry per point; instant: one). */
function resultValues(body: string): Map<string, [number, string][]> {
  const j = JSON.parse(body) as { status: string; data: { result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[] } };
  if (j.status !== 'success') throw new Error(`query failed: ${body.slice(0, 200)}`);
  const out = new Map<string, [number, string][]>();
  for (const r of j.data.result) {
    const key = JSON.stringify(Object.entries(r.metric).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    out.set(key, r.values ?? [r.value!]);
  }
  return out;
}

function queryUrl(base: string, kind: 'range' | 'instant', q: string, end: number): string {
  const p = new URLSearchParams({ query: q });
  if (kind === 'range') {
    p.set('start', String(end - 3600));
    p.set('end', String(end));
    p.set('step', '15');
  } else {
    p.set('time', String(end - 60));
  }
  return `${base}/api/v1/${kind === 'range' ? 'query_range' : 'query'}?${p}`;
}

/** Differences between Lookout's and Prometheus's answers (empty when equal within 1e-9 relative). */
function compareValues(ours: Map<string, [number, string][]>, theirs: Map<string, [number, string][]>): string[] {
  const diffs: string[] = [];
  for (const [k, pts] of theirs) {
    const mine = ours.get(k);
    if (!mine) {
      diffs.push(`series ${k} missing`);
      continue;
    }
    if (mine.length !== pts.length) diffs.push(`series ${k}: ${mine.length} points, Prometheus ${pts.length}`);
    for (let i = 0; i < Math.min(mine.length, pts.length); i++) {
      const [ta, va] = mine[i]!;
      const [tb, vb] = pts[i]!;
      const a = Number(va);
      const b = Number(vb);
      const same = ta === tb && (a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));
      if (!same) {
        diffs.push(`series ${k} at ${ta}/${tb}: ${va} vs ${vb}`);
        break;
      }
    }
    if (diffs.length > 3) break;
  }
  return diffs;
}

/** Times the four queries against `s` with query-bench.sh: median ms per query, in QUERIES order. */
function timeQueries(s: Server, end: number): number[] {
  const out = execFileSync('bash', [QUERY_BENCH, s.url, String(end), s.name], { env: { ...process.env, REPS: String(REPS) }, encoding: 'utf8' });
  const medians: number[] = [];
  for (const row of out.trim().split('\n')) {
    const m = /\tmedian_ms=([\d.]+)\t/.exec(row);
    if (!m || !row.includes('status=success')) throw new Error(`${s.name}: query-bench.sh: ${row}`);
    medians.push(Number(m[1]));
  }
  if (medians.length !== QUERIES.length) throw new Error(`${s.name}: query-bench.sh printed ${medians.length} rows`);
  return medians;
}

/** CPU seconds (user + system, all threads) the process has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the stat line (utime, stime) in clock ticks of 1/100 s.
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * Server CPU milliseconds per call of each query (CPU_REPS calls in a row, after the timed runs):
 * steadier than latency on a loaded machine, as it does not count time spent waiting for a core.
 * Resolution: 10 ms of CPU over all calls of a query (1 ms per call with CPU_REPS = 10).
 */
async function cpuPerQuery(s: Server, end: number): Promise<number[]> {
  const pid = s.child.pid!;
  // Background work (VictoriaMetrics merging the imported parts, …) is measured idle for 1 s and
  // subtracted at that rate.
  const idle0 = cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 1000));
  const idleRate = (cpuSeconds(pid) - idle0) / (performance.now() - t0);
  const out: number[] = [];
  for (const { kind, q } of QUERIES) {
    const url = queryUrl(s.url, kind, q, end);
    for (let i = 0; i < CPU_WARMUP; i++) await (await fetch(url)).arrayBuffer();
    const before = cpuSeconds(pid);
    const t = performance.now();
    for (let i = 0; i < CPU_REPS; i++) await (await fetch(url)).arrayBuffer();
    const used = cpuSeconds(pid) - before - idleRate * (performance.now() - t);
    out.push((Math.max(0, used) * 1000) / CPU_REPS);
  }
  return out;
}

/** Bytes of the files under `path`, subdirectories included; 0 when it is missing. */
function treeBytes(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of readdirSync(path)) n += treeBytes(join(path, name));
  return n;
}

/**
 * Bytes under `paths` once they stop changing (the same total over 10 s, read every 2 s; at most
 * 60 s): VictoriaMetrics writes and merges the parts of a flush in the background.
 */
async function settledBytes(paths: string[]): Promise<number> {
  const total = () => paths.reduce((n, p) => n + treeBytes(p), 0);
  let last = total();
  for (let i = 0, same = 0; i < 30 && same < 5; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = total();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

/** Bytes of the block directories (named by ULID) in a Lookout or Prometheus data directory. */
function blockDirsBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) if (/^[0-9A-HJKMNP-TV-Z]{26}$/.test(name)) n += treeBytes(join(dir, name));
  return n;
}

/** Generates data set B into `work` and loads it into each installed server; prints the load times. Returns its sample count. */
async function loadDataSetB(work: string, end: number, servers: Partial<Record<ServerKind, Server>>): Promise<number> {
  const t0 = performance.now();
  const info = JSON.parse(
    execFileSync(process.execPath, [GEN], { env: { ...process.env, JITTER_MS: '0', END: String(end), OUT: join(work, 'B') }, encoding: 'utf8' }),
  ) as { series: number; samples: number };
  console.log(
    `data set B for queries: ${info.series} series, ${info.samples} samples, ending ${new Date(end * 1000).toISOString()} ` +
      `(generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
  const loadSecs = emptyFigures();
  if (SERVERS.lookout.installed()) {
    const t = performance.now();
    execFileSync(process.execPath, [LOOKOUT_CLI, 'tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(work, 'B.om'), join(work, 'lookout')], { stdio: 'ignore' });
    loadSecs.lookout = (performance.now() - t) / 1000;
    servers.lookout = await start('lookout', join(work, 'lookout'), work);
  }
  if (SERVERS.prometheus.installed()) {
    const t = performance.now();
    execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', join(work, 'B.om'), join(work, 'prometheus')], { stdio: 'ignore' });
    loadSecs.prometheus = (performance.now() - t) / 1000;
    servers.prometheus = await start('prometheus', join(work, 'prometheus'), work);
  }
  if (SERVERS.victoria.installed()) {
    const vm = await start('victoria', join(work, 'victoria'), work);
    servers.victoria = vm;
    const t = performance.now();
    const file = join(work, 'B.prom');
    const r = await fetch(`${vm.url}/api/v1/import/prometheus`, {
      method: 'POST',
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      headers: { 'content-length': String(statSync(file).size) },
      duplex: 'half',
    } as RequestInit);
    if (r.status !== 204 && r.status !== 200) throw new Error(`VictoriaMetrics import: ${r.status} ${await r.text()}`);
    await (await fetch(`${vm.url}/internal/force_flush`)).arrayBuffer();
    loadSecs.victoria = (performance.now() - t) / 1000;
  }
  console.log(line('load data set B (Lookout/Prometheus: create-blocks-from openmetrics; VictoriaMetrics: import + flush)', 's', loadSecs, 1));
  return info.samples;
}

/**
 * Prints disk bytes per sample of data set B as each server holds it (after the queries, so that
 * VictoriaMetrics has written its parts: it is flushed again and measured once settled).
 */
async function diskFigures(work: string, samples: number, servers: Partial<Record<ServerKind, Server>>): Promise<void> {
  const disk = emptyFigures();
  if (servers.lookout) disk.lookout = blockDirsBytes(join(work, 'lookout')) / samples;
  if (servers.prometheus) disk.prometheus = blockDirsBytes(join(work, 'prometheus')) / samples;
  if (servers.victoria) {
    await (await fetch(`${servers.victoria.url}/internal/force_flush`)).arrayBuffer();
    disk.victoria = (await settledBytes([join(work, 'victoria', 'data'), join(work, 'victoria', 'indexdb')])) / samples;
  }
  console.log(line('disk bytes per sample of data set B (blocks; VictoriaMetrics: data + indexdb, values rounded)', 'B', disk, 3));
}

/** Runs the startup and query figures, printing one line per figure. Stops every server it started. */
export async function serverFigures(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'lookout-bench-servers-'));
  const servers: Partial<Record<ServerKind, Server>> = {};
  try {
    writeFileSync(join(work, 'config.yml'), 'global:\n  scrape_interval: 15s\n');
    if (!SERVERS.lookout.installed()) console.log(`(${LOOKOUT_CLI} missing: run \`npm run build\` first for the server figures)`);
    await startupFigures(work);
    if (process.env.STARTUP_ONLY === '1') return;
    // The last 2 h boundary at or before now, so that "the last hour" of the data is recent.
    const end = Math.floor(Date.now() / 1000 / 7200) * 7200;
    const samples = await loadDataSetB(work, end, servers);
    const started = KINDS.filter((k) => servers[k] !== undefined);
    const answers = new Map<ServerKind, Map<string, [number, string][]>[]>();
    for (const k of started) {
      const list: Map<string, [number, string][]>[] = [];
      // Checked 1 s off the 15 s grid of the samples: there Prometheus 2.42's left-closed range windows
      // and Lookout's left-open ones (Prometheus 3.x) hold the same samples.
      for (const { kind, q } of QUERIES) list.push(resultValues(await (await fetch(queryUrl(servers[k]!.url, kind, q, end - 1))).text()));
      answers.set(k, list);
    }
    const rounds = new Map<ServerKind, number[][]>(started.map((k) => [k, []]));
    for (let r = 0; r < ROUNDS; r++) for (const k of started) rounds.get(k)!.push(timeQueries(servers[k]!, end));
    const medians = new Map<ServerKind, number[]>();
    for (const k of started) medians.set(k, QUERIES.map((_, i) => median(rounds.get(k)!.map((m) => m[i]!))));
    const cpu = new Map<ServerKind, number[]>();
    for (const k of started) cpu.set(k, await cpuPerQuery(servers[k]!, end));
    QUERIES.forEach(({ kind, q }, i) => {
      const counts = started.map((k) => `${SERVERS[k].label} ${answers.get(k)![i]!.size}`);
      const sizes = new Set(started.map((k) => answers.get(k)![i]!.size));
      const notes: string[] = [];
      if (sizes.size > 1) notes.push(`SERIES COUNTS DIFFER: ${counts.join(', ')}`);
      if (answers.has('lookout') && answers.has('prometheus')) {
        const diffs = compareValues(answers.get('lookout')![i]!, answers.get('prometheus')![i]!);
        if (diffs.length > 0) notes.push(`VALUES DIFFER from Prometheus: ${diffs.join('; ')}`);
      }
      const figs = emptyFigures();
      for (const k of started) figs[k] = medians.get(k)![i]!;
      const what = kind === 'range' ? `query_range ${q} (last 1 h, step 15 s)` : `instant query ${q}`;
      const check = notes.length === 0 ? `; ${[...sizes][0] ?? 0} series from each${answers.has('prometheus') ? ', values = Prometheus within 1e-9' : ''}` : `; ${notes.join('; ')}`;
      const calls = ROUNDS > 1 ? `median of ${ROUNDS} interleaved rounds' medians of ${REPS}` : `median of ${REPS}`;
      console.log(line(`${what}, ${calls} over HTTP`, 'ms', figs, 1) + check);
      const cpuFigs = emptyFigures();
      for (const k of started) cpuFigs[k] = cpu.get(k)![i]!;
      const warm = CPU_WARMUP > 0 ? ` after ${CPU_WARMUP} untimed` : '';
      console.log(line(`  server CPU per call (all threads, mean of ${CPU_REPS}${warm})`, 'ms', cpuFigs, 1));
    });
    await diskFigures(work, samples, servers);
  } finally {
    for (const k of KINDS) if (servers[k]) await stopServer(servers[k]!);
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await serverFigures();
