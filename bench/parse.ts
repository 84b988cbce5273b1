/**
 * Exposition parser throughput: parses the 237-family Prometheus text sample (and the OpenMetrics
 * sample) N times, the way the scrape loop does on its hot path (next, seriesKey, value,
 * timestamp), then again building every label set (the cache-miss path). Reports the best of 5
 * rounds (the machine is shared) as MB/s, samples/s and µs per sample, and the time of
 * `promtool check metrics` on the same file for reference when promtool is installed.
 *
 * Run: npx tsx bench/parse.ts [iterations]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createParser, EntryType, type ExpositionFormat } from '../src/exposition/index.js';
import { SHARED } from '../test/support/shared.js';

const DIR = `${SHARED}/conformance/exposition`;
const N = Number(process.argv[2] ?? 100);
const ROUNDS = 5;

function hotPass(body: Buffer, format: ExpositionFormat): number {
  const p = createParser(body, format);
  let samples = 0;
  let sink = 0;
  for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
    if (e !== EntryType.Series) continue;
    sink += p.seriesKey().length + p.value() + (p.timestamp() ?? 0);
    samples++;
  }
  if (sink === -1) console.log(sink);
  return samples;
}

function labelsPass(body: Buffer, format: ExpositionFormat): number {
  const p = createParser(body, format);
  let n = 0;
  for (let e = p.next(); e !== EntryType.EOF; e = p.next()) {
    if (e === EntryType.Series) n += p.labels().length;
  }
  return n;
}

/** Seconds of the fastest of `ROUNDS` rounds of `fn` run `iterations` times (the machine is shared). */
function bestOf(iterations: number, fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

function bench(file: string, format: ExpositionFormat, iterations: number): void {
  const body = readFileSync(`${DIR}/${file}`);
  const samples = hotPass(body, format);
  for (let i = 0; i < 20; i++) hotPass(body, format);
  const sec = bestOf(iterations, () => hotPass(body, format));
  const mb = (body.length * iterations) / 1e6;
  const total = samples * iterations;
  console.log(
    `${file} (${format}, ${(body.length / 1024).toFixed(0)} KiB, ${samples} samples) x${iterations}, best of ${ROUNDS}: ` +
      `${(mb / sec).toFixed(1)} MB/s, ${(total / sec / 1e6).toFixed(2)} M samples/s, ${((sec / total) * 1e6).toFixed(3)} µs/sample`,
  );
  const lIter = Math.max(1, Math.floor(iterations / 5));
  const lsec = bestOf(lIter, () => labelsPass(body, format));
  console.log(`  with labels() for every series (cache-miss path): ${((lsec / (lIter * samples)) * 1e6).toFixed(3)} µs/sample`);
}

bench('alltypes.237mfs.prom.txt', 'text', N);
bench('alltypes.237mfs.nometa.prom.txt', 'text', N);
bench('alltypes.5mfs.om.txt', 'openmetrics', N * 20);

const promtool = spawnSync('which', ['promtool'], { encoding: 'utf8' }).stdout.trim();
if (promtool) {
  const file = `${DIR}/alltypes.237mfs.prom.txt`;
  const input = readFileSync(file);
  const t0 = process.hrtime.bigint();
  try {
    execFileSync(promtool, ['check', 'metrics'], { input, stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    // promtool exits non-zero on lint findings; the timing is still meaningful.
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`promtool check metrics < alltypes.237mfs.prom.txt: ${ms.toFixed(1)} ms (one run, includes process start)`);
} else {
  console.log('promtool not found: no reference timing');
}
