/**
 * `pressure` collector, as node_exporter 1.5: pressure stall information from
 * `<procfs>/pressure/{cpu,io,memory}` (Linux ≥ 4.20 with PSI enabled) as counters in seconds
 * (the kernel's `total=` microseconds ÷ 10^6): `node_pressure_cpu_waiting_seconds_total`,
 * `node_pressure_io_{waiting,stalled}_seconds_total`, `node_pressure_memory_{waiting,stalled}_seconds_total`.
 * Missing files (or PSI disabled, `EOPNOTSUPP`): no data.
 */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, lines } from '../text.js';
import { NoDataError, isNotExist, type Collector } from '../types.js';

/** `total=` of the `some` and `full` lines, microseconds; undefined when the line is absent. */
export interface PsiTotals {
  some?: number;
  full?: number;
}

const PSI_LINE = /^(some|full) avg10=[0-9.]+ avg60=[0-9.]+ avg300=[0-9.]+ total=([0-9]+)$/;

/**
 * Parses a /proc/pressure file.
 * @throws {HostParseError} for a `some` or `full` line of another shape
 */
export function parsePsi(text: string): PsiTotals {
  const out: PsiTotals = {};
  for (const line of lines(text)) {
    const kind = line.split(' ', 1)[0];
    if (kind !== 'some' && kind !== 'full') continue;
    const m = PSI_LINE.exec(line.trim());
    if (!m) throw new HostParseError(`failed to retrieve pressure stats: malformed line ${JSON.stringify(line)}`);
    out[kind] = Number(m[2]);
  }
  return out;
}

const METRICS: ReadonlyArray<readonly [resource: string, kind: 'some' | 'full', name: string, help: string]> = [
  ['cpu', 'some', 'node_pressure_cpu_waiting_seconds_total', 'Total time in seconds that processes have waited for CPU time'],
  ['io', 'some', 'node_pressure_io_waiting_seconds_total', 'Total time in seconds that processes have waited due to IO congestion'],
  ['io', 'full', 'node_pressure_io_stalled_seconds_total', 'Total time in seconds no process could make progress due to IO congestion'],
  ['memory', 'some', 'node_pressure_memory_waiting_seconds_total', 'Total time in seconds that processes have waited for memory'],
  ['memory', 'full', 'node_pressure_memory_stalled_seconds_total', 'Total time in seconds no process could make progress due to memory congestion'],
];

/** The `pressure` collector. */
export class PressureCollector implements Collector {
  readonly name = 'pressure';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    const totals = new Map<string, PsiTotals>();
    for (const resource of ['cpu', 'io', 'memory']) {
      try {
        totals.set(resource, parsePsi(await readFile(this.paths.proc(`pressure/${resource}`), 'utf8')));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (isNotExist(e) || code === 'EOPNOTSUPP' || code === 'ENOTSUP') throw new NoDataError('pressure information is unavailable');
        throw e;
      }
    }
    for (const [resource, kind, name, help] of METRICS) {
      const total = totals.get(resource)?.[kind];
      if (total !== undefined) out.add(name, 'counter', help, total / 1000 / 1000);
    }
  }
}
