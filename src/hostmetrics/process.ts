/**
 * The exporter's own `process_*` series, as node_exporter serves them on its /metrics (client_golang's
 * process collector): CPU time, file descriptors, memory and start time of the current (Lookout)
 * process, read from the real `/proc/self` (not `--path.procfs`, as client_golang reads the default
 * procfs). client_golang's `go_*` series have no Node.js counterpart and are not emitted.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { MetricSet } from './metricset.js';

/** What client_golang reports for an `unlimited` resource limit: the largest uint64, as a float. */
const UNLIMITED = 18446744073709551615;

/** The soft limit of a `/proc/self/limits` row (`Max open files`…), or undefined when absent. */
export function softLimit(limits: string, name: string): number | undefined {
  for (const line of limits.split('\n')) {
    if (!line.startsWith(name)) continue;
    const soft = line.slice(name.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return UNLIMITED;
    const n = Number(soft);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A `Vm…:  <n> kB` field of `/proc/self/status`, in bytes, or undefined when absent. */
export function statusBytes(status: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * Adds the current process's `process_cpu_seconds_total` (user + system, seconds),
 * `process_open_fds`, `process_max_fds`, `process_virtual_memory_bytes`,
 * `process_virtual_memory_max_bytes`, `process_resident_memory_bytes` (bytes) and
 * `process_start_time_seconds` (Unix seconds). Series whose source cannot be read (no procfs) are
 * left out, as client_golang skips them; never throws.
 */
export async function addProcessMetrics(out: MetricSet): Promise<void> {
  const cpu = process.cpuUsage();
  out.add('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
  const [fds, limits, status] = await Promise.all([
    readdir('/proc/self/fd').catch(() => undefined),
    readFile('/proc/self/limits', 'utf8').catch(() => ''),
    readFile('/proc/self/status', 'utf8').catch(() => ''),
  ]);
  if (fds) out.add('process_open_fds', 'gauge', 'Number of open file descriptors.', fds.length);
  const maxFds = softLimit(limits, 'Max open files');
  if (maxFds !== undefined) out.add('process_max_fds', 'gauge', 'Maximum number of open file descriptors.', maxFds);
  const vsize = statusBytes(status, 'VmSize');
  if (vsize !== undefined) out.add('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.', vsize);
  const maxVsize = softLimit(limits, 'Max address space');
  if (maxVsize !== undefined) out.add('process_virtual_memory_max_bytes', 'gauge', 'Maximum amount of virtual memory available in bytes.', maxVsize);
  const rss = statusBytes(status, 'VmRSS');
  if (rss !== undefined) out.add('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', rss);
  out.add('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', Math.round((Date.now() / 1000 - process.uptime()) * 100) / 100);
}
