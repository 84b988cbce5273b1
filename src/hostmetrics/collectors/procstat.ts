/**
 * `/proc/stat`, parsed as procfs's `FS.Stat` (v0.8, the version node_exporter 1.5 uses): CPU times
 * in seconds (ticks ÷ USER_HZ 100), boot time, interrupts, context switches, forks, run queue.
 */
import { HostParseError, fields, lines, parseDecimal, parseUint } from '../text.js';

/** Kernel ticks per second in /proc/stat (USER_HZ; 100 on every Linux architecture procfs supports). */
const USER_HZ = 100;

/** Number of CPU time columns read per `cpu` line: user nice system idle iowait irq softirq steal guest guest_nice. */
export const CPU_MODES = 10;

/** Parsed /proc/stat. CPU times are seconds; `cpu[i]` holds `CPU_MODES` values for CPU `i`. */
export interface ProcStat {
  bootTime: number;
  /** Per-CPU times, indexed by CPU number; CPUs missing from the file (offline) are all zero. */
  cpu: Float64Array[];
  irqTotal: number;
  contextSwitches: number;
  processesCreated: number;
  processesRunning: number;
  processesBlocked: number;
}

function parseCpuLine(parts: string[], line: string): Float64Array {
  const times = new Float64Array(CPU_MODES);
  const n = Math.min(parts.length - 1, CPU_MODES);
  if (n === 0) throw new HostParseError(`couldn't parse ${JSON.stringify(line)} (cpu): 0 elements parsed`);
  for (let i = 0; i < n; i++) times[i] = parseDecimal(parts[i + 1]!, 'cpu') / USER_HZ;
  return times;
}

/**
 * Parses the text of /proc/stat. Lines with fewer than two fields and unknown keys are skipped.
 * @throws {HostParseError} for a malformed value of a known key
 */
export function parseProcStat(text: string): ProcStat {
  const stat: ProcStat = {
    bootTime: 0,
    cpu: [],
    irqTotal: 0,
    contextSwitches: 0,
    processesCreated: 0,
    processesRunning: 0,
    processesBlocked: 0,
  };
  for (const line of lines(text)) {
    const parts = fields(line);
    if (parts.length < 2) continue;
    const key = parts[0]!;
    switch (key) {
      case 'btime':
        stat.bootTime = parseUint(parts[1]!, 'btime');
        break;
      case 'intr':
        stat.irqTotal = parseUint(parts[1]!, 'intr');
        for (let i = 2; i < parts.length; i++) parseUint(parts[i]!, `intr${i - 2}`);
        break;
      case 'ctxt':
        stat.contextSwitches = parseUint(parts[1]!, 'ctxt');
        break;
      case 'processes':
        stat.processesCreated = parseUint(parts[1]!, 'processes');
        break;
      case 'procs_running':
        stat.processesRunning = parseUint(parts[1]!, 'procs_running');
        break;
      case 'procs_blocked':
        stat.processesBlocked = parseUint(parts[1]!, 'procs_blocked');
        break;
      default:
        if (key.startsWith('cpu')) {
          const times = parseCpuLine(parts, line);
          if (key === 'cpu') break;
          const id = key.slice(3);
          if (!/^[0-9]+$/.test(id)) throw new HostParseError(`couldn't parse ${JSON.stringify(line)} (cpu/cpuid): invalid syntax`);
          const n = Number(id);
          while (stat.cpu.length <= n) stat.cpu.push(new Float64Array(CPU_MODES));
          stat.cpu[n] = times;
        }
    }
  }
  return stat;
}
