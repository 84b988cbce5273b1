/**
 * `cpu` collector, as node_exporter 1.5 on Linux with default flags: `node_cpu_seconds_total{cpu,mode}`
 * and `node_cpu_guest_seconds_total{cpu,mode}` from /proc/stat, `node_cpu_isolated{cpu}` from
 * `devices/system/cpu/isolated`, and thermal throttle counters from
 * `devices/system/cpu/cpu*\/thermal_throttle`.
 *
 * Counters never go backwards: a mode whose new value is lower than the last one reported keeps
 * the old value, and when a CPU's idle time drops by 3 s or more (a hot-plugged CPU came back) that
 * CPU's state is reset, as upstream.
 */
import { readFile, readdir } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, parseUint } from '../text.js';
import { isNotExist, type Collector } from '../types.js';
import { CPU_MODES, parseProcStat } from './procstat.js';

const MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
const IDLE = 3;
const GUEST = 8;
const GUEST_NICE = 9;
/** An idle counter falling by at least this many seconds means the CPU was re-plugged: reset it. */
const JUMP_BACK_SECONDS = 3;

const HELP_SECONDS = 'Seconds the CPUs spent in each mode.';
const HELP_GUEST = 'Seconds the CPUs spent in guests (VMs) for each mode.';
const HELP_ISOLATED = 'Whether each core is isolated, information from /sys/devices/system/cpu/isolated.';
const HELP_CORE_THROTTLES = 'Number of times this CPU core has been throttled.';
const HELP_PACKAGE_THROTTLES = 'Number of times this CPU package has been throttled.';

/**
 * Parses a kernel CPU list (`0-3,8,10-11`) into CPU numbers.
 * @throws {HostParseError} for a malformed list
 */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.replace(/\n+$/, '').split(',')) {
    if (part === '') continue;
    const range = part.split('-');
    if (range.length > 2) throw new HostParseError(`invalid cpu range: ${part}`);
    for (const r of range) if (!/^[+-]?[0-9]+$/.test(r)) throw new HostParseError(`invalid cpu list entry: ${part}`);
    const from = Number(range[0]);
    const to = Number(range[range.length - 1]);
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

async function readUint(path: string): Promise<number | undefined> {
  try {
    return parseUint((await readFile(path, 'utf8')).trim(), path);
  } catch {
    return undefined;
  }
}

/** The `cpu` collector; keeps the last reported times per CPU. */
export class CpuCollector implements Collector {
  readonly name = 'cpu';
  private last: Float64Array[] = [];
  private isolated: number[] | null | undefined;

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    const stat = parseProcStat(await readFile(this.paths.proc('stat'), 'utf8'));
    this.merge(stat.cpu);
    for (let i = 0; i < this.last.length; i++) {
      const t = this.last[i]!;
      const cpu = String(i);
      for (let m = 0; m < MODES.length; m++) out.add('node_cpu_seconds_total', 'counter', HELP_SECONDS, t[m]!, { cpu, mode: MODES[m]! });
      out.add('node_cpu_guest_seconds_total', 'counter', HELP_GUEST, t[GUEST]!, { cpu, mode: 'user' });
      out.add('node_cpu_guest_seconds_total', 'counter', HELP_GUEST, t[GUEST_NICE]!, { cpu, mode: 'nice' });
    }
    for (const cpu of await this.isolatedCpus()) out.add('node_cpu_isolated', 'gauge', HELP_ISOLATED, 1, { cpu: String(cpu) });
    await this.throttles(out);
  }

  /** Folds new per-CPU times into the reported ones (monotonic, with the hot-plug reset). */
  private merge(cpus: Float64Array[]): void {
    if (this.last.length !== cpus.length) this.last = cpus.map(() => new Float64Array(CPU_MODES));
    for (let i = 0; i < cpus.length; i++) {
      const now = cpus[i]!;
      let last = this.last[i]!;
      if (last[IDLE]! - now[IDLE]! >= JUMP_BACK_SECONDS) {
        last = new Float64Array(CPU_MODES);
        this.last[i] = last;
      }
      for (let m = 0; m < CPU_MODES; m++) if (now[m]! >= last[m]!) last[m] = now[m]!;
    }
  }

  /** Isolated CPUs, read once (as upstream reads them when the collector is created). */
  private async isolatedCpus(): Promise<number[]> {
    if (this.isolated === undefined) {
      try {
        this.isolated = parseCpuList(await readFile(this.paths.sys('devices/system/cpu/isolated'), 'utf8'));
      } catch (e) {
        if (!isNotExist(e)) throw e;
        this.isolated = null;
      }
    }
    return this.isolated ?? [];
  }

  private async throttles(out: MetricSet): Promise<void> {
    const dir = this.paths.sys('devices/system/cpu');
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => /^cpu[0-9]/.test(n)).sort();
    } catch {
      return;
    }
    const packages = new Map<number, number>();
    const cores = new Map<number, Map<number, number>>();
    for (const n of names) {
      const base = `${dir}/${n}`;
      const pkg = await readUint(`${base}/topology/physical_package_id`);
      const core = await readUint(`${base}/topology/core_id`);
      if (pkg === undefined || core === undefined) continue;
      let coreMap = cores.get(pkg);
      if (coreMap === undefined) cores.set(pkg, (coreMap = new Map()));
      if (!coreMap.has(core)) {
        const count = await readUint(`${base}/thermal_throttle/core_throttle_count`);
        if (count !== undefined) coreMap.set(core, count);
      }
      if (!packages.has(pkg)) {
        const count = await readUint(`${base}/thermal_throttle/package_throttle_count`);
        if (count !== undefined) packages.set(pkg, count);
      }
    }
    for (const [pkg, count] of packages) out.add('node_cpu_package_throttles_total', 'counter', HELP_PACKAGE_THROTTLES, count, { package: String(pkg) });
    for (const [pkg, coreMap] of cores) {
      for (const [core, count] of coreMap) {
        out.add('node_cpu_core_throttles_total', 'counter', HELP_CORE_THROTTLES, count, { package: String(pkg), core: String(core) });
      }
    }
  }
}
