/**
 * The exporter's own `process_*` series (as node_exporter serves them): parsing of
 * `/proc/self/limits` and `/proc/self/status`, and the series the host collector adds for the
 * current process when `processMetrics` is on (and not otherwise), checked against this process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HostCollector } from '../../../src/hostmetrics/index.js';
import { softLimit, statusBytes } from '../../../src/hostmetrics/process.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max address space         unlimited            unlimited            bytes
`;

const STATUS = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmSize:\t 1100000 kB\nVmRSS:\t   65536 kB\nThreads:\t11\n';

/** The value of the unlabelled sample `name` in a text-format body. */
function sample(body: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  if (!m) throw new Error(`${name} missing`);
  return Number(m[1]);
}

describe('process metrics', () => {
  it('reads soft limits, with unlimited as the largest uint64 (client_golang)', () => {
    expect(softLimit(LIMITS, 'Max open files')).toBe(1024);
    expect(softLimit(LIMITS, 'Max address space')).toBe(18446744073709551615);
    expect(softLimit(LIMITS, 'Max processes')).toBeUndefined();
  });

  it('reads Vm* fields in bytes', () => {
    expect(statusBytes(STATUS, 'VmSize')).toBe(1100000 * 1024);
    expect(statusBytes(STATUS, 'VmRSS')).toBe(65536 * 1024);
    expect(statusBytes(STATUS, 'VmSwap')).toBeUndefined();
  });

  it('adds the process_* series of the current process, with HELP and TYPE, and no go_* series', async () => {
    const before = process.cpuUsage();
    const body = await new HostCollector({ collectors: [], processMetrics: true }).collect();
    const names = [...body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(names).toEqual([
      'process_cpu_seconds_total counter',
      'process_max_fds gauge',
      'process_open_fds gauge',
      'process_resident_memory_bytes gauge',
      'process_start_time_seconds gauge',
      'process_virtual_memory_bytes gauge',
      'process_virtual_memory_max_bytes gauge',
    ]);
    expect(body).toContain('# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n');

    expect(sample(body, 'process_cpu_seconds_total')).toBeGreaterThanOrEqual((before.user + before.system) / 1e6);
    expect(sample(body, 'process_cpu_seconds_total')).toBeLessThanOrEqual(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6);

    const limits = readFileSync('/proc/self/limits', 'utf8');
    expect(sample(body, 'process_max_fds')).toBe(softLimit(limits, 'Max open files'));
    const open = sample(body, 'process_open_fds');
    expect(open).toBeGreaterThanOrEqual(3);
    expect(open).toBeLessThanOrEqual(sample(body, 'process_max_fds'));
    expect(Math.abs(open - readdirSync('/proc/self/fd').length)).toBeLessThanOrEqual(16);

    const rss = sample(body, 'process_resident_memory_bytes');
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(rss % 1024).toBe(0);
    expect(Math.abs(rss - process.memoryUsage().rss)).toBeLessThan(rss / 2);
    expect(sample(body, 'process_virtual_memory_bytes')).toBeGreaterThan(rss);
    expect(sample(body, 'process_virtual_memory_max_bytes')).toBe(softLimit(limits, 'Max address space'));

    const start = sample(body, 'process_start_time_seconds');
    const expected = Date.now() / 1000 - process.uptime();
    expect(Math.abs(start - expected)).toBeLessThan(2);
  });

  it('leaves them out unless asked', async () => {
    const body = await new HostCollector({ collectors: ['time'] }).collect();
    expect(body).toContain('node_time_seconds');
    expect(body).not.toContain('process_');
  });
});
