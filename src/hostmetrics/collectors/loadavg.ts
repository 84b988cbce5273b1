/** `loadavg` collector, as node_exporter 1.5 on Linux: `node_load1`, `node_load5`, `node_load15` from /proc/loadavg. */
import { readFile } from 'node:fs/promises';
import type { MetricSet } from '../metricset.js';
import type { HostPaths } from '../paths.js';
import { HostParseError, fields, parseDecimal } from '../text.js';
import type { Collector } from '../types.js';

const LOADS = [
  ['node_load1', '1m load average.'],
  ['node_load5', '5m load average.'],
  ['node_load15', '15m load average.'],
] as const;

/** The `loadavg` collector. */
export class LoadavgCollector implements Collector {
  readonly name = 'loadavg';

  constructor(private readonly paths: HostPaths) {}

  async update(out: MetricSet): Promise<void> {
    const file = this.paths.proc('loadavg');
    const parts = fields(await readFile(file, 'utf8'));
    if (parts.length < 3) throw new HostParseError(`couldn't get load: unexpected content in ${file}`);
    const values = LOADS.map((_, i) => parseDecimal(parts[i]!, 'load'));
    for (let i = 0; i < LOADS.length; i++) out.add(LOADS[i]![0], 'gauge', LOADS[i]![1], values[i]!);
  }
}
