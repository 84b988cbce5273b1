/**
 * Scrape benchmark (run: `npx tsx bench/scrape.ts`, ~16 s). Spawns `/work/shared/bench/targets.mjs`
 * (TARGETS synthetic targets × ~SERIES series, text format) in a child process, scrapes them with
 * a ScrapeManager every second into a TSDB Head (or a counting appender when the Head is not
 * available) and prints the CPU time of this process (all threads, user + system) per 1M samples:
 * for the first scrape of each target (series creation, label parsing, cold JIT) and for the
 * steady state after a 4 s warm-up (scrape cache hits).
 *
 * Environment: TARGETS (default 20), SERIES (default 1000), SECONDS (default 15).
 */
import { spawn } from 'node:child_process';
import { Logger } from '../src/log.js';
import { parsePrometheusConfig } from '../src/config/prometheus.js';
import { ScrapeManager } from '../src/scrape/index.js';
import { AppendResult, type Appender, type Storage } from '../src/tsdb/types.js';
import { SHARED } from '../test/support/shared.js';

const TARGETS = Number(process.env.TARGETS ?? 20);
const SERIES = Number(process.env.SERIES ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 15);
const WARMUP_SECONDS = 4;
const BASE = 20_000 + Math.floor(Math.random() * 20_000);

class QuietLogger extends Logger {
  override with(): Logger {
    return this;
  }
  override info(): void {}
  override warn(): void {}
}

/** Wraps a storage to count appended samples. */
class Counting implements Storage {
  samples = 0;
  constructor(private readonly inner: Storage | null) {}
  appender(): Appender {
    const inner = this.inner?.appender();
    let next = 1;
    return {
      seriesRef: (ls) => (inner ? inner.seriesRef(ls) : next++),
      append: (ref, t, v) => {
        this.samples++;
        return inner ? inner.append(ref, t, v) : AppendResult.Ok;
      },
      commit: () => inner?.commit(),
      rollback: () => inner?.rollback(),
    };
  }
  querier(): never {
    throw new Error('not used');
  }
}

async function openHead(): Promise<{ storage: Storage | null; kind: string }> {
  try {
    const mod = (await import('../src/tsdb/head.js')) as { Head: new () => Storage };
    return { storage: new mod.Head(), kind: 'TSDB Head (no WAL)' };
  } catch {
    return { storage: null, kind: 'counting appender' };
  }
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [`${SHARED}/bench/targets.mjs`], {
    env: { ...process.env, TARGETS: String(TARGETS), SERIES: String(SERIES), BASE: String(BASE) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      if (d.toString().includes('targets up')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`targets exited with ${code}`)));
  });
  const { storage, kind } = await openHead();
  const counting = new Counting(storage);
  const targets = Array.from({ length: TARGETS }, (_, i) => `'127.0.0.1:${BASE + i}'`).join(', ');
  const cfg = parsePrometheusConfig(
    'bench.yml',
    `scrape_configs:\n  - job_name: bench\n    scrape_interval: 1s\n    scrape_timeout: 900ms\n    static_configs:\n      - targets: [${targets}]\n`,
  );
  const m = new ScrapeManager({ storage: counting, log: new QuietLogger() });
  const cpu0 = process.cpuUsage();
  m.applyConfig(cfg);
  // The first scrape of every target lands within the first interval.
  await new Promise((r) => setTimeout(r, 1100));
  const cpu1 = process.cpuUsage();
  const firstSamples = counting.samples;
  // Let the JIT and GC settle before measuring the steady state.
  await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
  const warm = process.cpuUsage();
  const warmSamples = counting.samples;
  await new Promise((r) => setTimeout(r, (SECONDS - 1 - WARMUP_SECONDS) * 1000));
  const cpu2 = process.cpuUsage();
  const steadySamples = counting.samples - warmSamples;
  const up = (m.targetsApi('active') as { activeTargets: { health: string }[] }).activeTargets.filter((t) => t.health === 'up').length;
  await m.stop();
  child.kill();
  const secs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1e6;
  const per1M = (cpu: number, n: number) => (n > 0 ? ((cpu / n) * 1e6).toFixed(3) : 'n/a');
  console.log(`storage: ${kind}; ${TARGETS} targets × ~${SERIES} series, 1s interval, ${SECONDS}s; targets up at end: ${up}`);
  console.log(`first scrapes: ${firstSamples} samples, ${secs(cpu0, cpu1).toFixed(3)} CPU s → ${per1M(secs(cpu0, cpu1), firstSamples)} CPU s per 1M samples`);
  console.log(`warm-up (${WARMUP_SECONDS}s): ${warmSamples - firstSamples} samples, ${secs(cpu1, warm).toFixed(3)} CPU s`);
  const userSys = `user ${((cpu2.user - warm.user) / 1e6).toFixed(3)} s + system ${((cpu2.system - warm.system) / 1e6).toFixed(3)} s`;
  console.log(
    `steady scrapes: ${steadySamples} samples, ${secs(warm, cpu2).toFixed(3)} CPU s (${userSys}) → ${per1M(secs(warm, cpu2), steadySamples)} CPU s per 1M samples`,
  );
  console.log(`heap used: ${(process.memoryUsage().heapUsed / 1e6).toFixed(1)} MB`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
