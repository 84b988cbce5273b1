/**
 * `cpufreq` collector, as node_exporter 1.5 on Linux: for each `<sysfs>/devices/system/cpu/cpuN`
 * with a `cpufreq` directory, gauges in hertz (sysfs gives kHz) labelled `cpu`:
 * `node_cpu_frequency_hertz` (`cpuinfo_cur_freq`, readable by root only), `…_min_hertz`,
 * `…_max_hertz` (`cpuinfo_min_freq`, `cpuinfo_max_freq`) and `node_cpu_scaling_frequency_hertz`,
 * `…_min_hertz`, `…_max_hertz` (`scaling_cur_freq`, `scaling_min_freq`, `scaling_max_freq`).
 * A missing or unreadable frequency file is left out; a frequency that is not an integer, or a
 * missing `scaling_available_governors`, `scaling_driver`, `scaling_governor`, `related_cpus` or
 * `scaling_setspeed` file, fails the collection, as upstream's procfs reader does.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { parseUint } from '../text.js';
import { isNotExist, type Collector } from '../types.js';

/** Frequency files and their metrics: file, metric, HELP. */
const FREQUENCIES: readonly [file: string, metric: string, help: string][] = [
  ['cpuinfo_cur_freq', 'node_cpu_frequency_hertz', 'Current cpu thread frequency in hertz.'],
  ['cpuinfo_min_freq', 'node_cpu_frequency_min_hertz', 'Minimum cpu thread frequency in hertz.'],
  ['cpuinfo_max_freq', 'node_cpu_frequency_max_hertz', 'Maximum cpu thread frequency in hertz.'],
  ['scaling_cur_freq', 'node_cpu_scaling_frequency_hertz', 'Current scaled CPU thread frequency in hertz.'],
  ['scaling_min_freq', 'node_cpu_scaling_frequency_min_hertz', 'Minimum scaled CPU thread frequency in hertz.'],
  ['scaling_max_freq', 'node_cpu_scaling_frequency_max_hertz', 'Maximum scaled CPU thread frequency in hertz.'],
];

/** Integer files read besides the frequencies (checked, not reported). */
const OTHER_UINT_FILES = ['cpuinfo_transition_latency'];
/** Text files upstream's reader requires. */
const REQUIRED_FILES = ['scaling_available_governors', 'scaling_driver', 'scaling_governor', 'related_cpus', 'scaling_setspeed'];

/** The `cpufreq` collector. */
export class CpufreqCollector implements Collector {
  readonly name = 'cpufreq';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    const root = this.paths.sys('devices/system/cpu');
    const cpus = (await readdir(root)).filter((n) => /^cpu[0-9]/.test(n)).sort();
    if (cpus.length === 0) throw new Error('could not find any cpufreq files');
    const stats = await Promise.all(cpus.map((c) => this.read(`${root}/${c}/cpufreq`)));
    cpus.forEach((dir, i) => {
      const s = stats[i];
      if (s === undefined) return;
      const cpu = dir.slice(3);
      for (const [file, metric, help] of FREQUENCIES) {
        const v = s.freqs.get(file);
        if (v !== undefined) out.add(metric, 'gauge', help, v * 1000, { cpu });
      }
    });
  }

  /** One CPU's frequencies (kHz) by file, or undefined when it has no cpufreq directory. */
  private async read(dir: string): Promise<{ freqs: Map<string, number> } | undefined> {
    try {
      await readdir(dir);
    } catch (e) {
      if (isNotExist(e)) return undefined;
      throw e;
    }
    const freqs = new Map<string, number>();
    for (const file of [...FREQUENCIES.map(([f]) => f), ...OTHER_UINT_FILES]) {
      try {
        freqs.set(file, parseUint((await readFile(`${dir}/${file}`, 'utf8')).trim(), file));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM') continue;
        throw e;
      }
    }
    await Promise.all(REQUIRED_FILES.map((f) => readFile(`${dir}/${f}`)));
    return { freqs };
  }
}
