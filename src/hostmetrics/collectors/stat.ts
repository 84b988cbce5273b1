/**
 * `stat` collector, as node_exporter 1.5 with default flags: `node_boot_time_seconds`,
 * `node_context_switches_total`, `node_forks_total`, `node_intr_total`, `node_procs_running`,
 * `node_procs_blocked` from /proc/stat.
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import type { Collector } from '../types.js';
import { parseProcStat } from './procstat.js';

/** The `stat` collector. */
export class StatCollector implements Collector {
  readonly name = 'stat';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    const s = parseProcStat(await readFile(this.paths.proc('stat'), 'utf8'));
    out.add('node_intr_total', 'counter', 'Total number of interrupts serviced.', s.irqTotal);
    out.add('node_context_switches_total', 'counter', 'Total number of context switches.', s.contextSwitches);
    out.add('node_forks_total', 'counter', 'Total number of forks.', s.processesCreated);
    out.add('node_boot_time_seconds', 'gauge', 'Node boot time, in unixtime.', s.bootTime);
    out.add('node_procs_running', 'gauge', 'Number of processes in runnable state.', s.processesRunning);
    out.add('node_procs_blocked', 'gauge', 'Number of processes blocked waiting for I/O to complete.', s.processesBlocked);
  }
}
